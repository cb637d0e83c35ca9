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
from pgarch_kit.model.default_names import design_not_null_names
from pgarch_kit.model.validate import validate

from .helpers import first_difference
from .strategies import designs


def _unnamed(opts):
    """Identity sequences compared without their names: as with NOT NULL constraints, which of
    two sequences whose names PostgreSQL truncates alike gets ``…_seq1`` depends on the order
    the tables are created in, and introspection names the numbered one explicitly."""
    if opts is None:
        return None
    opts = dataclasses.replace(opts, sequence=None)
    return None if opts == type(opts)() else opts


def _canonical(d: Design) -> Design:
    """Order-insensitive form: introspection lists tables and constraints by name. NOT NULL
    constraints carry the names a database built from the design gives them: PostgreSQL 18
    numbers a default name another table took first, so which one is ``…_not_null1`` depends
    on the creation order, and introspection (tables by name) names that one explicitly."""
    def key(x):
        return x.name
    nn = design_not_null_names(d)

    def named(t):
        return tuple(dataclasses.replace(c, not_null_name=nn[t.key].get(c.name),
                                         identity_options=_unnamed(c.identity_options))
                     if not c.nullable else c for c in t.columns)
    tables = tuple(sorted((dataclasses.replace(
        t, columns=named(t),
        uniques=tuple(sorted(t.uniques, key=key)), checks=tuple(sorted(t.checks, key=key)),
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
