"""The facilitator's reset (``reset_sandboxes``, ``pgarch server reset``) against a real server.

A reset of *every* sandbox would drop the sandboxes other tests are using on the shared
server, so every test here runs on one throwaway server of its own (``PGARCH_HOME`` pointed at
it), as tests/db/test_server.py does for the lifecycle.
"""
from __future__ import annotations

import os
import pty
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pgarch_kit.db.sandbox import (
    create_sandbox,
    database_exists,
    list_sandboxes,
    plan_reset,
    reset_sandboxes,
)
from pgarch_kit.db.server import Server
from pgarch_kit.errors import UnsafeOperationError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(throwaway_home: Path) -> Path:
    return throwaway_home


@pytest.fixture
def dsn(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The throwaway server's DSN, emptied of sandboxes, other databases and roles after."""
    monkeypatch.setenv("PGARCH_HOME", str(home))
    monkeypatch.delenv("PGARCH_DSN", raising=False)
    url = Server(data_dir=home / "pg18").dsn()
    yield url
    with psycopg.connect(url, autocommit=True) as conn:
        for (name,) in conn.execute("SELECT datname FROM pg_database WHERE NOT datistemplate"
                                    " AND datname <> 'postgres'").fetchall():
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        for (name,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE 'pgarch%'"
                                    " OR rolname LIKE 'learner%'").fetchall():
            conn.execute(f'DROP ROLE "{name}"')


def _sql(dsn: str, *statements: str, dbname: str = "postgres") -> None:
    with psycopg.connect(make_conninfo(dsn, dbname=dbname),
                         autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _roles(dsn: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}


def _unmarked(dsn: str) -> list[str]:
    """Databases that must survive every reset: made by hand, a TEMPLATE copy of a sandbox
    (owned by its maker, not the kit), one with the prefix but no marker, one carrying the
    old setting marker (which any owner could forge)."""
    create_sandbox("shop", dsn)
    _sql(dsn, "CREATE DATABASE plain_notes", "CREATE DATABASE copy_of_shop TEMPLATE pgarch_shop",
         "CREATE DATABASE pgarch_lookalike",
         "CREATE DATABASE pgarch_renamed", "ALTER DATABASE pgarch_renamed SET pgarch.sandbox ="
         " 'pgarch_shop'")
    return ["plain_notes", "copy_of_shop", "pgarch_lookalike", "pgarch_renamed"]


def test_reset_one_design_drops_only_its_sandbox(dsn: str) -> None:
    keep = _unmarked(dsn)
    create_sandbox("library", dsn)
    assert list_sandboxes(dsn) == ["pgarch_library", "pgarch_shop"]

    done = reset_sandboxes("library", dsn)
    assert done.databases == ("pgarch_library",) and done.roles == ()
    assert list_sandboxes(dsn) == ["pgarch_shop"]
    assert all(database_exists(d, dsn) for d in keep)
    # a design without a sandbox: nothing to do, nothing dropped
    assert not plan_reset("library", dsn) and not reset_sandboxes("library", dsn)


def test_reset_all_drops_every_sandbox_never_an_unmarked_database(dsn: str) -> None:
    keep = _unmarked(dsn)
    create_sandbox("library", dsn)
    with psycopg.connect(make_conninfo(dsn, dbname="pgarch_library")):
        done = reset_sandboxes(dsn=dsn)  # an open session does not block it (FORCE)
    assert done.databases == ("pgarch_library", "pgarch_shop")
    assert list_sandboxes(dsn) == []
    assert all(database_exists(d, dsn) for d in keep)


def test_reset_of_an_unmarked_database_is_refused(dsn: str) -> None:
    _unmarked(dsn)
    with pytest.raises(UnsafeOperationError, match="not a pgarch_kit sandbox"):
        reset_sandboxes("lookalike", dsn)
    assert database_exists("pgarch_lookalike", dsn)


def test_reset_all_drops_the_kit_leftover_login_roles_only(dsn: str) -> None:
    kit = f"pgarch_{secrets.token_hex(4)}_tenant"
    busy = f"pgarch_{secrets.token_hex(4)}_tenant"
    _sql(dsn,
         # what bench/tenancy.py creates (and drops at the end of a run that was not killed)
         f"CREATE ROLE {kit} LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT",
         f"ALTER ROLE {kit} SET search_path = public",
         f"CREATE ROLE {busy} LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT",
         # look alike but are not the kit's: other attributes, other names
         "CREATE ROLE pgarch_0badc0de_tenant LOGIN",  # INHERIT, the default
         "CREATE ROLE pgarch_1badc0de_tenant LOGIN NOINHERIT CREATEDB",
         "CREATE ROLE pgarch_test_tenant NOLOGIN",
         "CREATE ROLE learner_ann LOGIN NOINHERIT",
         "CREATE DATABASE plain_notes")
    # owns a table outside any sandbox: the role stays, and so does the table
    _sql(dsn, "CREATE TABLE notes (id int)", f"ALTER TABLE notes OWNER TO {busy}",
         dbname="plain_notes")

    assert set(plan_reset(dsn=dsn).roles) == {kit, busy}
    done = reset_sandboxes(dsn=dsn)
    assert done.roles == (kit,)
    assert len(done.kept) == 1 and done.kept[0].startswith(f"{busy}: ")
    left = _roles(dsn)
    assert kit not in left
    assert {busy, "pgarch_0badc0de_tenant", "pgarch_1badc0de_tenant", "pgarch_test_tenant",
            "learner_ann"} <= left
    # a design's reset never touches roles
    assert reset_sandboxes("shop", dsn).roles == ()


def test_reset_limited_to_its_plan(dsn: str) -> None:
    create_sandbox("shop", dsn)
    plan = plan_reset(dsn=dsn)
    create_sandbox("late", dsn)  # made after the plan was shown: not dropped unseen
    assert reset_sandboxes(dsn=dsn, plan=plan).databases == ("pgarch_shop",)
    assert list_sandboxes(dsn) == ["pgarch_late"]


# --- the command, as a facilitator runs it ------------------------------------------------

def pgarch(home: Path, *args: str, tty_answer: str | None = None
           ) -> subprocess.CompletedProcess[str]:
    """``pgarch ARGS`` in a subprocess; with ``tty_answer`` its stdin is a terminal that
    receives that line, else stdin is not a terminal."""
    env = {k: v for k, v in os.environ.items() if k != "PGARCH_DSN"}
    env["PGARCH_HOME"] = str(home)
    cmd = [sys.executable, "-m", "pgarch_kit.cli", *args]
    if tty_answer is None:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                              stdin=subprocess.DEVNULL, timeout=120)
    leader, follower = pty.openpty()
    try:
        os.write(leader, tty_answer.encode() + b"\n")
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                              stdin=follower, timeout=120)
    finally:
        os.close(leader)
        os.close(follower)


def test_cli_reset_design(home: Path, dsn: str) -> None:
    keep = _unmarked(dsn)
    create_sandbox("library", dsn)
    r = pgarch(home, "server", "reset", "--design", "library", "--yes")
    assert r.returncode == 0, r.stderr
    assert "will drop:\n  sandbox pgarch_library" in r.stdout
    assert "dropped sandbox pgarch_library" in r.stdout and "pgarch_shop" not in r.stdout
    assert list_sandboxes(dsn) == ["pgarch_shop"]

    r = pgarch(home, "server", "reset", "--design", "no such design", "--yes")
    assert r.returncode == 2
    assert ("design 'no such design' has no sandbox ('pgarch_no_such_design' does not exist);"
            " sandboxes on this server: pgarch_shop") in r.stderr

    r = pgarch(home, "server", "reset", "--design", "lookalike", "--yes")
    assert r.returncode == 1 and "not a pgarch_kit sandbox" in r.stderr

    r = pgarch(home, "server", "reset", "--yes")
    assert r.returncode == 0, r.stderr
    assert "dropped sandbox pgarch_shop" in r.stdout
    assert list_sandboxes(dsn) == [] and all(database_exists(d, dsn) for d in keep)

    r = pgarch(home, "server", "reset", "--yes")
    assert r.returncode == 0 and "nothing to reset" in r.stdout


def test_cli_reset_asks_on_a_terminal_and_refuses_without_one(home: Path, dsn: str) -> None:
    create_sandbox("shop", dsn)
    r = pgarch(home, "server", "reset")  # stdin is not a terminal, no --yes
    assert r.returncode == 2 and "pass --yes" in r.stderr
    r = pgarch(home, "server", "reset", tty_answer="n")
    assert r.returncode == 1, r.stderr
    assert "[y/N]" in r.stdout and "reset cancelled: nothing dropped" in r.stdout
    assert list_sandboxes(dsn) == ["pgarch_shop"]
    r = pgarch(home, "server", "reset", tty_answer="y")
    assert r.returncode == 0, r.stderr
    assert "dropped sandbox pgarch_shop" in r.stdout and list_sandboxes(dsn) == []


def test_cli_reset_flags_belong_to_reset(home: Path) -> None:
    r = pgarch(home, "server", "status", "--yes")
    assert r.returncode == 2 and "belong to `pgarch server reset`" in r.stderr
    r = pgarch(home, "server", "reset", "--design", "!!!", "--yes")
    assert r.returncode == 2 and "no letters or digits" in r.stderr
