"""Identical key constraints (Hibernate schemas declare the same UNIQUE twice, DHIS2 has six)
survive the round trip: inside one CREATE TABLE PostgreSQL would keep only the first."""
from __future__ import annotations

import psycopg

from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
from pgarch_kit.db.catalog import diff_snapshots

from .helpers import first_difference, load_and_read, regenerate

SQL = """
CREATE TABLE element (id bigint PRIMARY KEY, code text, name text);
ALTER TABLE element ADD CONSTRAINT element_code_key UNIQUE (code);
ALTER TABLE element ADD CONSTRAINT uk_code_again UNIQUE (code);
ALTER TABLE element ADD CONSTRAINT uk_id_again UNIQUE (id);
"""


def test_twin_uniques_come_back(fresh_db: str, pg_dsn: str) -> None:
    first, cat1, version = load_and_read(fresh_db, SQL)
    assert [u.name for u in first.tables[0].uniques] == [
        "element_code_key", "uk_code_again", "uk_id_again"]
    ddl = regenerate(first, version)
    assert "ADD CONSTRAINT uk_code_again UNIQUE (code)" in ddl
    db = create_sandbox("pgarch_rt_twins", dsn=pg_dsn, recreate=True)
    try:
        second, cat2, _ = load_and_read(server_dsn(pg_dsn, db), ddl)
        with psycopg.connect(server_dsn(pg_dsn, db)) as conn:
            count = conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'u'"
                                 " AND conrelid = 'element'::regclass").fetchone()[0]
    finally:
        drop_sandbox(db, dsn=pg_dsn)
    assert count == 3
    assert first == second, first_difference(first, second)
    assert diff_snapshots(cat1, cat2) == []
