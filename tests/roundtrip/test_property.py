"""Property: every random valid design applies cleanly and round-trips *exactly*.

The designs (see strategies.py) use hostile names and only expressions PostgreSQL prints back
unchanged, so DDL -> apply -> introspect must return the very same design. One database is
reused across examples (its public schema is recreated each time) to keep 200+ examples fast.
"""
from __future__ import annotations

import dataclasses

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.introspect import introspect
from pgarch_kit.ddl import to_sql
from pgarch_kit.model import Design
from pgarch_kit.model.validate import validate

from .helpers import first_difference
from .strategies import designs


def _canonical(d: Design) -> Design:
    """Order-insensitive form: introspection lists tables and constraints by name."""
    def key(x):
        return x.name
    tables = tuple(sorted((dataclasses.replace(
        t, uniques=tuple(sorted(t.uniques, key=key)), checks=tuple(sorted(t.checks, key=key)),
        foreign_keys=tuple(sorted(t.foreign_keys, key=key)),
        indexes=tuple(sorted(t.indexes, key=key))) for t in d.tables), key=key))
    return dataclasses.replace(d, name="prop", tables=tables)


@pytest.fixture(scope="module")
def prop_conn(pg_dsn: str):
    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    db = create_sandbox("pgarch_property", dsn=pg_dsn, recreate=True)
    with psycopg.connect(server_dsn(pg_dsn, db), autocommit=True) as conn:
        yield conn
    drop_sandbox(db, dsn=pg_dsn)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(design=designs())
def test_random_designs_round_trip_exactly(design: Design, prop_conn) -> None:
    assert validate(design) == [], validate(design)
    prop_conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    apply_sql(prop_conn, to_sql(design), source="generated DDL")
    back = introspect(prop_conn, name="prop")
    want, got = _canonical(design), _canonical(back)
    assert got == want, first_difference(want, got)
