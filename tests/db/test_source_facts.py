"""A live database's own volumes and queries become the imported design's intents: rows per
table (counted, or pg_class.reltuples) and sizes as the server reports them, the top
pg_stat_statements statements over the design's tables as query patterns — and a server
without pg_stat_statements still imports, saying in one line why there are no patterns."""
from __future__ import annotations

import secrets
import time
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.db.importer import import_live
from pgarch_kit.db.source_facts import MARK, read_source
from pgarch_kit.model.serde import dump_design, loads_design
from pgarch_kit.model.validate import validate

SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers,
    total numeric(12,2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO customers SELECT g, 'c' || g || '@example.org' FROM generate_series(1, 400) g;
INSERT INTO orders (customer_id, total) SELECT 1 + g % 400, g FROM generate_series(1, 2500) g;
INSERT INTO events SELECT g, '2024-03-01'::timestamptz + g * interval '90 minutes'
    FROM generate_series(1, 7000) g;
"""
# What the application runs: two reads many times, one write, and statements that are not
# patterns of this design (the catalogs, a join with a catalog, a utility statement).
CALLS = 40


def _workload(conn: psycopg.Connection) -> None:
    for i in range(CALLS):
        conn.execute("SELECT id, total FROM orders WHERE customer_id = %s "
                     "ORDER BY created_at DESC LIMIT 10", (1 + i,))
        conn.execute("SELECT email FROM customers WHERE id = %s", (1 + i,))
    conn.execute("UPDATE orders SET total = total + 1 WHERE id = %s", (7,))
    conn.execute("SELECT count(*) FROM pg_class")
    conn.execute("SELECT o.id FROM orders o, pg_namespace n WHERE o.id = 1 AND n.oid = 11")
    conn.execute("CREATE TEMP TABLE scratch (x int)")


def _live(dsn: str) -> float:
    """Make the live database, run the workload; returns when the workload started."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute(SCHEMA)
        conn.execute("VACUUM ANALYZE")  # settles sizes (visibility maps) and reltuples
        started = time.time()
        conn.execute("SELECT pg_stat_statements_reset()")  # the setup is not the workload
        _workload(conn)
    return started


def _truth(dsn: str, tables: list[str]) -> dict[str, tuple[int, int]]:
    """(count(*), pg_total_relation_size) per table, read by the test itself."""
    out = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for t in tables:
            n = conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            size = conn.execute(  # a partitioned table: its partitions' sizes
                "SELECT pg_total_relation_size(%s) + coalesce((SELECT sum("
                "pg_total_relation_size(relid)) FROM pg_partition_tree(%s) "
                "WHERE relid <> %s::regclass), 0)", (t, t, t)).fetchone()[0]
            out[t] = (n, int(size))
    return out


def test_live_import_takes_rows_sizes_and_top_queries(fresh_db_any: str) -> None:
    """On PostgreSQL 18 and 15: every table's rows (a partitioned table: the sum of its
    partitions) and size are the server's; the two application reads and the update become
    query patterns with $n parameters and a rate; catalog queries, a join with a catalog,
    utility statements and the kit's own counts do not."""
    started = _live(fresh_db_any)
    design = import_live(fresh_db_any)
    finished = time.time()
    again = import_live(fresh_db_any)  # before the test's own counts below reach the stats
    names = ["customers", "orders", "events", "events_2024", "events_2025"]
    truth = _truth(fresh_db_any, names)
    src = design.source
    assert src is not None and src.server_version.split(".")[0] in ("15", "18")
    for name in names:
        fact = src.table(name)
        assert (fact.rows, fact.bytes) == truth[name], name
        assert fact.rows_method == "count"  # all small: counted exactly
        assert design.table(name).intent.rows == truth[name][0]
    assert truth["events"][0] == truth["events_2024"][0] + truth["events_2025"][0]
    assert "5 counted exactly" in src.summary()

    by_sql = {q.sql: q for q in design.queries}
    read = by_sql["SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at "
                  "DESC LIMIT $2"]
    lookup = by_sql["SELECT email FROM customers WHERE id = $1"]
    update = by_sql["UPDATE orders SET total = total + $2 WHERE id = $1"]
    assert (read.name, lookup.name, update.name) == ("select_orders", "select_customers",
                                                     "update_orders")
    for q in (read, lookup):
        # calls over the statistics' age (per statement stats_since on 17+, since the reset
        # on 15), which is at most the test's own span
        assert q.per_second >= CALLS / (finished - started) * 0.99
    assert set(by_sql) == {read.sql, lookup.sql, update.sql}  # nothing else: see the docstring
    assert src.queries.startswith("3 query pattern(s) from pg_stat_statements")
    # patterns are data like any other: the design validates and survives its file
    assert [p for p in validate(design) if p.severity == "error"] == []
    assert loads_design(dump_design(design)) == design

    # a second import does not take the first one's counts for the application's queries
    assert {q.sql for q in again.queries} == set(by_sql)
    with psycopg.connect(fresh_db_any) as conn:
        ours = conn.execute("SELECT count(*) FROM pg_stat_statements WHERE query LIKE %s",
                            (f"%{MARK.strip()}%",)).fetchone()[0]
    assert ours > 0  # the kit's statements were recorded, and recognised as the kit's


def test_big_tables_are_estimated_from_reltuples(fresh_db: str) -> None:
    """A table above the counting threshold gets pg_class.reltuples (ANALYZE read every row
    of these small tables, so the estimate is the count), marked as an estimate."""
    _live(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        from pgarch_kit.db.introspect import introspect
        design = read_source(conn, introspect(conn, name="shop"), count_below=0)
        reltuples = dict(conn.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE "
                                      "relname IN ('customers', 'orders')").fetchall())
    for name in ("customers", "orders"):
        fact = design.source.table(name)
        assert (fact.rows, fact.rows_method) == (reltuples[name], "estimate"), name
    assert "estimated from pg_class.reltuples" in design.source.summary()
    assert design.source.table("events").rows_method == "estimate"


def test_without_pg_stat_statements_the_import_says_so_in_one_line(fresh_db: str,
                                                                    tmp_path: Path) -> None:
    """No extension in the database: rows and sizes still come, no pattern, and the CLI
    prints one line saying why (and how to get them)."""
    from cli.test_cli import pgarch
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(SCHEMA)
        _workload(conn)
    design = import_live(fresh_db)
    assert design.queries == () and design.table("orders").intent.rows == 2500
    assert design.source.queries.startswith(
        "no query patterns: pg_stat_statements is not installed in this database")
    out = tmp_path / "live.yaml"
    r = pgarch("import", "--dsn", fresh_db, "-o", str(out))
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stderr.splitlines() if "query patterns" in x]
    assert lines == [f"pgarch: {design.source.queries}"]
    assert "pgarch: rows of 5 table(s): 5 counted exactly" in r.stderr
    saved = loads_design(out.read_text())
    assert saved.table("customers").intent.rows == 400 and saved.source.database


def test_installed_but_not_preloaded_still_imports() -> None:
    """A server where the extension exists but the library is not preloaded (reading it then
    raises): the import goes on, and says what the server answered."""
    from pgarch_kit.db import Server
    server = Server.temporary()
    try:
        server.ensure_started()
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE app")
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'auto_explain'")
        with psycopg.connect(server.dsn("app"), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
            conn.execute(SCHEMA)
        server.restart()
        design = import_live(server.dsn("app"))
    finally:
        server.destroy()
    assert design.queries == () and design.table("customers").intent.rows == 400
    assert design.source.queries.startswith(
        "no query patterns: pg_stat_statements is installed but could not be read")
    assert "shared_preload_libraries" in design.source.queries


def test_statements_of_other_roles_are_hidden_without_pg_read_all_stats(fresh_db: str) -> None:
    """Imported by a role that may read the tables but not other roles' statement texts:
    those are counted as hidden and the note names the role it would need."""
    role = f"pgarch_reader_{secrets.token_hex(3)}"
    _live(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        try:
            conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
            info = psycopg.conninfo.conninfo_to_dict(fresh_db)
            design = import_live(psycopg.conninfo.make_conninfo(**{**info, "user": role}))
        finally:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")
    assert design.queries == ()
    assert "hidden (reading them needs pg_read_all_stats)" in design.source.queries
    assert design.table("orders").intent.rows == 2500  # its own reads work


@pytest.mark.parametrize("text, expected", [
    ("SELECT * FROM orders WHERE id = $1", "select_orders"),
    ("WITH recent AS (SELECT * FROM orders) SELECT * FROM recent JOIN customers c ON true",
     "select_orders"),
    ("DELETE FROM public.customers WHERE id = $1", "delete_customers"),
    ('INSERT INTO "Odd Name<x>" VALUES ($1)', "insert_odd_name_x"),
    ("SELECT * FROM orders, pg_class", None),            # a catalog beside a design table
    ("SELECT * FROM other.orders", None),                # another schema's table
    ("SELECT 1", None),                                  # no relation at all
    ("VACUUM orders", None),                             # utility
    ("SELECT * FROM orders; SELECT * FROM customers", None),
    ("SELECT * FROM (((((" * 200, None),                 # unparsable
])
def test_which_statements_are_patterns(text: str, expected: str | None) -> None:
    from pgarch_kit.db.source_facts import _shape
    tables = {("public", "orders"), ("public", "customers"), ("public", "Odd Name<x>")}
    assert _shape(text, tables) == expected


def test_the_kits_own_statements_are_not_the_applications(fresh_db: str) -> None:
    """A database the kit loaded, verified and benchmarked (its sampling, min/max probes,
    sequence resets, verification counts all reach pg_stat_statements) gives back the
    design's own query patterns, one for one, and none of the kit's statements."""
    import pgarch_kit as pk
    from pgarch_kit.bench import time_pattern
    from pgarch_kit.db.load import load
    from pgarch_kit.db.source_facts import _shape
    from pgarch_kit.model.query import pattern_params
    design = pk.load_design(Path(__file__).resolve().parents[2] / "data" / "designs"
                            / "ecommerce.yaml")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("SELECT pg_stat_statements_reset()")
    loaded = load(design, dsn=fresh_db, scale=0.002, progress=False, verify=True)
    for q in design.queries:
        time_pattern(design, q.name, dsn=fresh_db, runs=5, warmup=1)
    live = import_live(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        kits = conn.execute("SELECT count(*) FROM pg_stat_statements WHERE query LIKE "
                            "'%/* pgarch_kit */%'").fetchone()[0]
    assert kits >= len(design.tables)  # the kit's statements were there to be skipped
    tables = {t.key for t in design.tables}
    assert sorted(_shape(pattern_params(q.sql).dollar, tables) for q in design.queries) == \
        sorted(_shape(q.sql, tables) for q in live.queries)
    assert {t.table: t.rows for t in live.source.tables} == loaded.rows


def test_live_import_reads_in_read_only_sessions(fresh_db: str, monkeypatch) -> None:
    """Nothing a live import runs can write: its session defaults to read-only transactions
    (psycopg's read_only flag alone does nothing in autocommit)."""
    import psycopg

    from pgarch_kit.db import introspect as introspect_module
    from pgarch_kit.db.importer import import_live
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    real = introspect_module.introspect
    attempts = []

    def writing_introspect(conn, **kw):
        try:
            conn.execute("CREATE TABLE written_by_import (x int)")
            attempts.append("wrote")
        except psycopg.errors.ReadOnlySqlTransaction:
            attempts.append("refused")
        return real(conn, **kw)
    monkeypatch.setattr(introspect_module, "introspect", writing_introspect)
    design = import_live(fresh_db, intents=False)
    assert attempts == ["refused"] and [t.name for t in design.tables] == ["t"]
