"""Round trip of the sample designs: design -> DDL -> apply -> import (d1) -> DDL -> apply ->
import (d2). d1 and d2 must be identical with identical catalogs, and d1 must keep every
table, column, type, key, index, partition and policy the sample declared (PostgreSQL may only
re-spell expressions and fill in default constraint names)."""
from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgarch_kit.db.catalog import diff_snapshots
from pgarch_kit.model import Design
from pgarch_kit.model.serde import load_design

from .helpers import first_difference, load_and_read, regenerate

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "data" / "designs").glob("*.yaml"))


def _shape(d: Design) -> dict:
    """What must survive a trip through PostgreSQL unchanged, whatever the spelling."""
    return {
        (t.schema, t.name): {
            "columns": [(c.name, c.type, c.nullable, c.identity, c.generated is not None,
                         c.default is not None, c.comment) for c in t.columns],
            "pk": t.primary_key.columns if t.primary_key else None,
            "uniques": sorted((u.columns, u.nulls_not_distinct) for u in t.uniques),
            "checks": len(t.checks),
            "fks": sorted((f.columns, f.ref_table, f.ref_columns, f.on_delete, f.on_update)
                          for f in t.foreign_keys),
            "indexes": sorted((i.name, i.method, i.unique, len(i.keys), i.include,
                               i.where is not None) for i in t.indexes),
            "partition": (t.partition_by.strategy if t.partition_by else None, t.partition_of,
                          t.partition_bound is not None),
            "rls": (t.rls_enabled, t.rls_forced, sorted(p.name for p in t.policies)),
            "comment": t.comment,
        } for t in d.tables
    } | {("views", v.name): (v.materialized, len(v.indexes)) for v in d.views}


def _two_trips(design: Design, base_dsn: str):
    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    dbs = [create_sandbox(f"pgarch_sample_{design.name}_{i}", dsn=base_dsn, recreate=True)
           for i in (1, 2)]
    try:
        with psycopg.connect(server_dsn(base_dsn, dbs[0])) as c:
            version = c.info.server_version
        d1, cat1, _ = load_and_read(server_dsn(base_dsn, dbs[0]), regenerate(design, version))
        d2, cat2, _ = load_and_read(server_dsn(base_dsn, dbs[1]), regenerate(d1, version))
    finally:
        for db in dbs:
            drop_sandbox(db, dsn=base_dsn)
    return d1, d2, cat1, cat2


def test_there_are_samples() -> None:
    names = {p.stem for p in SAMPLES}
    assert {"ecommerce", "saas", "timeseries"} <= names


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_round_trip(path: Path, pg_dsn: str) -> None:
    design = load_design(path)
    d1, d2, cat1, cat2 = _two_trips(design, pg_dsn)
    assert d1 == d2, first_difference(d1, d2)
    assert diff_snapshots(cat1, cat2) == []
    assert _shape(d1) == _shape(design.structure())


@pytest.mark.pg15
@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_round_trip_pg15(path: Path, pg15_dsn: str) -> None:
    design = load_design(path)
    d1, d2, cat1, cat2 = _two_trips(design, pg15_dsn)
    assert d1 == d2, first_difference(d1, d2)
    assert diff_snapshots(cat1, cat2) == []
    assert _shape(d1) == _shape(design.structure())
