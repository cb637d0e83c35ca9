"""Forged sandboxes and racing runs: only databases the kit made are ever dropped, and two runs
on one design's sandbox take turns instead of destroying each other's work.

Every test here failed when a sandbox was recognised by a per-database setting (which any
owner, or an imported script running as ``postgres``, could write) and loads took no lock."""
from __future__ import annotations

import dataclasses
import secrets
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pgarch_kit.cli import main
from pgarch_kit.db import sandbox
from pgarch_kit.db.importer import import_schema
from pgarch_kit.db.sandbox import create_sandbox, database_exists, drop_sandbox, is_sandbox
from pgarch_kit.errors import UnsafeOperationError

ROOT = Path(__file__).resolve().parents[2]


def _admin(dsn: str) -> psycopg.Connection:
    return psycopg.connect(make_conninfo(dsn, dbname="postgres"), autocommit=True)


@pytest.fixture
def own_dsn(throwaway_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway server's DSN (a full reset drops every sandbox on its server), and the
    kit's default (``pgarch`` and dsn=None) pointed at it."""
    from pgarch_kit.db.server import Server
    monkeypatch.setenv("PGARCH_HOME", str(throwaway_home))
    monkeypatch.delenv("PGARCH_DSN", raising=False)
    return Server(data_dir=throwaway_home / "pg18").dsn()


@pytest.fixture
def victim(own_dsn: str):
    """A database holding data someone cares about, named like a sandbox."""
    name = f"pgarch_victim_{secrets.token_hex(3)}"
    with _admin(own_dsn) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(make_conninfo(own_dsn, dbname=name), autocommit=True) as conn:
        conn.execute("CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me')")
    yield name
    with _admin(own_dsn) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _still_there(pg_dsn: str, name: str) -> bool:
    with psycopg.connect(make_conninfo(pg_dsn, dbname=name)) as conn:
        return conn.execute("SELECT v FROM precious").fetchone() == ("keep me",)


def test_the_old_setting_marker_is_not_trusted_by_reset(victim: str, own_dsn: str,
                                                        capsys) -> None:
    with _admin(own_dsn) as conn:
        conn.execute(f"ALTER DATABASE {victim} SET pgarch.sandbox = '{victim}'")
    assert not is_sandbox(victim, dsn=own_dsn)
    real = create_sandbox(f"pgarch_real_{secrets.token_hex(3)}", dsn=own_dsn)
    assert main(["server", "reset", "--yes"]) == 0
    out = capsys.readouterr()
    assert real in out.out + out.err and not database_exists(real, dsn=own_dsn)  # it did run
    assert victim not in out.out + out.err
    assert _still_there(own_dsn, victim)
    with pytest.raises(UnsafeOperationError, match="not a pgarch_kit sandbox"):
        drop_sandbox(victim, dsn=own_dsn)
    assert _still_there(own_dsn, victim)


def test_an_imported_script_cannot_mark_a_foreign_database(victim: str, own_dsn: str) -> None:
    result = import_schema(
        f"CREATE TABLE t (id int);\nALTER DATABASE {victim} SET pgarch.sandbox = '{victim}';\n",
        dsn=own_dsn)
    assert {s.line for s in result.refused} == {2}, result.report()
    with _admin(own_dsn) as conn:
        assert conn.execute("SELECT setconfig FROM pg_db_role_setting s JOIN pg_database d"
                            " ON d.oid = s.setdatabase WHERE d.datname = %s",
                            (victim,)).fetchone() is None
    assert not is_sandbox(victim, dsn=own_dsn)
    sandbox.reset_sandboxes(dsn=own_dsn)
    assert _still_there(own_dsn, victim)


def test_a_database_owner_cannot_hand_a_database_to_the_kit(victim: str, own_dsn: str) -> None:
    """A CREATEDB user who owns a database can set its settings, but cannot make it the kit's:
    giving a database to the kit's role needs membership in that role."""
    create_sandbox(f"pgarch_test_{secrets.token_hex(3)}", dsn=own_dsn)  # the kit role exists
    user = f"mallory_{secrets.token_hex(3)}"
    with _admin(own_dsn) as conn:
        conn.execute(f"CREATE ROLE {user} LOGIN CREATEDB")
        conn.execute(f"ALTER DATABASE {victim} OWNER TO {user}")
    try:
        as_owner = make_conninfo(own_dsn, dbname="postgres", user=user)
        with psycopg.connect(as_owner, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"ALTER DATABASE {victim} OWNER TO {sandbox.OWNER_ROLE}")
        assert not is_sandbox(victim, dsn=own_dsn)
        sandbox.reset_sandboxes(dsn=own_dsn)
        assert _still_there(own_dsn, victim)
    finally:
        with _admin(own_dsn) as conn:
            conn.execute(f"ALTER DATABASE {victim} OWNER TO postgres")
            conn.execute(f"DROP ROLE {user}")


def test_a_crash_right_after_create_database_leaves_a_usable_sandbox(
        pg_dsn: str, monkeypatch) -> None:
    name = f"pgarch_crash_{secrets.token_hex(3)}"

    def crash(dbname: str) -> None:
        raise KeyboardInterrupt(f"killed just after CREATE DATABASE {dbname}")
    monkeypatch.setattr(sandbox, "after_create", crash)
    with pytest.raises(KeyboardInterrupt):
        create_sandbox(name, dsn=pg_dsn)
    monkeypatch.setattr(sandbox, "after_create", None)
    try:
        assert database_exists(name, dsn=pg_dsn)
        assert is_sandbox(name, dsn=pg_dsn)  # already the kit's: it does not block the design
        assert create_sandbox(name, dsn=pg_dsn, recreate=True) == name
    finally:
        drop_sandbox(name, dsn=pg_dsn)


def test_two_seeds_of_one_design_take_turns(pg_dsn: str, monkeypatch, capsys) -> None:
    from pgarch_kit.datagen import plan
    from pgarch_kit.db import load as load_module
    from pgarch_kit.model.serde import load_design
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    design = dataclasses.replace(design, name=f"race_{secrets.token_hex(3)}")
    small = plan(design, rows={t.name: 50 for t in design.tables})
    first_in = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def hold_first(dbname: str) -> None:
        order.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            first_in.set()
            assert release.wait(60), "the test never released the first load"
    monkeypatch.setattr(load_module, "after_target", hold_first)
    results: dict[str, object] = {}

    def run(tag: str) -> None:
        try:
            results[tag] = load_module.load(design, plan=small, progress=False)
        except BaseException as exc:
            results[tag] = exc
    first = threading.Thread(target=run, args=("first",), name="first")
    second = threading.Thread(target=run, args=("second",), name="second")
    try:
        first.start()
        assert first_in.wait(120)
        second.start()
        second.join(timeout=2)  # a barrier check, not a timing: it must still be waiting
        assert second.is_alive() and order == ["first"]
        release.set()
        first.join(300)
        second.join(300)
        assert order == ["first", "second"]
        for tag in ("first", "second"):
            assert not isinstance(results[tag], BaseException), results[tag]
            assert results[tag].ok
        assert "waiting for another pgarch_kit run" in capsys.readouterr().err
    finally:
        release.set()
        first.join(300)
        second.join(300)
        drop_sandbox(design.name, dsn=pg_dsn)


@pytest.mark.parametrize("extension", ["dblink", "file_fdw", "postgres_fdw", "adminpack"])
def test_a_design_cannot_make_the_kit_create_an_extension_that_reaches_outside(
        extension: str, pg_dsn: str, tmp_path: Path, capsys) -> None:
    """Creating an extension runs as the superuser: a design may only ask for ones that act
    inside their database. dblink would let a default or a routine connect anywhere as
    ``postgres`` over the kit's trusted socket."""
    from pgarch_kit.db.deploy import apply_design
    from pgarch_kit.model.serde import dump_design, load_design
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    design = dataclasses.replace(design, name=f"ext_{secrets.token_hex(3)}",
                                 extensions=(*design.extensions,
                                             type(design.extensions[0])(extension)
                                             if design.extensions else _ext(extension)))
    with pytest.raises(UnsafeOperationError, match=f"extension.*{extension}") as info:
        apply_design(design, dsn=pg_dsn)
    assert "create them yourself" in str(info.value)
    path = tmp_path / "design.yaml"
    path.write_text(dump_design(design))
    assert main(["seed", str(path), "--scale", "0.001"]) == 1
    assert extension in capsys.readouterr().err
    assert not database_exists(f"pgarch_{design.name}", dsn=pg_dsn)


def _ext(name: str):
    from pgarch_kit.model.design import Extension
    return Extension(name)
