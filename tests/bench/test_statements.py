"""pg_stat_statements: preloaded on kit clusters, added with one restart to older ones, and
left alone on servers the kit does not own."""
from __future__ import annotations

import psycopg

from pgarch_kit.bench.statements import ensure_statements, read_stats, reset_stats
from pgarch_kit.db import Server


def _libs(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SHOW shared_preload_libraries").fetchone()[0]


def test_new_clusters_preload_it_and_old_ones_get_it_with_a_restart() -> None:
    server = Server.temporary()
    try:
        server.ensure_started()
        dsn = server.dsn()
        assert "pg_stat_statements" in _libs(dsn)  # written at initdb
        # an older cluster whose owner preloads something else. Without the server, nothing
        # changes and we say why; with it, the library is added and the owner's kept
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'auto_explain'")
        server.restart()
        assert _libs(dsn) == "auto_explain"
        reason = ensure_statements(dsn)
        assert reason and "shared_preload_libraries" in reason
        pid = server.running_pid()
        assert ensure_statements(dsn, server=server) is None
        assert _libs(dsn) == "auto_explain, pg_stat_statements"
        assert server.running_pid() != pid
        with psycopg.connect(dsn, autocommit=True) as conn:
            plan = conn.execute("EXPLAIN (VERBOSE, FORMAT JSON) SELECT 42").fetchone()[0]
            queryid = plan[0]["Query Identifier"]
            reset_stats(conn, queryid)
            for _ in range(3):
                conn.execute("SELECT 42")
            stats = read_stats(conn, queryid)
        assert stats is not None and stats.calls == 3 and stats.mean_ms >= 0
    finally:
        server.destroy()
