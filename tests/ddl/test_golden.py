"""Golden files: each case of cases.py rendered and compared with tests/ddl/golden/<case>.sql,
then applied to a real server. ``UPDATE_GOLDEN=1 pytest tests/ddl`` rewrites the files; review
the diff before committing it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgarch_kit.ddl import statements, to_sql

from .cases import CASES, PG15_CASES

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    sql = to_sql(CASES[case]())
    path = GOLDEN / f"{case}.sql"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    assert sql == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_deterministic(case: str) -> None:
    assert to_sql(CASES[case]()) == to_sql(CASES[case]())
    assert statements(CASES[case]()) == statements(CASES[case]())


def _apply(dsn: str, case: str) -> int:
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as conn:
        version = int(conn.execute("SHOW server_version_num").fetchone()[0])
        conn.execute(to_sql(CASES[case](), server_version=version))
        return version


@pytest.mark.parametrize("case", PG15_CASES)
def test_applies(fresh_db_any: str, case: str) -> None:
    """Cases without 18-only features apply on PostgreSQL 18 and 15 alike."""
    _apply(fresh_db_any, case)


def test_virtual_applies_on_18(fresh_db: str) -> None:
    assert _apply(fresh_db, "virtual") >= 180000


def test_applied_objects(fresh_db: str) -> None:
    """What the server holds after the basic case: constraint names, deferred ordering."""
    import psycopg
    _apply(fresh_db, "basic")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        cons = {r[0] for r in conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'customers'::regclass")}
        assert {"customers_pk", "customers_email_key", "points_nonneg",
                "customers_code_key", "customers_email_check"} <= cons
        trig = dict(conn.execute("SELECT tgname, tgenabled FROM pg_trigger "
                                 "WHERE NOT tgisinternal").fetchall())
        assert trig == {"orders_placed_at": "D", "orders_replica": "R", "orders_always": "A"}
        owned = conn.execute("SELECT pg_get_serial_sequence('customers', 'seq_no')").fetchone()
        assert owned[0] == "public.customer_seq"


def test_partition_indexes_attach(fresh_db: str) -> None:
    """Partition indexes created first are attached to the parent's index, not duplicated."""
    import psycopg
    _apply(fresh_db, "partitions")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'events_2026'::regclass ORDER BY 1").fetchall()
        assert [r[0] for r in rows] == ["events_2026_kind", "events_2026_lower_idx"]
        default = conn.execute(
            "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef "
            "WHERE adrelid = 'events_2026'::regclass").fetchone()[0]
        assert default == "'y2026'::text"


def test_cycles_apply_with_keys(fresh_db: str) -> None:
    import psycopg
    _apply(fresh_db, "cycles")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        fks = {r[0] for r in conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'")}
    assert {"a_b_fk", "b_a_fk", "x_y_fk", "y_z_fk", "z_x_fk", "by_code_code_fk",
            "node_parent_fkey", "uses_a_fk", "uses_x_fk"} == fks
