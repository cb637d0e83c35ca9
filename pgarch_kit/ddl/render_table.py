"""Renderers for tables: columns, table constraints, partitioning, ATTACH PARTITION and the
foreign keys that must wait for ``ALTER TABLE ... ADD CONSTRAINT``.

Which foreign keys go inline is decided by the script (it knows the creation order); here a
table is rendered with exactly the foreign keys it is handed.
"""
from __future__ import annotations

from ..model.design import Check, Column, Exclusion, ForeignKey, PrimaryKey, Table, Unique
from ..model.keys import twin_uniques
from ..model.names import quote_ident
from ._common import (
    DdlError,
    deferrable,
    idents,
    key_element,
    need_version,
    options,
    ref,
    rel,
    wrap,
)

__all__ = [
    "add_foreign_key_sql",
    "attach_partition_sql",
    "column_sql",
    "constraint_sql",
    "create_table_sql",
    "foreign_key_sql",
]

PG15, PG18 = 150000, 180000
_SEP = ",\n    "


def column_sql(table: Table, col: Column, server_version: int) -> str:
    parts = [quote_ident(col.name), col.type]
    if col.collation:
        parts.append(f"COLLATE {ref(col.collation)}")
    if col.identity:
        parts.append(f"GENERATED {col.identity.upper()} AS IDENTITY")
    if col.generated is not None:
        kind = col.generated_kind.upper()
        if kind == "VIRTUAL" and server_version < PG18:
            raise DdlError(
                f"column {table.name}.{col.name} is a VIRTUAL generated column, which needs "
                f"PostgreSQL 18 or later; the target server is {server_version // 10000}. Use "
                f"generated_kind='stored' or render with server_version=180000.")
        parts.append(f"GENERATED ALWAYS AS {wrap(col.generated)} {kind}")
    if col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if not col.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def _named(name: str | None) -> str:
    # an unnamed constraint lets PostgreSQL choose its default name (<table>_pkey, ...)
    return f"CONSTRAINT {quote_ident(name)} " if name else ""


def _include(cols: tuple[str, ...]) -> str:
    return f" INCLUDE ({idents(cols)})" if cols else ""


def _primary_key(pk: PrimaryKey) -> str:
    return (f"{_named(pk.name)}PRIMARY KEY ({idents(pk.columns)}){_include(pk.include)}"
            f"{deferrable(pk.deferrable, pk.initially_deferred)}")


def _unique(table: Table, u: Unique, server_version: int) -> str:
    nnd = ""
    if u.nulls_not_distinct:
        need_version(server_version, PG15,
                     f"UNIQUE NULLS NOT DISTINCT on {table.name} ({', '.join(u.columns)})")
        nnd = " NULLS NOT DISTINCT"
    return (f"{_named(u.name)}UNIQUE{nnd} ({idents(u.columns)}){_include(u.include)}"
            f"{deferrable(u.deferrable, u.initially_deferred)}")


def _check(c: Check) -> str:
    return f"{_named(c.name)}CHECK {wrap(c.expression)}{' NO INHERIT' if c.no_inherit else ''}"


def _exclusion(ex: Exclusion) -> str:
    elems = []
    for el in ex.elements:
        opclass = f" {ref(el.opclass)}" if el.opclass else ""
        elems.append(f"{key_element(el.expression)}{opclass} WITH {el.operator}")
    where = f" WHERE {wrap(ex.where)}" if ex.where else ""
    return (f"{_named(ex.name)}EXCLUDE USING {quote_ident(ex.using)} ({', '.join(elems)})"
            f"{_include(ex.include)}{where}"
            f"{deferrable(ex.deferrable, ex.initially_deferred)}")


def foreign_key_sql(table: Table, fk: ForeignKey) -> str:
    """The constraint clause (``CONSTRAINT n FOREIGN KEY ... REFERENCES ...``); defaults
    (MATCH SIMPLE, NO ACTION) are left out."""
    target = rel(fk.ref_schema or table.schema, fk.ref_table)
    text = (f"{_named(fk.name)}FOREIGN KEY ({idents(fk.columns)}) REFERENCES {target} "
            f"({idents(fk.ref_columns)})")
    if fk.match != "SIMPLE":
        text += f" MATCH {fk.match}"
    if fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    if fk.on_delete != "NO ACTION":
        text += f" ON DELETE {fk.on_delete}"
    return text + deferrable(fk.deferrable, fk.initially_deferred)


def constraint_sql(table: Table, server_version: int,
                   foreign_keys: tuple[ForeignKey, ...] | list[ForeignKey] = ()) -> list[str]:
    """Table constraints in a fixed order: primary key, unique, check, exclusion, foreign."""
    out = []
    if table.primary_key is not None:
        out.append(_primary_key(table.primary_key))
    twins = set(map(id, twin_uniques(table)))
    out += [_unique(table, u, server_version) for u in table.uniques if id(u) not in twins]
    out += [_check(c) for c in table.checks]
    out += [_exclusion(e) for e in table.exclusions]
    out += [foreign_key_sql(table, fk) for fk in foreign_keys]
    return out


def _partition_by(table: Table) -> str:
    pb = table.partition_by
    if pb is None:
        return ""
    keys = ", ".join(key_element(k) for k in pb.keys)
    return f"\nPARTITION BY {pb.strategy.upper()} ({keys})"


def _bound(table: Table) -> str:
    bound = (table.partition_bound or "").strip().rstrip(";")
    if not bound:
        raise DdlError(f"partition {table.name} of {table.partition_of} has no partition_bound "
                       f"(e.g. \"FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')\" or "
                       f"\"DEFAULT\")")
    return bound


def create_table_sql(table: Table, server_version: int,
                     foreign_keys: tuple[ForeignKey, ...] | list[ForeignKey] = ()) -> str:
    """CREATE TABLE with the given foreign keys inline. A partition without columns of its own
    is created ``PARTITION OF`` its parent; one with columns is created standalone (and
    attached later, see :func:`attach_partition_sql`), which keeps its own column defaults."""
    name = rel(table.schema, table.name)
    unlogged = "UNLOGGED " if table.unlogged else ""
    cons = constraint_sql(table, server_version, foreign_keys)
    if table.partition_of is not None and not table.columns:
        body = f" (\n    {_SEP.join(cons)}\n)" if cons else ""
        text = (f"CREATE {unlogged}TABLE {name} PARTITION OF "
                f"{rel(table.schema, table.partition_of)}{body}\n{_bound(table)}")
    else:
        items = [column_sql(table, c, server_version) for c in table.columns] + cons
        body = f"(\n    {_SEP.join(items)}\n)" if items else "()"
        text = f"CREATE {unlogged}TABLE {name} {body}"
    twins = [f"ALTER TABLE {name}\n    ADD {_unique(table, u, server_version)};"
             for u in twin_uniques(table)]
    return "\n".join([f"{text}{_partition_by(table)}{options(table.options)};", *twins])


def attach_partition_sql(table: Table) -> list[str]:
    """ATTACH PARTITION for a partition created standalone (it has columns of its own)."""
    if table.partition_of is None or not table.columns:
        return []
    return [(f"ALTER TABLE {rel(table.schema, table.partition_of)} ATTACH PARTITION "
            f"{rel(table.schema, table.name)} {_bound(table)};")]


def add_foreign_key_sql(table: Table, fk: ForeignKey) -> str:
    return f"ALTER TABLE {rel(table.schema, table.name)}\n    ADD {foreign_key_sql(table, fk)};"
