"""Each object kind added for real schemas (collations, text search, range types, casts,
rules, privileges) survives every consumer: the confined import reads it, validation accepts
it, the design file keeps it, the generated DDL recreates it in a fresh database, and both the
design read back and the catalog snapshot equal the original. Dropping the kind from the
design must show up in the snapshot comparison: the check can fail."""
from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.catalog import catalog_snapshot, diff_snapshots
from pgarch_kit.db.importer import import_schema
from pgarch_kit.db.introspect import introspect
from pgarch_kit.ddl import to_sql
from pgarch_kit.model.serde import dump_design, loads_design
from pgarch_kit.model.validate import validate

from .helpers import first_difference
from .kinds_cases import CASES, Case


def _read(dsn: str, sql: str, source: str) -> tuple:
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_sql(conn, sql, source=source)
        return introspect(conn, name="kinds"), catalog_snapshot(conn)


@pytest.fixture(params=["pg18", pytest.param("pg15", marks=pytest.mark.pg15)])
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    yield request.getfixturevalue("pg_dsn" if request.param == "pg18" else "pg15_dsn")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_kind_round_trip(case: Case, server: str, make_db) -> None:
    with psycopg.connect(server) as conn:
        version = conn.info.server_version
    sql = case.sql(version)
    result = import_schema(sql, name="kinds", dsn=server)
    assert result.refused == (), result.report()
    design = result.design
    case.check(design)
    assert validate(design) == []
    assert loads_design(dump_design(design)) == design
    # the schema applied as written, and the design's own DDL: the same database
    original, snap1 = _read(make_db(server), sql, case.id)
    assert original == design, first_difference(original, design)
    ddl = to_sql(design, server_version=version)
    again, snap2 = _read(make_db(server), ddl, "generated DDL")
    assert again == design, first_difference(design, again)
    assert diff_snapshots(snap1, snap2) == []
    # a design that lost (part of) the kind builds a database the snapshot tells apart
    _, snap3 = _read(make_db(server), to_sql(case.strip(design), server_version=version),
                     "stripped DDL")
    lost = diff_snapshots(snap1, snap3)
    assert any(line.startswith(f"{case.section}:") for line in lost), lost
