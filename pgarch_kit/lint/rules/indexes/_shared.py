"""Small facts the index and relationship rules share: whether a column can hold NULL, the
top-level conjuncts of an index predicate, and an index key's full identity.

Kept beside the rules (not in the lint context) because only these rules need them.
"""
from __future__ import annotations

import re

from pgarch_kit.model import Design, Index, IndexKey, Table
from pgarch_kit.model.default_names import constraint_names
from pgarch_kit.model.index_sql import index_key_sql
from pgarch_kit.model.names import qualified, quote_ident
from pgarch_kit.model.query import RelationUse, service
from pgarch_kit.model.types import parse_type

from ...context import IndexShape, LintContext, serves_fk

__all__ = ["not_null", "conjuncts", "not_null_column", "key_identities", "resolved_type",
           "includes", "table_sql", "columns_sql",
           "predicate_key", "is_type", "drop_index_sql", "index_key_sql", "shape_keys",
           "create_index_sql", "reshaped", "index_service", "lost_service",
           "concurrently"]

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
    return f"DROP INDEX {concurrently(table)}{qualified(schema, shape.name)};"


def concurrently(table: Table) -> str:
    """``CONCURRENTLY `` — except on a partitioned table, where PostgreSQL refuses it (build
    the index on each partition concurrently and ATTACH it, or accept the lock)."""
    return "" if table.partition_by else "CONCURRENTLY "


# ---------------------------------------------------------------- fixes that keep what works

def shape_keys(shape: IndexShape) -> tuple[IndexKey, ...]:
    """The keys of an index or of the index behind a PK/UNIQUE constraint, as IndexKeys."""
    if shape.index is not None:
        return tuple(shape.index.keys)
    return tuple(IndexKey(k) for k in shape.keys)


def create_index_sql(table: Table, keys: tuple[IndexKey, ...] | list[IndexKey], *,
                     name: str | None = None, method: str = "btree", unique: bool = False,
                     nulls_not_distinct: bool = False, include: tuple[str, ...] = (),
                     where: str | None = None) -> str:
    """``CREATE [UNIQUE] INDEX CONCURRENTLY`` carrying every property the replaced index had
    (method, key spellings, INCLUDE, NULLS NOT DISTINCT, predicate)."""
    text = f"CREATE {'UNIQUE ' if unique else ''}INDEX {concurrently(table)}"
    if name:
        text += f"{quote_ident(name)} "
    text += f"ON {table_sql(table)} "
    if method != "btree":
        text += f"USING {quote_ident(method)} "
    text += f"({', '.join(index_key_sql(k) for k in keys)})"
    if include:
        text += f" INCLUDE ({columns_sql(include)})"
    if nulls_not_distinct:
        text += " NULLS NOT DISTINCT"
    if where:
        text += f" WHERE {where}"
    return text + ";"


def reshaped(shape: IndexShape, keys: tuple[IndexKey, ...], *, where: str | None = None,
             name: str = "(proposed)") -> IndexShape:
    """The shape a proposed replacement of ``shape`` would have."""
    return IndexShape(name, tuple(f"({k.column})" if k.expression else k.column for k in keys),
                      shape.unique, shape.method, where if where is not None else shape.where,
                      tuple(k.opclass for k in keys), False,
                      Index(name, keys, shape.method, shape.unique, where=where or shape.where))


def index_service(shape: IndexShape, use: RelationUse, tenant_key: str | None = None
                  ) -> tuple[int, bool]:
    """How one index (or proposed index) serves one query block's use of its relation, for
    the index rules' comparisons: ``(matched, ordered)`` — the leading keys the query can
    seek on (0: unusable) and whether the index yields the ORDER BY. The answer is
    :func:`pgarch_kit.model.query.service`'s, the one every consumer of query patterns uses
    (equality prefix, range, sort directions, partial-index implication, expression keys, the
    tenant-key rule)."""
    index = shape.index or Index(shape.name, shape_keys(shape), shape.method, shape.unique,
                                 where=shape.where)
    found = service(index, use, tenant_key=tenant_key)
    return (found.matched, found.ordered) if found is not None else (0, False)


def lost_service(ctx: LintContext, table: Table, drop: list[IndexShape] | tuple[IndexShape, ...],
                 add: list[IndexShape] | tuple[IndexShape, ...] = ()) -> list[str]:
    """What dropping the indexes ``drop`` (and creating ``add``) would stop serving: foreign
    keys of ``table`` no remaining index leads with, and query patterns of the design that
    some index serves today but none would serve as well after (fewer keys to seek on, or
    the ORDER BY no longer read from the index). Empty: the change is safe to propose."""
    gone = {s.name for s in drop}
    before = list(ctx.index_shapes(table))
    after = [s for s in before if s.name not in gone] + list(add)
    lost = []
    for fk in table.foreign_keys:
        cols = tuple(fk.columns)
        if any(serves_fk(s, cols) for s in before) and not any(serves_fk(s, cols)
                                                               for s in after):
            lost.append(f"the foreign key ({', '.join(cols)}) → {fk.ref_table}")
    if not ctx.design.queries:
        return lost
    from ..beyond._shared import pattern_index
    pi = pattern_index(ctx)
    tk = ctx.intent(table)[0].tenant_key
    for q, blocks in pi.blocks:
        for block in blocks:
            for pu in pi.uses(block):
                if pu.target.table is not table:
                    continue
                was = [index_service(s, pu.use, tk) for s in before]
                now = [index_service(s, pu.use, tk) for s in after]
                if (max((m for m, _ in now), default=0) < max((m for m, _ in was), default=0)
                        or (any(o for _, o in was) and not any(o for _, o in now))):
                    lost.append(f"query pattern {q.name!r}")
    return list(dict.fromkeys(lost))
