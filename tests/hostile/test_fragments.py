"""Hostile design files, class 3 of issue 15: a design's SQL fragments are code.

Each attack hides a second statement (or a comment that eats the kit's own SQL) in one SQL
fragment of a design: a routine definition, a column default, a CHECK, a policy, a view query,
a trigger definition, a query pattern, and the smaller slots (collation, operator class,
storage option, partition bound, routine signature, type). Every test asserts that

* validation names the fragment's path (``orders.total.default``) and says how to fix it;
* ``pgarch validate`` exits non-zero and prints that path;
* the paths that execute design SQL (``pgarch seed``, ``apply_design``, the benchmarks)
  refuse the design, and the hostile statement did not run on the real server: the marker
  role it would create does not exist (roles are cluster-wide, so the check sees it from any
  database), and no sandbox database was left behind.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

from pgarch_kit.db import drop_sandbox, sandbox_name
from pgarch_kit.errors import DesignError, PgArchError
from pgarch_kit.model import serde
from pgarch_kit.model.design import (
    Column,
    Design,
    EnumType,
    Index,
    IndexKey,
    QueryPattern,
    Routine,
    Sequence,
    Table,
    Trigger,
    View,
)
from pgarch_kit.model.validate import validate

ROOT = Path(__file__).resolve().parents[2]


def pgarch(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a real subprocess against the suite's server."""
    env = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch")),
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def _role_exists(dsn: str, role: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)",
                            (role,)).fetchone()[0]


def _database_exists(dsn: str, name: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return conn.execute("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %s)",
                            (name,)).fetchone()[0]


@pytest.fixture
def marker(pg_dsn: str):
    """A role name the hostile SQL would create; removed afterwards if an attack got through
    (on the base code), so a failing run leaves nothing behind either."""
    role = f"pgarch_pwned_{secrets.token_hex(4)}"
    yield role
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def _orders(**column: object) -> dict:
    """A one-column table (no key, so an injected ``);`` leaves a valid script behind)."""
    return {"name": "orders", "columns": [{"name": "total", "type": "integer", **column}]}


# (attack, design file content as a function of the marker role, the path validation names)
_FILE_ATTACKS = {
    "routine definition with a second statement": (
        lambda role: {"tables": [_orders()], "routines": [{
            "name": "touch", "signature": "",
            "definition": "CREATE FUNCTION public.touch() RETURNS integer LANGUAGE sql "
                          f"AS $$ SELECT 1 $$; CREATE ROLE {role}"}]},
        "routines.touch.definition"),
    "column default that closes the table": (
        lambda role: {"tables": [_orders(
            default=f"0); CREATE ROLE {role}; CREATE TABLE pad (y integer DEFAULT 0")]},
        "orders.total.default"),
    "CHECK that closes the table": (
        lambda role: {"tables": [{**_orders(), "checks": [
            f"true)); CREATE ROLE {role}; CREATE TABLE pad (y integer CHECK (true"]}]},
        "orders.checks[0].expression"),
    "policy USING that ends the statement": (
        lambda role: {"tables": [{**_orders(), "rls_enabled": True, "policies": [{
            "name": "mine",
            "using": f"true); CREATE ROLE {role}; CREATE POLICY p2 ON orders USING (true"}]}]},
        "orders.policies.mine.using"),
    "view query with a second statement": (
        lambda role: {"tables": [_orders()], "views": [{
            "name": "totals", "query": f"SELECT 1 AS one; CREATE ROLE {role}"}]},
        "views.totals.query"),
}


def _write(tmp_path: Path, name: str, body: dict) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump({"name": name, **body}, sort_keys=False))
    return path


@pytest.mark.parametrize("attack", list(_FILE_ATTACKS))
def test_design_file_fragment_is_refused_and_never_runs(attack: str, tmp_path: Path,
                                                        pg_dsn: str, marker: str) -> None:
    build, path_named = _FILE_ATTACKS[attack]
    name = f"hostile_{secrets.token_hex(3)}"
    design_file = _write(tmp_path, name, build(marker))
    try:
        # (a) validation reports the fragment by its path
        design = serde.load_design(design_file, check=False)
        problems = [p for p in validate(design) if p.path == path_named]
        assert problems, f"no problem at {path_named}: {validate(design)}"
        assert problems[0].fix
        # (b) the CLI's validate exits non-zero and names the path
        r = pgarch("validate", str(design_file))
        assert r.returncode == 1, r.stdout + r.stderr
        assert path_named in r.stdout
        # (c) seed refuses, names the path, and the second statement never ran
        r = pgarch("seed", str(design_file), "--rows", "orders=3")
        assert r.returncode != 0, r.stdout + r.stderr
        assert path_named in r.stderr
        assert not _role_exists(pg_dsn, marker)
        assert not _database_exists(pg_dsn, sandbox_name(name))
    finally:
        drop_sandbox(name, dsn=pg_dsn)


def _trigger_design(name: str, role: str) -> Design:
    fn = Routine("stamp", "", "CREATE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql "
                 "AS $$ BEGIN RETURN NEW; END $$")
    trg = Trigger("orders_stamp", "orders",
                  "CREATE TRIGGER orders_stamp BEFORE INSERT ON public.orders FOR EACH ROW "
                  f"EXECUTE FUNCTION public.stamp(); CREATE ROLE {role}")
    return Design(name, tables=(Table("orders", (Column("total", "integer"),)),),
                  routines=(fn,), triggers=(trg,))


@pytest.fixture
def design_name(pg_dsn: str):
    """A unique design name; its sandbox is dropped afterwards if an attack created it."""
    name = f"hostile_{secrets.token_hex(3)}"
    yield name
    drop_sandbox(name, dsn=pg_dsn)


def test_python_built_design_trigger_is_refused_by_apply(design_name: str, pg_dsn: str,
                                                         marker: str) -> None:
    """A design built in Python never passes the file reader: apply validates it itself."""
    from pgarch_kit.db.deploy import apply_design
    with pytest.raises(DesignError) as exc:
        apply_design(_trigger_design(design_name, marker), dsn=pg_dsn)
    assert "triggers.orders_stamp.definition" in str(exc.value)
    assert "2 statements" in str(exc.value)
    assert not _role_exists(pg_dsn, marker)
    assert not _database_exists(pg_dsn, sandbox_name(design_name))


def test_trailing_comment_cannot_swallow_not_null(design_name: str, pg_dsn: str) -> None:
    """``DEFAULT 0 --`` would comment out the NOT NULL the renderer writes after it, so the
    table would silently accept NULLs; apply refuses instead and creates nothing."""
    from pgarch_kit.db.deploy import apply_design
    design = Design(design_name, tables=(Table("orders", (
        Column("total", "integer", nullable=False, default="0 --"),)),))
    with pytest.raises(DesignError) as exc:
        apply_design(design, dsn=pg_dsn)
    assert "orders.total.default" in str(exc.value) and "comment" in str(exc.value)
    assert not _database_exists(pg_dsn, sandbox_name(design_name))


def test_query_pattern_with_second_statement_is_never_timed(tmp_path: Path, fresh_db: str,
                                                           pg_dsn: str, marker: str) -> None:
    from pgarch_kit.bench.timing import time_pattern
    pattern = QueryPattern("count_orders", f"SELECT count(*) FROM orders; CREATE ROLE {marker}")
    design = Design("hostile_pattern", tables=(Table("orders", (Column("total", "integer"),)),),
                    queries=(pattern,))
    path_named = "queries.count_orders.sql"
    assert [p.path for p in validate(design)] == [path_named]
    design_file = tmp_path / "hostile.yaml"
    design_file.write_text(serde.dump_design(design))
    r = pgarch("validate", str(design_file))
    assert r.returncode == 1 and path_named in r.stdout, r.stdout + r.stderr
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (total integer)")
    with pytest.raises(PgArchError) as exc:
        time_pattern(design, "count_orders", dsn=fresh_db, runs=1, warmup=0)
    assert path_named in str(exc.value)
    with pytest.raises(PgArchError):  # the same SQL handed in ad hoc
        time_pattern(design, pattern.sql, dsn=fresh_db, runs=1, warmup=0)
    assert not _role_exists(pg_dsn, marker)


# The smaller slots: each text would reach outside its place in the rendered DDL. Validation
# alone is asserted here (the seed path is the same check, exercised above).
def _slot_designs() -> dict[str, tuple[Design, str]]:
    evil = "; CREATE ROLE pgarch_pwned_slot; --"
    orders = Table("orders", (Column("total", "integer"),))
    return {
        "collation": (Design("d", tables=(Table("orders", (Column(
            "total", "text", collation=f'"C"{evil}'),)),)), "orders.total.collation"),
        "operator class": (Design("d", tables=(Table("orders", orders.columns, indexes=(Index(
            "by_total", (IndexKey("total", opclass='"int4_ops") WHERE (true'),)),)),)),
            "orders.indexes.by_total.keys[0].opclass"),
        "index expression": (Design("d", tables=(Table("orders", orders.columns, indexes=(Index(
            "by_expr", (IndexKey("total + 1)); CREATE ROLE x; SELECT ((1", expression=True),)),
        )),)), "orders.indexes.by_expr.keys[0].expression"),
        "storage option": (Design("d", tables=(Table("orders", orders.columns, options=(
            f"fillfactor=90){evil}",)),)), "orders.options"),
        "routine signature": (Design("d", tables=(orders,), routines=(Routine(
            "f", f"integer) IS NULL{evil}",
            "CREATE FUNCTION public.f(integer) RETURNS integer LANGUAGE sql RETURN 1",
            comment="x"),)), "routines.f.signature"),
        "type named like an enum": (Design(
            "d", enums=(EnumType("x; drop role postgres; --", ("a",)),),
            tables=(Table("orders", (Column("total", "x; drop role postgres; --"),)),)),
            "orders.total"),
        "routine of another kind": (Design("d", tables=(orders,), routines=(Routine(
            "f", "", "DROP TABLE orders", kind="function"),)), "routines.f.definition"),
        "view check option (Python-built)": (Design("d", tables=(orders,), views=(View(
            "v", "SELECT total FROM orders", check_option=f"local CHECK OPTION{evil}"),)),
            "views.v.check_option"),
        "sequence start (Python-built)": (Design("d", sequences=(Sequence(
            "s", start=f"1{evil}"),)), "sequences.s.start"),
        "routine kind (Python-built)": (Design("d", routines=(Routine(
            "f", "", "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql RETURN 1",
            kind=f"function{evil}"),)), "routines.f.kind"),
        "routine replacing a catalog function": (Design("d", tables=(orders,), routines=(
            Routine("f", "", "CREATE OR REPLACE FUNCTION pg_catalog.now() RETURNS "
                    "timestamptz LANGUAGE sql RETURN '2000-01-01'"),)),
            "routines.f.definition"),
    }


@pytest.mark.parametrize("slot", list(_slot_designs()))
def test_small_slots_hold_exactly_one_thing(slot: str) -> None:
    design, path_named = _slot_designs()[slot]
    problems = [p for p in validate(design) if p.path == path_named]
    assert problems, f"no problem at {path_named}: {validate(design)}"
    assert all(p.fix for p in problems)
