"""Helpers the type, key and constraint rules share: read a column's type without failing on
spellings validation would reject, and name tables in fix SQL the one quoted way."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Column, Table
from pgarch_kit.model.names import qualified, quote_ident
from pgarch_kit.model.types import PgType, parse_type

from ...context import LintContext

__all__ = ["TEXT_TYPES", "TIME_TYPES", "alter_type", "as_text", "live_rows", "pg_type",
           "sql_table", "typed_columns"]

TIME_TYPES = frozenset({"timestamp without time zone", "timestamp with time zone",
                        "time without time zone", "time with time zone"})
TEXT_TYPES = frozenset({"text", "character varying", "character", "citext", "name"})


def pg_type(text: str) -> PgType | None:
    """The parsed type, or ``None`` for a spelling that is not a type at all (validation
    reports those; a rule should not crash on them)."""
    try:
        return parse_type(text)
    except (ValueError, TypeError):
        return None


def sql_table(table: Table) -> str:
    """The table as fix SQL writes it: bare in public, schema-qualified elsewhere."""
    return qualified(None if table.schema == "public" else table.schema, table.name)


def alter_type(table: Table, column: str, new_type: str, using: str | None = None) -> str:
    tail = f" USING {using}" if using else ""
    return (f"ALTER TABLE {sql_table(table)} ALTER COLUMN {quote_ident(column)} "
            f"TYPE {new_type}{tail};")


def typed_columns(ctx: LintContext) -> Iterator[tuple[Table, Column, PgType]]:
    """Every column of the ordinary and partitioned tables with its parsed type (partitions
    share the parent's columns, so a finding there would only repeat the parent's). Built
    once per lint run: a dozen type rules walk it."""
    def build() -> list[tuple[Table, Column, PgType]]:
        return [(t, c, ty) for t in ctx.tables for c in t.columns
                if (ty := pg_type(c.type)) is not None]
    return iter(ctx.memo("typed_columns", build))


def as_text(value: object) -> object:
    """Catalog text as ``str``: on a SQL_ASCII database psycopg returns text as bytes."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def live_rows(ctx: LintContext, query: str) -> list[tuple]:
    """The rows of a catalog query, text decoded whatever the database encoding."""
    return [tuple(as_text(v) for v in row) for row in ctx.conn.execute(query).fetchall()]
