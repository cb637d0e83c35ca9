"""Shared pieces of catalog reading: the user-object filters, the search_path guard, small
helpers. Used by :mod:`pgarch_kit.db.introspect` and :mod:`pgarch_kit.db.catalog`.

Every query here is written against ``pg_catalog`` only and is tolerant of server versions
13–18 (features missing on older servers read as their defaults).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "EXCLUDED_SCHEMAS",
    "MARKER_SCHEMA",
    "Ctx",
    "not_extension_member",
    "nsp_filter",
    "parenthesise",
    "rows",
    "search_path",
    "split_top_level",
]

MARKER_SCHEMA = "pgarch_meta"
EXCLUDED_SCHEMAS = ("pg_catalog", "information_schema", MARKER_SCHEMA)


class Ctx:
    """What every reader needs: the connection, the server version and the schema filter."""

    def __init__(self, conn: Any, schemas: Sequence[str] | None = None) -> None:
        self.conn = conn
        self.version: int = conn.info.server_version
        self.schemas = list(schemas) if schemas is not None else None

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        return rows(self.conn, sql, params)

    def nsp(self, alias: str = "n") -> str:
        return nsp_filter(alias, self.schemas)


def rows(conn: Any, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
    from psycopg.rows import tuple_row
    with conn.cursor(row_factory=tuple_row) as cur:  # whatever the connection's factory
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def nsp_filter(alias: str, schemas: Sequence[str] | None) -> str:
    """SQL condition keeping user schemas only (and only ``schemas`` when given)."""
    cond = (f"{alias}.nspname NOT IN ('pg_catalog', 'information_schema', '{MARKER_SCHEMA}')"
            f" AND {alias}.nspname NOT LIKE 'pg\\_toast%%'"
            f" AND {alias}.nspname NOT LIKE 'pg\\_temp\\_%%'")
    if schemas is not None:
        names = ", ".join("'" + s.replace("'", "''") + "'" for s in schemas)
        cond += f" AND {alias}.nspname IN ({names or 'NULL'})"
    return cond


def not_extension_member(catalog: str, oid_expr: str) -> str:
    """SQL condition: the object is not part of an extension (pg_depend deptype 'e')."""
    return (f"NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = "
            f"'pg_catalog.{catalog}'::regclass AND dep.objid = {oid_expr} "
            f"AND dep.deptype = 'e')")


@contextmanager
def search_path(conn: Any, value: str) -> Iterator[None]:
    """Run with ``search_path`` set to ``value``; the previous setting is restored afterwards
    (session-level, so it works in autocommit and inside a transaction)."""
    old = rows(conn, "SELECT pg_catalog.current_setting('search_path')")[0][0]
    rows(conn, "SELECT pg_catalog.set_config('search_path', %s, false)", [value])
    try:
        yield
    finally:
        from psycopg.pq import TransactionStatus
        if conn.info.transaction_status != TransactionStatus.INERROR:
            rows(conn, "SELECT pg_catalog.set_config('search_path', %s, false)", [old])


def split_top_level(text: str) -> list[str]:
    """Split ``a, f(b, c), 'x,y'`` at the commas outside parentheses, brackets and quotes."""
    parts: list[str] = []
    depth = 0
    buf: list[str] = []
    quote: str | None = None
    for ch in text:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in ("'", '"'):
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    if "".join(buf).strip():
        parts.append("".join(buf).strip())
    return parts


def parenthesise(expr: str) -> str:
    """``expr`` wrapped in parentheses unless one pair already encloses all of it."""
    text = expr.strip()
    if text.startswith("(") and text.endswith(")"):
        depth = 0
        quote: str | None = None
        for i, ch in enumerate(text):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in ("'", '"'):
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    if i == len(text) - 1:
                        return text
                    break
    return f"({text})"
