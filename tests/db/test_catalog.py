"""catalog_snapshot() / diff_snapshots(): name-based snapshots of real databases."""
from __future__ import annotations

import psycopg
from corpus import REALWORLD

from pgarch_kit.db.catalog import FIELDS, catalog_snapshot, diff_snapshots


def test_pagila_snapshot_is_stable_and_complete(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute((REALWORLD / "pagila.sql").read_text())
        before = conn.execute("SHOW search_path").fetchone()[0]
        a = catalog_snapshot(conn)
        assert conn.execute("SHOW search_path").fetchone()[0] == before
        b = catalog_snapshot(conn)
    assert a == b and diff_snapshots(a, b) == []
    assert set(a) == set(FIELDS)
    for section, rows in a.items():
        assert all(len(r) == len(FIELDS[section]) for r in rows), section
    assert len(a["tables"]) == 71 and len(a["indexes"]) == 164 and len(a["partitions"]) == 55
    assert sum(1 for r in a["constraints"] if r[2] == "f") == 37
    # PostgreSQL 18's NOT NULL constraints are compared by name: pg_dump made the partitions
    # standalone, so theirs carry the partition's own name, not the parent's
    assert ("public.payment_p2022_01", "payment_p2022_01_customer_id_not_null", "n",
            "NOT NULL customer_id") in a["constraints"]
    assert ("public.payment_p2022_01", "public.payment",
            "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')"
            ) in a["partitions"]
    tables = {r[0]: r for r in a["tables"]}
    assert tables["public.payment"][6] == "RANGE (payment_date)"
    types = {r[0]: r for r in a["types"]}
    assert types["public.mpaa_rating"][1:] == ("e", "G, PG, PG-13, R, NC-17")
    assert "public.bıgınt" in types
    cols = {(r[0], r[1]): r for r in a["columns"]}
    assert cols[("public.film", "length_hours")][7] == "v"
    assert cols[("public.film", "rating")][5] == "'G'::public.mpaa_rating"  # qualified
    routines = {r[0]: r for r in a["routines"]}
    assert routines["public.group_concat"][2] == "a"
    assert "SFUNC public._group_concat(text,text)" in routines["public.group_concat"][3]
    assert not any(name.startswith("public.vector") for name in routines)  # extension
    assert ("vector", "public") in a["extensions"]
    assert sum(1 for r in a["triggers"] if r[1] == "last_updated") >= 10
    assert any(r[0] == "public.rental_by_category" and r[1] == "m" for r in a["views"])
    # everything is by name: no OIDs, no numbers that look like them in definitions
    assert all(isinstance(r[0], str) for rows in a.values() for r in rows)


def test_diff_detects_changes(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE t (id int PRIMARY KEY, n int DEFAULT 1, s text);
            CREATE INDEX t_s ON t (s);
            COMMENT ON TABLE t IS 'first';
            CREATE SCHEMA pgarch_meta; CREATE TABLE pgarch_meta.marker (x int);""")
        a = catalog_snapshot(conn)
        assert not any("pgarch_meta" in r[0] for rows in a.values() for r in rows)
        assert ("public.t", "n", 2, "integer", False, "1", "", "", None) in a["columns"]
        conn.execute("""
            ALTER TABLE t ALTER COLUMN n SET DEFAULT 2;
            DROP INDEX t_s; CREATE INDEX t_n ON t (n);
            COMMENT ON TABLE t IS 'second';
            ALTER TABLE t ADD CONSTRAINT t_n_pos CHECK (n > 0);
            CREATE TABLE pgarch_meta.other (y int);""")
        b = catalog_snapshot(conn)
    diff = diff_snapshots(a, b)
    assert "columns: public.t.n: default: '1' → '2'" in diff
    assert "indexes: only in a: public.t.t_s" in diff
    assert "indexes: only in b: public.t.t_n" in diff
    assert "comments: table public.t: comment: 'first' → 'second'" in diff
    assert "constraints: only in b: public.t.t_n_pos" in diff
    assert len(diff) == 5
    assert diff_snapshots(b, a) != [] and diff_snapshots(b, b) == []


def test_snapshot_on_pg15_and_pg18(fresh_db_any: str) -> None:
    with psycopg.connect(fresh_db_any, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE p (id int GENERATED ALWAYS AS IDENTITY, at date NOT NULL,
                            PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
            CREATE TABLE p1 PARTITION OF p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE SEQUENCE s AS integer START 5 OWNED BY p.id;
            CREATE DOMAIN d AS text CHECK (VALUE <> '');
            CREATE TYPE c AS (a int, b text);
            CREATE TYPE fr AS RANGE (subtype = float8);
            CREATE AGGREGATE agg(int) (SFUNC = int4pl, STYPE = int);
            CREATE VIEW v AS SELECT id FROM p;
            CREATE POLICY pol ON p1 USING (id > 0);""")
        a = catalog_snapshot(conn)
        assert catalog_snapshot(conn) == a
        version = conn.info.server_version
    assert ("public.p1", "public.p", "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"
            ) in a["partitions"]
    seqs = {r[0]: r for r in a["sequences"]}
    assert seqs["public.p_id_seq"][8] == "i:public.p.id"  # the identity sequence
    assert seqs["public.s"][1:] == ("integer", 5, 1, 1, 2147483647, 1, False, "a:public.p.id")
    types = {r[0]: r[1:] for r in a["types"]}
    assert types["public.d"] == ("d", "text d_check CHECK ((VALUE <> ''::text))")
    assert types["public.c"] == ("c", "a integer, b text")
    assert types["public.fr"] == ("r", "double precision")
    assert ("public.p1", "pol", "*", True, "public", "(id > 0)", None) in a["policies"]
    own = {r[1] for r in a["constraints"] if r[0] == "public.p1"}
    if version >= 180000:  # PARTITION OF: the parent's NOT NULL names
        assert own == {"p1_pkey", "p_id_not_null", "p_at_not_null"}
    else:
        assert own == {"p1_pkey"}


def test_default_privileges_are_listed_in_a_fixed_order(fresh_db: str) -> None:
    """Two databases with the same default privileges compare equal: the privileges are
    listed sorted (an aggregate's ORDER BY 1 sorts by a constant, which once let a kinds test
    see INSERT,SELECT against SELECT,INSERT)."""
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE catalog_reader NOLOGIN; "
                     "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT UPDATE, SELECT, INSERT "
                     "ON TABLES TO catalog_reader")
        rows = catalog_snapshot(conn)["default_privileges"]
    (acl,) = [r[-1] for r in rows if "catalog_reader" in r[-1]]
    items = acl.split(",")
    assert items == sorted(items) and len(items) == 3, acl
