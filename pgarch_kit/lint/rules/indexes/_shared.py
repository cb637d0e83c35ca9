"""Small facts the index and relationship rules share: whether a column can hold NULL, the
top-level conjuncts of an index predicate, and an index key's full identity.

Kept beside the rules (not in the lint context) because only these rules need them.
"""
from __future__ import annotations

import re

from pgarch_kit.model import Design, Table
from pgarch_kit.model.default_names import constraint_names
from pgarch_kit.model.names import qualified, quote_ident
from pgarch_kit.model.types import parse_type

from ...context import IndexShape, LintContext

__all__ = ["not_null", "conjuncts", "not_null_column", "key_identities", "resolved_type",
           "includes", "table_sql", "columns_sql",
           "predicate_key", "is_type", "drop_index_sql"]

_IS_NOT_NULL = re.compile(r'^\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s+IS\s+NOT\s+NULL\s*$',
                          re.IGNORECASE)


def not_null(table: Table, column: str) -> bool:
    """True when ``column`` can never hold NULL: declared NOT NULL, an identity, or part of
    the primary key (PostgreSQL makes PK columns NOT NULL even when the design omits it)."""
    col = table.column(column)
    if col is None:
        return False
    if not col.nullable or col.identity:
        return True
    return bool(table.primary_key and column in table.primary_key.columns)


def _strip_parens(text: str) -> str:
    """``((a))`` → ``a``, only when the outer parentheses enclose the whole text."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(text) - 1:
                return text
        text = text[1:-1].strip()
    return text


def conjuncts(where: str | None) -> list[str] | None:
    """The AND-ed parts of a predicate at the top level, parentheses stripped; ``None`` when
    the predicate has a top-level OR (its parts do not each hold for every row)."""
    if not where:
        return []
    text = _strip_parens(" ".join(where.split()))
    parts, depth, quote, start, i = [], 0, False, 0, 0
    upper = text.upper()
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        elif not quote and depth == 0:
            if upper.startswith(" OR ", i):
                return None
            if upper.startswith(" AND ", i):
                parts.append(text[start:i])
                i += 4
                start = i
        i += 1
    parts.append(text[start:])
    return [_strip_parens(p) for p in parts if p.strip()]


def not_null_column(conjunct: str) -> str | None:
    """The column of a ``col IS NOT NULL`` conjunct (unquoted), else ``None``."""
    m = _IS_NOT_NULL.match(conjunct)
    if not m:
        return None
    name = m.group(1)
    return name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()


def key_identities(shape: IndexShape) -> tuple[tuple, ...]:
    """Each key with what changes its meaning: the column or normalised expression, opclass,
    collation, direction and NULLS placement (constraint indexes use the defaults)."""
    if shape.index is None:
        return tuple((k, None, None, False, None) for k in shape.keys)
    return tuple((f"({' '.join(k.column.split())})" if k.expression else k.column,
                  k.opclass, k.collation, k.descending, k.nulls_first)
                 for k in shape.index.keys)


def includes(table: Table, shape: IndexShape) -> tuple[str, ...]:
    """The INCLUDE columns of an index or of the constraint behind it."""
    if shape.index is not None:
        return tuple(shape.index.include)
    names = constraint_names(table)
    if table.primary_key and shape.keys == tuple(table.primary_key.columns) and \
            shape.name == names.primary_key:
        return tuple(table.primary_key.include)
    for u, u_name in zip(table.uniques, names.uniques, strict=True):
        if shape.keys == tuple(u.columns) and shape.name == u_name:
            return tuple(u.include)
    return ()


def resolved_type(design: Design, type_text: str, schema: str = "public") -> str:
    """A column type with domains resolved to their base type (domains over domains too); an
    unqualified name is looked up in the table's schema, then in public."""
    domains = {f"{d.schema}.{d.name}": d for d in design.domains}
    seen: set[str] = set()
    while type_text not in seen:
        seen.add(type_text)
        d = (domains.get(type_text) or domains.get(f"{schema}.{type_text}")
             or domains.get(f"public.{type_text}"))
        if d is None:
            break
        type_text, schema = d.type, d.schema
    return type_text


def table_sql(table: Table) -> str:
    """The table's name for fix SQL: quoted, schema-qualified outside public."""
    return qualified(None if table.schema == "public" else table.schema, table.name)


def columns_sql(columns: tuple[str, ...] | list[str]) -> str:
    return ", ".join(quote_ident(c) for c in columns)


def predicate_key(where: str | None) -> str | None:
    """A predicate normalised for comparison: whitespace collapsed, outer parentheses gone."""
    return None if not where else _strip_parens(" ".join(where.split()))


def is_type(ctx: LintContext, table: Table, column: str, bases: tuple[str, ...],
            array: bool = False) -> bool:
    """True when ``column`` (domains resolved) has one of ``bases`` as its type; with
    ``array`` any array type matches, whatever its element."""
    col = table.column(column)
    if col is None:
        return False
    try:
        t = parse_type(resolved_type(ctx.design, col.type, table.schema))
    except (ValueError, TypeError):
        return False
    return t.is_array if array else (not t.is_array and t.base in bases)


def drop_index_sql(table: Table, shape: IndexShape) -> str:
    """How to remove an index: DROP INDEX CONCURRENTLY, or DROP CONSTRAINT behind one."""
    if shape.constraint:
        return f"ALTER TABLE {table_sql(table)} DROP CONSTRAINT {quote_ident(shape.name)};"
    schema = None if table.schema == "public" else table.schema
    return f"DROP INDEX CONCURRENTLY {qualified(schema, shape.name)};"
