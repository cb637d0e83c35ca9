"""Loading generated data with COPY into a real sandbox, then verifying it."""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.datagen import plan
from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
from pgarch_kit.db.load import LoadError, load
from pgarch_kit.ddl import to_sql
from pgarch_kit.ddl.script import load_phases
from pgarch_kit.errors import UnsafeOperationError
from pgarch_kit.model.serde import load_design

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = sorted((ROOT / "data" / "designs").glob("*.yaml"))
CAP = 300


@pytest.fixture
def make_db(pg_dsn: str) -> Iterator:
    """A factory of extra fresh sandboxes (all dropped afterwards)."""
    made: list[str] = []

    def make() -> str:
        name = create_sandbox(f"pgarch_test_{secrets.token_hex(4)}", dsn=pg_dsn)
        made.append(name)
        return server_dsn(pg_dsn, name)
    yield make
    for name in made:
        drop_sandbox(name, dsn=pg_dsn)


def small_plan(design, seed: int = 0, **kw):
    return plan(design, rows={t.name: CAP for t in design.tables}, seed=seed, **kw)


_CATALOG = """
SELECT (SELECT count(*) FROM pg_constraint x JOIN pg_namespace n ON n.oid = x.connamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND x.contype <> 'n'
          AND x.convalidated),
       (SELECT count(*) FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
          AND x.indisvalid),
       (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal)
"""


def catalog_counts(dsn: str) -> tuple[int, int, int]:
    with psycopg.connect(dsn) as conn:
        return tuple(conn.execute(_CATALOG).fetchone())


def checksums(dsn: str, tables) -> dict[str, str]:
    out = {}
    with psycopg.connect(dsn) as conn:
        for t in tables:
            rel = f'"{t.schema}"."{t.name}"'
            out[t.name] = conn.execute(
                f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {rel} t"
            ).fetchone()[0]
    return out


@pytest.mark.parametrize("path", DESIGNS, ids=lambda p: p.stem)
def test_sample_design_loads_and_verifies(path: Path, fresh_db: str, make_db) -> None:
    design = load_design(path)
    dp = small_plan(design)
    result = load(design, dsn=fresh_db, plan=dp, progress=False)
    ver = result.verification
    assert ver is not None and ver.ok, str(ver)
    assert result.rows == {t: dp.rows(t) for t in dp.order}
    assert all(c.actual == "0" for c in ver.of_kind("orphans"))
    assert {c.table for c in ver.of_kind("rows")} == set(dp.order)
    assert all(c.status == "ok" for c in ver.of_kind("rows"))
    fks = sum(len(t.foreign_keys) for t in design.tables)
    assert len(ver.of_kind("orphans")) == fks
    assert "<table>" in ver._repr_html_() and "verification: OK" in str(ver)
    # every constraint, index and trigger of the plain DDL is there, and valid
    plain = make_db()
    with psycopg.connect(plain) as conn:
        conn.execute(to_sql(design))
    assert catalog_counts(fresh_db) == catalog_counts(plain)
    # sequences continue after the explicit keys 1..n
    with psycopg.connect(fresh_db) as conn:
        for t in dp.order:
            for col in dp.sequence_columns(t):
                table = dp.tables[t].table
                rel = f'"{table.schema}"."{table.name}"'
                seq, top = conn.execute(
                    f"SELECT pg_get_serial_sequence(%s, %s), max({col}) FROM {rel}",
                    (rel, col)).fetchone()
                if seq is not None:
                    assert conn.execute("SELECT nextval(%s)", (seq,)).fetchone()[0] == top + 1


def test_load_phases_split_the_ddl() -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    pre, post = load_phases(design)
    assert "FOREIGN KEY" not in pre and "CREATE INDEX" not in pre
    assert "PRIMARY KEY" in pre and "CREATE TABLE" in pre
    assert "FOREIGN KEY" in post and "CREATE INDEX" in post and "CREATE TABLE" not in post
    fks = sum(len(t.foreign_keys) for t in design.tables)
    assert post.count("FOREIGN KEY") == fks == to_sql(design).count("FOREIGN KEY")


def test_same_seed_same_data_other_seed_differs(make_db) -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    a, b, c = make_db(), make_db(), make_db()
    load(design, dsn=a, plan=small_plan(design, seed=7), progress=False)
    load(design, dsn=b, plan=small_plan(design, seed=7), progress=False, batch_rows=64)
    load(design, dsn=c, plan=small_plan(design, seed=8), progress=False)
    tables = [t for t in design.tables if t.partition_of is None]
    sums_a, sums_b, sums_c = (checksums(x, tables) for x in (a, b, c))
    assert sums_a == sums_b
    assert all(v is not None for v in sums_a.values())
    differing = [t for t in sums_a if sums_a[t] != sums_c[t]]
    assert len(differing) >= len(tables) - 1, differing


def test_a_broken_unique_key_fails_the_load_with_the_servers_message(fresh_db: str) -> None:
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    unique_col = next((t.name, u.columns[0]) for t in design.tables for u in t.uniques)
    dp = small_plan(design, overrides={f"{unique_col[0]}.{unique_col[1]}": ["same"]})
    with pytest.raises(LoadError, match="duplicate key value violates unique constraint"):
        load(design, dsn=fresh_db, plan=dp, progress=False)


def test_a_broken_unique_index_fails_after_the_load(fresh_db: str) -> None:
    # customers.email is unique through a partial unique *index*, built after the COPY
    design = load_design(ROOT / "data" / "designs" / "ecommerce.yaml")
    dp = small_plan(design, overrides={"customers.email": ["a@example.com"],
                                       "customers.deleted_at": [None]})
    with pytest.raises(LoadError, match="could not create unique index"):
        load(design, dsn=fresh_db, plan=dp, progress=False)


def test_refused_outside_a_sandbox(pg_dsn: str) -> None:
    design = load_design(ROOT / "data" / "designs" / "saas.yaml")
    with pytest.raises(UnsafeOperationError, match="not a pgarch_kit sandbox"):
        load(design, dsn=server_dsn(pg_dsn, "postgres"), plan=small_plan(design),
             progress=False)


def test_without_dsn_the_designs_own_sandbox_is_used(pg_dsn: str) -> None:
    design = load_design(ROOT / "data" / "designs" / "timeseries.yaml")
    from dataclasses import replace
    design = replace(design, name=f"test_load_{secrets.token_hex(3)}")
    try:
        result = load(design, plan=small_plan(design), progress=False)
        assert result.database == f"pgarch_{design.name}" and result.ok
        assert result.to_dict()["rows"] == result.rows
    finally:
        drop_sandbox(design.name, dsn=pg_dsn)


def test_verification_collapses_only_when_it_passes() -> None:
    """A passing verification is one line with the evidence one click away; a failing one
    shows the whole table with the failure highlighted."""
    from pgarch_kit.db.verify import Check, Verification
    good = Check("rows", "t", "count(*)", "10", "10", "ok")
    bad = Check("orphans", "t", "(a) -> p", "0", "3", "fail")
    passing = Verification([good, good])._repr_html_()
    assert passing.startswith("<details>") and "all 2 checks passed (rows)" in passing
    failing = Verification([good, bad])._repr_html_()
    assert "<details>" not in failing and "FAILED (1 check(s))" in failing
    assert "background:#fdd" in failing


def test_materialized_views_are_filled_after_the_load(fresh_db: str) -> None:
    """A loaded sandbox answers every query pattern: the timeseries rollup view, created WITH
    NO DATA before the rows existed, is refreshed once they are in."""
    import pgarch_kit as pk
    design = pk.load_design(ROOT / "data" / "designs" / "timeseries.yaml")
    assert any(v.materialized for v in design.views)
    load(design, dsn=fresh_db, scale=0.001, progress=False, verify=False)
    with psycopg.connect(fresh_db) as conn:
        populated, rows = conn.execute(
            "SELECT c.relispopulated, (SELECT count(*) FROM daily_rollups) FROM pg_class c "
            "WHERE c.relname = 'daily_rollups'").fetchone()
    assert populated and rows > 0
