"""Soft delete, audit, updated_at, temporal history and archival, generated from intents and
applied to real servers (PostgreSQL 18 and 15): each behaves as promised."""
from __future__ import annotations

import time

import psycopg
import pytest

from pgarch_kit.db import apply_sql
from pgarch_kit.ddl import to_sql
from pgarch_kit.model.serde import loads_design
from pgarch_kit.model.validate import validate
from pgarch_kit.scale.history import history_plan

DESIGN = loads_design("""
name: hist
tables:
  - name: accounts
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: email, type: text, nullable: false}
      - {name: plan, type: text, nullable: false}
      - {name: deleted_at, type: timestamptz}
    primary_key: [id]
    uniques: [{columns: [email], name: accounts_email_key}]
    intent: {soft_delete: deleted_at, audit: true}
  - name: prices
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: sku, type: text, nullable: false}
      - {name: amount, type: 'numeric(10,2)', nullable: false}
    primary_key: [id]
  - name: events
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: happened_at, type: timestamptz, nullable: false}
    primary_key: [id]
    intent: {retention_months: 12}
""")


@pytest.fixture
def applied(fresh_db_any: str):
    plan = history_plan(DESIGN, history=["prices"], updated_at=["prices"])
    assert validate(plan.design) == []
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        version = conn.info.server_version
        apply_sql(conn, to_sql(plan.design, server_version=version))
        yield conn, plan


def test_soft_delete_frees_the_key_and_hides_the_row(applied) -> None:
    conn, plan = applied
    index = next(i for i in plan.design.table("accounts").indexes
                 if i.name == "accounts_email_key")
    assert index.unique and index.where == "deleted_at IS NULL"
    conn.execute("INSERT INTO accounts (email, plan) VALUES ('a@x.org', 'free')")
    with pytest.raises(psycopg.errors.UniqueViolation):  # two live rows: refused
        conn.execute("INSERT INTO accounts (email, plan) VALUES ('a@x.org', 'team')")
    conn.execute("UPDATE accounts SET deleted_at = now() WHERE email = 'a@x.org'")
    conn.execute("INSERT INTO accounts (email, plan) VALUES ('a@x.org', 'team')")  # re-signup
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 2
    assert conn.execute("SELECT plan FROM accounts_live").fetchall() == [("team",)]


def test_audit_log_holds_before_and_after_images(applied) -> None:
    conn, _ = applied
    conn.execute("INSERT INTO accounts (email, plan) VALUES ('b@x.org', 'free')")
    conn.execute("UPDATE accounts SET plan = 'team' WHERE email = 'b@x.org'")
    conn.execute("DELETE FROM accounts WHERE email = 'b@x.org'")
    rows = conn.execute("SELECT operation, old_row->>'plan', new_row->>'plan' FROM audit_log "
                        "WHERE table_name = 'accounts' ORDER BY id").fetchall()
    assert rows == [("INSERT", None, "free"), ("UPDATE", "free", "team"),
                    ("DELETE", "team", None)]


def test_updated_at_and_history_as_of(applied) -> None:
    conn, _ = applied
    conn.execute("INSERT INTO prices (sku, amount) VALUES ('A', 10)")
    first = conn.execute("SELECT updated_at, now() FROM prices").fetchone()
    time.sleep(0.05)
    between = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    time.sleep(0.05)
    conn.execute("UPDATE prices SET amount = 12 WHERE sku = 'A'")
    after = conn.execute("SELECT updated_at FROM prices").fetchone()[0]
    assert after > first[0]  # the trigger stamped the update
    conn.execute("UPDATE prices SET amount = 15 WHERE sku = 'A'")
    assert conn.execute("SELECT count(*) FROM prices_history").fetchone()[0] == 2
    then = conn.execute("SELECT amount FROM prices_as_of(%s)", (between,)).fetchall()
    assert [float(a) for (a,) in then] == [10.0]
    now = conn.execute("SELECT amount FROM prices_as_of(now())").fetchall()
    assert [float(a) for (a,) in now] == [15.0]


def test_archival_moves_only_expired_rows(applied) -> None:
    conn, _ = applied
    conn.execute("INSERT INTO events (happened_at) SELECT now() - make_interval(days => g) "
                 "FROM generate_series(0, 729) g")  # two years, a row a day
    conn.execute("CALL archive_events(100)")
    kept = conn.execute("SELECT count(*), min(happened_at) > now() - interval '12 months' "
                        "FROM events").fetchone()
    archived = conn.execute("SELECT count(*) FROM events_archive").fetchone()[0]
    assert kept[1] is True and kept[0] + archived == 730 and archived > 300
