"""Hostile tests, class 9 of issue 15: secrets and permissions.

* Redaction: a DSN's password never reaches output — not ``pgarch seed --format json``, not an
  error about a malformed DSN (libpq quotes pieces of it), not a result object's repr.
* Permissions: starting the server (which runs as the unprivileged ``pgarch`` user when we are
  root) never adds o+x to folders the kit did not make; it says what to run instead.
* Setup consent: timing a pattern in a database the kit did not create installs no extension
  and changes no setting unless the caller opts in (``allow_setup`` / ``--allow-setup``).

Servers started here are each test's own ``Server`` in its own temp folder; the extension
tests use a plain ``CREATE DATABASE`` on the test server, dropped afterwards.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.db import drop_sandbox, server_dsn
from pgarch_kit.errors import PgArchError, ServerError
from pgarch_kit.model.serde import loads_design

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Hunter2-" + secrets.token_hex(6)  # in no DSN the kit makes itself

DESIGN = """name: {name}
tables:
  - name: items
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: sku, type: text, nullable: false}}
    primary_key: [id]
    intent: {{rows: 300}}
queries:
  - {{name: item_by_id, sql: 'SELECT sku FROM items WHERE id = :id', per_second: 50}}
"""


def pgarch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env={**base, **(env or {})}, timeout=300)


def with_password(dsn: str) -> str:
    """The test server trusts local connections, so a password is accepted and ignored."""
    return f"{dsn} password={SECRET}"


# --------------------------------------------------------------------------- redaction

@pytest.fixture
def design_file(tmp_path: Path, pg_dsn: str) -> Iterator[tuple[Path, str]]:
    name = f"secrets_{secrets.token_hex(3)}"
    path = tmp_path / "items.yaml"
    path.write_text(DESIGN.format(name=name))
    yield path, name
    drop_sandbox(name, dsn=pg_dsn)


def test_seed_json_does_not_print_the_password(design_file, pg_dsn: str) -> None:
    path, name = design_file
    r = pgarch("seed", str(path), "--scale", "0.1", "--format", "json",
               "--dsn", with_password(pg_dsn))
    assert r.returncode == 0, r.stderr
    assert SECRET not in r.stdout + r.stderr
    out = json.loads(r.stdout)
    # still says where: user, host and database are kept, the password masked
    assert "password=***" in out["dsn"] and f"pgarch_{name}" in out["dsn"]
    assert "user=postgres" in out["dsn"]


def test_malformed_dsn_error_does_not_quote_the_password(design_file) -> None:
    # libpq's own message is: invalid percent-encoded token: "<the password>"
    path, _ = design_file
    dsn = f"postgresql://alice:{SECRET}%zz@localhost/shop"
    r = pgarch("seed", str(path), "--dsn", dsn)
    assert r.returncode == 1
    assert SECRET not in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "connection string" in r.stderr and "postgresql://alice:***@localhost/shop" in r.stderr


def test_library_dsn_error_and_its_traceback_hold_no_password() -> None:
    # libpq quotes the whole URI: end of string reached when looking for matching "]" ...
    from pgarch_kit.db.connect import connect
    dsn = f"postgresql://alice:{SECRET}@[::1/shop"
    with pytest.raises(Exception) as info:
        connect(dsn=dsn)
    printed = "".join(traceback.format_exception(info.value))  # chained causes included
    assert SECRET not in printed
    assert isinstance(info.value, PgArchError)
    assert "connection string" in str(info.value) and "alice:***@" in str(info.value)


def test_load_result_repr_and_dict_hold_no_password(fresh_db: str) -> None:
    from pgarch_kit.db.load import load
    design = loads_design(DESIGN.format(name="secrets_load"))
    result = load(design, dsn=with_password(fresh_db), rows={"items": 20}, progress=False)
    shown = [repr(result), str(result), result._repr_html_(), json.dumps(result.to_dict())]
    for text in shown:
        assert SECRET not in text
    assert "password=***" in repr(result) and "password=***" in result.to_dict()["dsn"]
    with psycopg.connect(result.dsn) as conn:  # the object keeps a usable DSN
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 20


def test_redis_error_holds_no_password() -> None:
    from pgarch_kit.db.redis_server import redis_client
    url = f"redis://:{SECRET}@127.0.0.1:1/0"  # nothing listens on port 1
    with pytest.raises(PgArchError) as info:
        redis_client(url)
    printed = "".join(traceback.format_exception(info.value))
    assert SECRET not in printed
    assert "redis://:***@127.0.0.1:1/0" in str(info.value)


# --------------------------------------------------------------------------- permissions

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the server user differs only as root")


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A 0700 folder (like /root) holding the would-be project; every ancestor's mode is
    restored afterwards and any server started under it is stopped."""
    from pgarch_kit.db.server import Server, postmasters_for
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o700)
    ancestors = [folder, *folder.parents]
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in ancestors}
    yield folder
    for data in folder.rglob("PG_VERSION"):  # only when a server was started after all
        server = Server(data_dir=data.parent)
        if postmasters_for(data.parent):
            server.stop()
        if not server.socket_dir.is_relative_to(tmp_path):
            shutil.rmtree(server.socket_dir, ignore_errors=True)
    for p, mode in modes.items():
        if p.exists() and stat.S_IMODE(p.stat().st_mode) != mode:
            p.chmod(mode)


def _modes(folder: Path) -> dict[Path, int]:
    return {p: stat.S_IMODE(p.stat().st_mode) for p in [folder, *folder.parents]}


def _raised(action) -> Exception | None:
    """The exception ``action`` raises (None if none), so the file-system checks come first."""
    try:
        action()
    except Exception as exc:
        return exc
    return None


def _assert_clear_refusal(message: str, folder: Path) -> None:
    assert "pgarch" in message and str(folder) in message
    assert "chmod o+x" in message and "PGARCH_HOME" in message


@needs_root
def test_server_in_unreachable_folder_is_refused_not_chmodded(locked: Path) -> None:
    from pgarch_kit.db.server import Server
    before = _modes(locked)
    server = Server(data_dir=locked / "proj" / ".pgarch" / "pg18")
    error = _raised(server.ensure_started)
    assert _modes(locked) == before
    assert list(locked.iterdir()) == []  # no lock file, no data dir, no socket dir
    assert isinstance(error, ServerError)
    _assert_clear_refusal(str(error), locked)


@needs_root
def test_pgarch_home_in_unreachable_folder_is_refused_for_notebooks(
        locked: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a notebook's first pk.connect() starts the embedded server from $PGARCH_HOME
    from pgarch_kit.db.connect import connect
    monkeypatch.setenv("PGARCH_HOME", str(locked / "home"))
    monkeypatch.delenv("PGARCH_DSN", raising=False)
    before = _modes(locked)
    error = _raised(lambda: connect().close())
    assert _modes(locked) == before
    assert list(locked.iterdir()) == []
    assert isinstance(error, ServerError)
    _assert_clear_refusal(str(error), locked)


@needs_root
def test_cli_server_start_in_unreachable_folder_names_the_fix(locked: Path) -> None:
    before = _modes(locked)
    r = pgarch("server", "start", env={"PGARCH_HOME": str(locked / "proj" / ".pgarch")})
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert _modes(locked) == before
    assert list(locked.iterdir()) == []
    _assert_clear_refusal(r.stderr, locked)


# --------------------------------------------------------------------------- setup consent

@pytest.fixture
def foreign(pg_dsn: str) -> Iterator[tuple[object, str, str]]:
    """(design, dbname, dsn): a database the kit did not create — a plain CREATE DATABASE with
    the design's table and rows, named like the design's sandbox would be — dropped after."""
    name = f"secrets_{secrets.token_hex(3)}"
    dbname = f"pgarch_{name}"
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    dsn = server_dsn(pg_dsn, dbname)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY "
                         "KEY, sku text NOT NULL)")
            conn.execute("INSERT INTO items (sku) SELECT 'sku-' || g FROM "
                         "generate_series(1, 500) g")
            conn.execute("ANALYZE items")
        yield loads_design(DESIGN.format(name=name)), dbname, dsn
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _state(pg_dsn: str, dsn: str) -> dict[str, object]:
    """What setup would change: the database's extensions, its per-database settings, the
    server's non-default settings, postgresql.auto.conf, and the server's start time."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        exts = conn.execute("SELECT extname FROM pg_extension ORDER BY 1").fetchall()
        db_settings = conn.execute(
            "SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())").fetchall()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        settings = conn.execute(
            "SELECT name, setting, pending_restart FROM pg_settings "
            "WHERE source NOT IN ('default', 'client', 'session') ORDER BY 1").fetchall()
        data_dir = Path(conn.execute("SHOW data_directory").fetchone()[0])
        started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    auto = (data_dir / "postgresql.auto.conf").read_text()
    return {"extensions": exts, "db_settings": db_settings, "settings": settings,
            "auto.conf": auto, "started": started}


def _names_the_opt_in(text: str, what: str, dbname: str) -> None:
    assert what in text and dbname in text
    assert "allow_setup=True" in text and "--allow-setup" in text


def test_time_pattern_installs_nothing_in_a_foreign_database(foreign, pg_dsn: str) -> None:
    from pgarch_kit.bench import time_pattern
    design, dbname, dsn = foreign
    before = _state(pg_dsn, dsn)
    timing = time_pattern(design, "item_by_id", dsn=dsn, runs=3, warmup=1, sample_size=50)
    assert _state(pg_dsn, dsn) == before
    assert timing.runs == 3 and timing.server is None  # measured, client side only
    _names_the_opt_in(str(timing), "CREATE EXTENSION pg_stat_statements", dbname)
    _names_the_opt_in(str(timing), "pg_prewarm", dbname)


def test_cli_time_installs_nothing_in_a_foreign_database_of_the_sandbox_name(
        foreign, pg_dsn: str, tmp_path: Path) -> None:
    # `pgarch time --dsn SERVER` times in pgarch_<design> on that server: here a database of
    # that name which the kit did not create
    design, dbname, dsn = foreign
    path = tmp_path / "items.yaml"
    path.write_text(DESIGN.format(name=design.name))
    before = _state(pg_dsn, dsn)
    r = pgarch("time", str(path), "--dsn", pg_dsn, "--runs", "3")
    assert r.returncode == 0, r.stderr
    assert _state(pg_dsn, dsn) == before
    _names_the_opt_in(r.stdout, "pg_stat_statements", dbname)
    r = pgarch("time", str(path), "--dsn", pg_dsn, "--runs", "3", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert _state(pg_dsn, dsn) == before
    _names_the_opt_in(" ".join(json.loads(r.stdout)[0]["notes"]), "pg_stat_statements", dbname)


def test_time_query_warm_installs_no_pg_prewarm_in_a_foreign_database(
        foreign, pg_dsn: str) -> None:
    from pgarch_kit.bench import time_query
    _, dbname, dsn = foreign
    before = _state(pg_dsn, dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        timing = time_query(conn, "SELECT count(*) FROM items", runs=2, warmup=1, warm=True,
                            statements=False)
    assert _state(pg_dsn, dsn) == before
    assert timing.runs == 2
    _names_the_opt_in(str(timing), "pg_prewarm", dbname)


def test_allow_setup_is_the_explicit_opt_in(foreign, pg_dsn: str) -> None:
    from pgarch_kit.bench import time_pattern
    design, _, dsn = foreign
    before = _state(pg_dsn, dsn)
    timing = time_pattern(design, "item_by_id", dsn=dsn, runs=3, warmup=1, sample_size=50,
                          allow_setup=True)
    after = _state(pg_dsn, dsn)
    assert {"pg_stat_statements", "pg_prewarm"} <= {e[0] for e in after["extensions"]}
    assert after["settings"] == before["settings"] and after["auto.conf"] == before["auto.conf"]
    assert timing.server is not None and timing.server.calls == 3 and not timing.notes
