"""Shapes met in the corpus that broke generation, each reduced to a few tables and loaded by
a real server (or, where the question is the generator's own consistency, generated only).
"""
from __future__ import annotations

import numpy as np
import psycopg
import pytest

from pgarch_kit.datagen import batches, plan, update_batches
from pgarch_kit.datagen._batch import _Rows
from pgarch_kit.db.importer import import_schema
from pgarch_kit.db.load import load

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def _design(sql: str, pg_dsn: str):
    return import_schema(sql, name="shapes", dsn=pg_dsn).design


def _count(dsn: str, query: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchone()[0]


def test_composite_and_grouped_keys_are_not_unique_alone(fresh_db, pg_dsn):
    """airlines: boarding_passes' key is its composite foreign key (one row per ticket
    flight), and UNIQUE (flight_id, seat_no) still needs seat_no to be unique; benchbase:
    o_id counted within (w, d, c) is not unique within (w, d)."""
    design = _design("""
        CREATE TABLE flights (flight_id int PRIMARY KEY);
        CREATE TABLE tickets (ticket_no char(13) PRIMARY KEY);
        CREATE TABLE ticket_flights (ticket_no char(13) REFERENCES tickets,
                                     flight_id int REFERENCES flights,
                                     PRIMARY KEY (ticket_no, flight_id));
        CREATE TABLE boarding_passes (
            ticket_no char(13), flight_id int, seat_no varchar(4) NOT NULL,
            PRIMARY KEY (ticket_no, flight_id),
            UNIQUE (flight_id, seat_no),
            FOREIGN KEY (ticket_no, flight_id) REFERENCES ticket_flights);
        CREATE TABLE customer (w int, d int, c int, PRIMARY KEY (w, d, c));
        CREATE TABLE oorder (w int, d int, o_id int, c int NOT NULL,
                             PRIMARY KEY (w, d, o_id),
                             FOREIGN KEY (w, d, c) REFERENCES customer);
    """, pg_dsn)
    dp = plan(design, rows={"flights": 3, "tickets": 200, "ticket_flights": 400,
                            "boarding_passes": 400, "customer": 50, "oorder": 300})
    assert load(design, dsn=fresh_db, plan=dp, progress=False).ok


def test_a_parent_key_is_the_same_text_whichever_rows_a_batch_holds(pg_dsn):
    """northwind: a truncated unique text key (varchar(20) with a row-number suffix) must not
    depend on the batch: children recompute it at a handful of parent rows."""
    design = _design("""
        CREATE TABLE territories (territory_id varchar(20) PRIMARY KEY, label text);
        CREATE TABLE employee_territories (
            employee_id int, territory_id varchar(20) REFERENCES territories,
            PRIMARY KEY (employee_id, territory_id));
    """, pg_dsn)
    dp = plan(design, rows={"territories": 5000, "employee_territories": 200})
    whole = _Rows(dp, dp.tables["territories"], np.arange(5000)).value("territory_id")
    some = np.array([3, 17, 4999, 250])
    assert _Rows(dp, dp.tables["territories"], some).value("territory_id").tolist() == \
        whole[some].tolist()


def test_unique_dates_and_rounded_timestamps_stay_distinct(fresh_db, pg_dsn):
    """coder's usage_events_daily: (day date) is its key; 1000 rows over two years."""
    design = _design("""
        CREATE TABLE usage_daily (day date PRIMARY KEY, n int);
        CREATE TABLE ticks (at timestamp(0) PRIMARY KEY);
    """, pg_dsn)
    dp = plan(design, rows={"usage_daily": 1000, "ticks": 100_000})
    assert load(design, dsn=fresh_db, plan=dp, progress=False).ok


def test_a_self_reference_through_a_composite_key_ends(fresh_db, pg_dsn):
    """evaka's fridge_partner: (partnership_id, other_indx) references (partnership_id,
    indx) of the same table — the parent's key comes from its own parent."""
    design = _design("""
        CREATE TABLE partner (
            partnership_id int NOT NULL, indx int NOT NULL, other_indx int,
            PRIMARY KEY (partnership_id, indx),
            FOREIGN KEY (partnership_id, other_indx) REFERENCES partner (partnership_id, indx)
                DEFERRABLE INITIALLY DEFERRED);
    """, pg_dsn)
    dp = plan(design, rows={"partner": 300})
    result = load(design, dsn=fresh_db, plan=dp, progress=False)
    assert result.total_rows == 300


def test_a_key_of_a_parent_and_an_enum_takes_each_value_once(fresh_db, pg_dsn):
    """hatchet's TenantResourceLimit: UNIQUE (tenantId, resource enum)."""
    design = _design("""
        CREATE TYPE "LimitResource" AS ENUM ('WORKFLOW_RUN', 'EVENT', 'WORKER', 'CRON');
        CREATE TABLE "Tenant" (id uuid PRIMARY KEY);
        CREATE TABLE "TenantResourceLimit" (
            id uuid PRIMARY KEY, "tenantId" uuid NOT NULL REFERENCES "Tenant",
            resource "LimitResource" NOT NULL, "limitValue" int NOT NULL);
        CREATE UNIQUE INDEX "TenantResourceLimit_tenantId_resource_key"
            ON "TenantResourceLimit" ("tenantId", resource);
    """, pg_dsn)
    dp = plan(design, rows={"Tenant": 20, "TenantResourceLimit": 500})
    assert dp.rows("TenantResourceLimit") == 80  # 20 tenants x 4 values
    assert load(design, dsn=fresh_db, plan=dp, progress=False).ok


def test_rows_go_into_the_list_and_range_partitions_that_exist(fresh_db, pg_dsn):
    """appflowy: LIST partitions per partition_key value and no DEFAULT one."""
    design = _design("""
        CREATE TABLE snapshot (oid text NOT NULL, partition_key int NOT NULL,
                               created_at timestamptz NOT NULL,
                               PRIMARY KEY (oid, partition_key)) PARTITION BY LIST (partition_key);
        CREATE TABLE snapshot_doc PARTITION OF snapshot FOR VALUES IN (0);
        CREATE TABLE snapshot_db PARTITION OF snapshot FOR VALUES IN (1, 2);
        CREATE TABLE reading (id int NOT NULL, score int NOT NULL, PRIMARY KEY (id, score))
            PARTITION BY RANGE (score);
        CREATE TABLE reading_low PARTITION OF reading FOR VALUES FROM (0) TO (50);
        CREATE TABLE reading_high PARTITION OF reading FOR VALUES FROM (50) TO (100);
    """, pg_dsn)
    dp = plan(design, rows={"snapshot": 200, "reading": 200})
    assert not dp.partitions  # they exist: none is added
    assert load(design, dsn=fresh_db, plan=dp, progress=False).ok
    assert _count(fresh_db, "SELECT count(*) FROM reading") == 200


def test_creation_times_do_not_chase_a_cycle_of_required_keys(pg_dsn):
    """hatchet: two tables whose NOT NULL foreign keys point at each other (one loaded later)
    both have creation times; the later one's time is not the earlier's anchor."""
    design = _design("""
        CREATE TABLE a (id int PRIMARY KEY, created_at timestamptz NOT NULL, b_id int NOT NULL);
        CREATE TABLE b (id int PRIMARY KEY, created_at timestamptz NOT NULL,
                        a_id int NOT NULL REFERENCES a);
        ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;
    """, pg_dsn)
    dp = plan(design, rows={"a": 50, "b": 50})
    assert all(sum(b.count(b"\n") for b in batches(dp, t)) == 50 for t in dp.order)


def test_a_deferred_key_stays_null_where_a_check_wants_it_null(fresh_db, pg_dsn):
    """coder's chats: a self-reference filled after the load must respect
    CHECK ((parent IS NULL) OR (acl = '{}')) — the second pass only fills allowed rows."""
    design = _design("""
        CREATE TABLE chats (id int PRIMARY KEY, parent_chat_id int REFERENCES chats
                                DEFERRABLE INITIALLY DEFERRED,
                            owner_id int, acl jsonb NOT NULL DEFAULT '{}',
                            CHECK ((parent_chat_id IS NULL) OR (acl = '{}'::jsonb)));
        CREATE TABLE owners (id int PRIMARY KEY, chat_id int REFERENCES chats);
        ALTER TABLE chats ADD FOREIGN KEY (owner_id) REFERENCES owners;
    """, pg_dsn)
    dp = plan(design, rows={"chats": 200, "owners": 50})
    result = load(design, dsn=fresh_db, plan=dp, progress=False)
    assert result.total_rows == 250
    for up in dp.updates:
        assert sum(c.count(b"\n") for c in update_batches(dp, up)) > 0


def test_unique_expression_indexes_and_composite_nullable_keys(fresh_db, pg_dsn):
    """danbooru: UNIQUE ((lower(address::text))) as PostgreSQL prints it; hatchet: a nullable
    three-column foreign key is absent as a whole at the planned rate (one draw per key)."""
    design = _design("""
        CREATE TABLE email_addresses (id int PRIMARY KEY, address varchar(60) NOT NULL);
        CREATE UNIQUE INDEX by_lower_address ON email_addresses ((lower(address::text)));
        CREATE TABLE cron (parent uuid, schedule text, name text,
                           PRIMARY KEY (parent, schedule, name));
        CREATE TABLE triggered (id int PRIMARY KEY, parent uuid, schedule text, name text,
                                FOREIGN KEY (parent, schedule, name) REFERENCES cron);
    """, pg_dsn)
    dp = plan(design, rows={"email_addresses": 3000, "cron": 100, "triggered": 2000})
    result = load(design, dsn=fresh_db, plan=dp, progress=False)
    assert result.ok, str(result.verification)  # the NULL share of each key column is checked


def test_sibling_rows_and_monthly_periods(fresh_db, pg_dsn):
    """eVaka's fridge_partner: the two partners of a partnership point at each other, share
    their dates (exclusions with <>) and are different people; voucher periods stay inside
    one calendar month."""
    design = _design("""
        CREATE EXTENSION IF NOT EXISTS btree_gist;
        CREATE TABLE person (id uuid PRIMARY KEY);
        CREATE TABLE partner (
            partnership_id uuid NOT NULL, indx smallint NOT NULL CHECK (indx BETWEEN 1 AND 2),
            other_indx smallint NOT NULL, person_id uuid NOT NULL REFERENCES person,
            start_date date NOT NULL, end_date date, conflict boolean NOT NULL DEFAULT false,
            PRIMARY KEY (partnership_id, indx), UNIQUE (partnership_id, person_id),
            CHECK (indx <> other_indx), CHECK (start_date <= end_date),
            FOREIGN KEY (partnership_id, other_indx) REFERENCES partner (partnership_id, indx)
                DEFERRABLE INITIALLY DEFERRED,
            EXCLUDE USING gist (partnership_id WITH =, end_date WITH <>)
                DEFERRABLE INITIALLY DEFERRED,
            EXCLUDE USING gist (person_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
                WHERE (conflict = false));
        CREATE TABLE report (id int PRIMARY KEY, realized_period daterange NOT NULL,
            CHECK (EXTRACT(year FROM lower(realized_period))
                   = EXTRACT(year FROM upper(realized_period) - interval '1 day')
                   AND EXTRACT(month FROM lower(realized_period))
                   = EXTRACT(month FROM upper(realized_period) - interval '1 day')));
    """, pg_dsn)
    dp = plan(design, rows={"person": 50, "partner": 201, "report": 500})
    assert dp.rows("partner") == 200  # whole pairs
    assert load(design, dsn=fresh_db, plan=dp, progress=False).ok
    assert _count(fresh_db, "SELECT count(*) FROM (SELECT partnership_id FROM partner "
                            "GROUP BY 1 HAVING count(*) = 2) p") == 100
