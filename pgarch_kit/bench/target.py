"""Which database a benchmark runs in: the design's sandbox, or the one a DSN names.

Every timing, load test and index trial needs loaded data; this says clearly when there is
none, and which command loads it, instead of timing empty tables.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pgarch_kit.errors import PgArchError

if TYPE_CHECKING:
    from pgarch_kit.db.server import Server
    from pgarch_kit.model import Design

__all__ = ["BenchError", "Target", "embedded_server", "resolve_target"]


class BenchError(PgArchError):
    """A benchmark cannot run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    dbname: str
    dsn: str
    server: Server | None   # the kit's own server, which may be restarted to load an extension

    def __repr__(self) -> str:
        from pgarch_kit._redact import redact
        return f"Target(dbname={self.dbname!r}, dsn={redact(self.dsn, self.dsn)!r}, server=...)"


def resolve_target(design: Design, dsn: str | None = None) -> Target:
    """``dsn`` when given (its database), else the design's sandbox ``pgarch_<design>``,
    which must exist and hold rows (loaded by ``pk.load_data`` or ``pgarch seed``).
    The design's SQL fragments are checked first: the benchmarks run its query patterns and
    may re-create its objects, whoever built the design (not only the design file reader)."""
    import psycopg

    from pgarch_kit.model.fragments import check_fragments
    check_fragments(design)

    from pgarch_kit.db.connect import dsn_dbname, server_dsn
    from pgarch_kit.db.sandbox import database_exists, sandbox_name
    if dsn is not None:
        return Target(dsn_dbname(dsn), dsn, None)
    dbname = sandbox_name(design.name)
    fix = ("load data first: pk.load_data(design, scale=0.1) in a notebook, or "
           "`pgarch seed DESIGN.yaml --scale 0.1`")
    if not database_exists(dbname):
        raise BenchError(f"design {design.name!r} has no sandbox database {dbname} yet — {fix}")
    target = server_dsn(None, dbname)
    names = [t.name for t in design.tables if t.partition_of is None]
    with psycopg.connect(target, autocommit=True) as conn:
        found = conn.execute(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema')", (names,)).fetchone()[0]
        if not found:
            any_rows = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_user_tables WHERE n_live_tup > 0)"
            ).fetchone()[0]
            if not any_rows:
                raise BenchError(f"the sandbox {dbname} of design {design.name!r} holds no "
                                 f"rows — {fix}")
    return Target(dbname, target, embedded_server())


def embedded_server() -> Server | None:
    """The kit's own server, unless ``$PGARCH_DSN`` points the kit elsewhere."""
    if os.environ.get("PGARCH_DSN"):
        return None
    from pgarch_kit.db.server import Server
    return Server()
