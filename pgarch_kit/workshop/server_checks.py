"""Checks that ask the real server: the learner's design is built in a scratch sandbox
(``pgarch_ex_<id>``), filled with a little synthetic data, and made to answer."""
from __future__ import annotations

from pgarch_kit.db.connect import server_dsn
from pgarch_kit.db.explain import Plan, explain
from pgarch_kit.db.load import load
from pgarch_kit.db.sandbox import create_sandbox
from pgarch_kit.errors import PgArchError
from pgarch_kit.model import Design

from .exercise import CheckResult

__all__ = ["loaded_scratch", "server_plan"]


def loaded_scratch(design: Design, exercise: str, result: CheckResult, *,
                   scale: float = 0.005) -> str | None:
    """DSN of a fresh sandbox holding ``design`` with data; None (and a 'missing' line that
    quotes the server) when PostgreSQL refuses the design or its data."""
    db = create_sandbox(f"ex_{exercise.replace('.', '_')}", recreate=True)
    dsn = server_dsn(None, db)
    try:
        load(design, dsn=dsn, scale=scale, progress=False, verify=False)
    except PgArchError as exc:
        result.lack(f"PostgreSQL could not build and fill your design: {exc}")
        return None
    result.ok("PostgreSQL builds your design and accepts its data")
    return dsn


def server_plan(dsn: str, sql: str, *, params: tuple = (),
                avoid: tuple[str, ...] = ("seqscan",)) -> Plan:
    """The plan with the given strategies priced out (``enable_seqscan = off`` …): a plan
    that still avoids an index then *has* no index that can serve the query."""
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as conn:
        for what in avoid:
            conn.execute(f"SET enable_{what} = off")
        return explain(conn, sql, params or None, analyze=False)
