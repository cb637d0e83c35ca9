"""Session fixtures shared by the whole suite: a real PostgreSQL, and fresh sandbox databases.

* ``pg_dsn`` — the default server: the project's embedded PostgreSQL 18 (kept in
  ``<repo>/.pgarch/pg18`` and reused between runs, so the suite starts fast) unless
  ``$PGARCH_DSN`` points at another server.
* ``fresh_db`` — a new marked sandbox database per test, dropped afterwards; yields its DSN.
* ``pg15_dsn`` — a throwaway PostgreSQL 15 (Debian's binaries) in a temp dir, deleted at the
  end of the session; skipped when those binaries are absent.
* ``fresh_db_any`` — ``fresh_db`` on either server, parametrised as ``pg18`` / ``pg15``.

Tests that stop or kill servers make their own ``Server.temporary()``: never the shared one.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Library calls with dsn=None must reach the same server as pg_dsn, whatever the cwd.
# (<repo>/.pgarch, or the kit's own folder when the server user cannot reach the clone)
os.environ.setdefault("PGARCH_HOME", str(__import__("pgarch_kit.db.server", fromlist=["x"])
                                         .project_home(ROOT)))


def _fresh_sandbox(base_dsn: str) -> Iterator[str]:
    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    name = create_sandbox(f"pgarch_test_{secrets.token_hex(4)}", dsn=base_dsn)
    try:
        yield server_dsn(base_dsn, name)
    finally:
        drop_sandbox(name, dsn=base_dsn)


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """DSN of the default server (maintenance database), started if needed."""
    from pgarch_kit.db import server_dsn
    return server_dsn()


@pytest.fixture(scope="session")
def pg15_dsn() -> Iterator[str]:
    """DSN of a throwaway PostgreSQL 15 server, stopped and deleted at session end."""
    from pgarch_kit.db import Server, find_pg15_bin
    bin_dir = find_pg15_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL 15 binaries not found in /usr/lib/postgresql/15/bin "
                    "(apt-get install postgresql-15 to run the PG15 tests)")
    server = Server.temporary(bin_dir=bin_dir)
    try:
        server.ensure_started()
        yield server.dsn()
    finally:
        server.destroy()


@pytest.fixture
def fresh_db(pg_dsn: str) -> Iterator[str]:
    """DSN of a new, uniquely named sandbox database on the default server."""
    yield from _fresh_sandbox(pg_dsn)


@pytest.fixture(params=["pg18", pytest.param("pg15", marks=pytest.mark.pg15)])
def fresh_db_any(request: pytest.FixtureRequest) -> Iterator[str]:
    """``fresh_db`` on the default server (``pg18``) or the PostgreSQL 15 one (``pg15``)."""
    base = request.getfixturevalue("pg_dsn" if request.param == "pg18" else "pg15_dsn")
    yield from _fresh_sandbox(base)


@pytest.fixture
def make_db(pg_dsn: str) -> Iterator:
    """``make(dsn=pg_dsn)``: another fresh sandbox on the server ``dsn`` points at (any
    database of it), dropped after the test."""
    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    made: list[tuple[str, str]] = []

    def make(dsn: str = pg_dsn) -> str:
        base = server_dsn(dsn, "postgres")
        name = create_sandbox(f"pgarch_test_{secrets.token_hex(4)}", dsn=base)
        made.append((base, name))
        return server_dsn(base, name)
    yield make
    for base, name in made:
        drop_sandbox(name, dsn=base)


@pytest.fixture(scope="session")
def executed_notebook(tmp_path_factory: pytest.TempPathFactory, pg_dsn: str):
    """``run(path)``: the notebook executed headless and exported to HTML, once per session
    (the execution test and the browser tests share the run)."""
    from pgarch_kit.export.notebooks import run_notebook
    out = tmp_path_factory.mktemp("reports")
    cache: dict[Path, object] = {}

    def run(path: Path):
        if path not in cache:
            cache[path] = run_notebook(path, out)
        return cache[path]
    return run


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Redis (Debian's redis-server, installed by the setup) on a temp unix socket,
    stopped at session end — or the one ``$PGARCH_REDIS_URL`` names."""
    from pgarch_kit.db.redis_server import redis_url as start
    from pgarch_kit.db.redis_server import stop_redis
    if env := os.environ.get("PGARCH_REDIS_URL"):
        yield env
        return
    home = tmp_path_factory.mktemp("redis")
    try:
        yield start(home)
    finally:
        stop_redis(home)


@pytest.fixture(scope="module")
def throwaway_home() -> Iterator[Path]:
    """PGARCH_HOME of a throwaway server of the module's own, laid out like the project's
    (``<home>/pg18``) so the ``pgarch`` command adopts it: for tests that reset *every*
    sandbox, which on the shared server would drop the ones other tests are using."""
    import shutil
    import tempfile

    from pgarch_kit.db.server import Server
    base = Path(tempfile.mkdtemp(prefix="pgarch-own-"))
    base.chmod(0o711)  # the server user must traverse it; nobody may list it
    server = Server(data_dir=base / "pg18", temporary_dir=base, fast_unsafe=True)
    try:
        server.ensure_started()
        yield base
    finally:
        server.destroy()
        shutil.rmtree(base, ignore_errors=True)
