"""``pg_stat_statements``: the server's own count of how long each statement took.

The kit's timer measures from the client; the extension measures inside the server. Reading
both tells network and driver time apart from execution, and cross-checks the timer (calls
must equal runs). The library can only be loaded at server start: kit clusters get it in
``postgresql.conf`` at initdb (:meth:`pgarch_kit.db.server.Server._write_kit_settings`); an
older embedded cluster is fixed with ``ALTER SYSTEM`` and one restart. On a server the kit does
not own, nothing is changed: timings then carry the client side only, and say why.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.db.server import Server

__all__ = ["StatementStats", "ensure_statements", "read_stats", "reset_stats"]

_LIB = "pg_stat_statements"


@dataclass(frozen=True)
class StatementStats:
    calls: int
    total_ms: float
    rows: int
    shared_hit: int
    shared_read: int

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0


def _preloaded(conn: psycopg.Connection) -> bool:
    libs = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()[0]
    return _LIB in [x.strip().strip('"') for x in libs.split(",")]


def _serves(conn: psycopg.Connection, server: Server) -> bool:
    """True when ``conn`` really reaches ``server`` (same data directory): only then is the
    server the kit's own, to reconfigure and restart."""
    from pathlib import Path
    here = conn.execute("SELECT current_setting('data_directory', true)").fetchone()[0]
    return bool(here) and Path(here).resolve() == Path(server.data_dir).resolve()


def _add_and_restart(conn: psycopg.Connection, server: Server) -> None:
    """ALTER SYSTEM adds the library to the kit server's preload list; then restart it."""
    from psycopg import sql
    libs = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()[0]
    wanted = [x.strip().strip('"') for x in libs.split(",") if x.strip()] + [_LIB]
    # a list of literals: one quoted 'a, b' would name a single library called "a, b"
    conn.execute(sql.SQL("ALTER SYSTEM SET shared_preload_libraries = {}").format(
        sql.SQL(", ").join(sql.Literal(x) for x in wanted)))
    conn.execute("ALTER SYSTEM SET track_io_timing = on")
    conn.close()
    server.restart()


def ensure_statements(dsn: str, *, server: Server | None = None,
                      allow_setup: bool = False) -> str | None:
    """Make ``pg_stat_statements`` usable in the database ``dsn`` names; returns ``None`` when
    it is, else the reason it is not (shown next to the timings).

    ``server`` is the kit's own server behind ``dsn`` (checked: same data directory), which
    may be reconfigured and restarted to preload the library; any other server is never
    changed. The extension is created on the kit's own server, in a kit sandbox, or with
    ``allow_setup`` (:mod:`pgarch_kit.bench.setup_guard`); otherwise the database is left
    exactly as it was and the note says how to allow it."""
    import psycopg

    from pgarch_kit._redact import redact
    from pgarch_kit.db.connect import dsn_dbname

    from .setup_guard import may_set_up, refused
    dbname = dsn_dbname(dsn)
    conn = psycopg.connect(dsn, autocommit=True)
    try:
        ours = server is not None and _serves(conn, server)
        if not _preloaded(conn):
            if server is None or not ours:
                return (f"{_LIB} is not in shared_preload_libraries on this server, so timings "
                        f"carry the client side only; the kit changes no settings of a server "
                        f"it did not start — to add the server side, add it there and restart "
                        f"the server")
            assert server is not None
            _add_and_restart(conn, server)
            conn = psycopg.connect(dsn, autocommit=True)
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = %s", (_LIB,)).fetchone():
            return None
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s",
                                 (_LIB,)).fetchone()
        if available is None:
            return f"the server has no {_LIB} extension (install PostgreSQL's contrib package)"
        if not (ours or may_set_up(dbname, dsn, allow_setup)):
            return (refused(f"CREATE EXTENSION {_LIB}", dbname)
                    + "; timings carry the client side only")
        conn.execute(f"CREATE EXTENSION IF NOT EXISTS {_LIB}")
        return None
    except psycopg.Error as exc:
        return f"{_LIB} is not usable here: {redact(exc, dsn)}"
    finally:
        conn.close()


def reset_stats(conn: psycopg.Connection, queryid: int) -> None:
    conn.execute("SELECT pg_stat_statements_reset(0, 0, %s)", (queryid,))


def read_stats(conn: psycopg.Connection, queryid: int) -> StatementStats | None:
    """The statement's counters in this database since :func:`reset_stats`."""
    row = conn.execute(
        "SELECT sum(calls), sum(total_exec_time), sum(rows), sum(shared_blks_hit), "
        "sum(shared_blks_read) FROM pg_stat_statements WHERE queryid = %s AND dbid = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())",
        (queryid,)).fetchone()
    if row is None or row[0] is None:
        return None
    return StatementStats(int(row[0]), float(row[1]), int(row[2]), int(row[3]), int(row[4]))
