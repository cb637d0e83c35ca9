"""Renderers for tables: columns, table constraints, partitioning, inheritance, ATTACH
PARTITION and the foreign keys that must wait for ``ALTER TABLE ... ADD CONSTRAINT``.

Which foreign keys go inline is decided by the script (it knows the creation order); here a
table is rendered with exactly the foreign keys it is handed. Constraints marked NOT VALID
are never inline: PostgreSQL validates whatever CREATE TABLE holds, so they are added later
(:mod:`pgarch_kit.ddl.render_details`).
"""
from __future__ import annotations

from ..model.design import (
    Check,
    Column,
    Exclusion,
    ForeignKey,
    IdentityOptions,
    PrimaryKey,
    Table,
    Unique,
)
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
    "check_sql",
    "column_sql",
    "constraint_sql",
    "create_table_sql",
    "foreign_key_sql",
    "inherits_inline",
]

PG15, PG18 = 150000, 180000
_SEP = ",\n    "


def column_sql(table: Table, col: Column, server_version: int) -> str:
    parts = [quote_ident(col.name), col.type]
    if col.collation:
        parts.append(f"COLLATE {ref(col.collation)}")
    # PostgreSQL 17+ gives a partition its parent's identity (and refuses to attach a table
    # with one of its own), so a partition's column never declares it
    if col.identity and not (table.partition_of is not None and server_version >= 170000):
        parts.append(f"GENERATED {col.identity.upper()} AS IDENTITY"
                     + _identity_options(table, col.identity_options))
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
    if not col.nullable and not col.not_null_not_valid:  # NOT VALID: added after the tables
        parts.append(f"{_named(col.not_null_name)}NOT NULL")
        if col.not_null_no_inherit:
            need_version(server_version, PG18,
                         f"NOT NULL NO INHERIT on column {table.name}.{col.name}")
            parts.append("NO INHERIT")
    return " ".join(parts)


def _identity_options(table: Table, opts: IdentityOptions | None) -> str:
    """`` (SEQUENCE NAME … START WITH …)`` with the options that differ from the defaults."""
    if opts is None:
        return ""
    out = []
    if opts.sequence is not None:
        out.append(f"SEQUENCE NAME {rel(table.schema, opts.sequence)}")
    if opts.start is not None:
        out.append(f"START WITH {opts.start}")
    if opts.increment != 1:
        out.append(f"INCREMENT BY {opts.increment}")
    if opts.min_value is not None:
        out.append(f"MINVALUE {opts.min_value}")
    if opts.max_value is not None:
        out.append(f"MAXVALUE {opts.max_value}")
    if opts.cache != 1:
        out.append(f"CACHE {opts.cache}")
    if opts.cycle:
        out.append("CYCLE")
    return f" ({' '.join(out)})" if out else ""


def _named(name: str | None) -> str:
    # an unnamed constraint lets PostgreSQL choose its default name (<table>_pkey, ...)
    return f"CONSTRAINT {quote_ident(name)} " if name else ""


def _include(cols: tuple[str, ...]) -> str:
    return f" INCLUDE ({idents(cols)})" if cols else ""


def _key_columns(table: Table, columns: tuple[str, ...], temporal: bool, server_version: int,
                 marker: str) -> str:
    """``a, b`` — or, for a PostgreSQL 18 temporal key, the last column with its marker
    (``b WITHOUT OVERLAPS`` in a key, ``PERIOD b`` in a foreign key)."""
    if not temporal:
        return idents(columns)
    need_version(server_version, PG18, f"temporal key ({marker.strip()}) on {table.name} "
                 f"({', '.join(columns)})")
    *head, last = columns
    last_sql = (f"PERIOD {quote_ident(last)}" if marker == "PERIOD"
                else f"{quote_ident(last)} {marker}")
    return ", ".join([*(quote_ident(c) for c in head), last_sql])


def _primary_key(table: Table, pk: PrimaryKey, server_version: int) -> str:
    cols = _key_columns(table, pk.columns, pk.without_overlaps, server_version,
                        "WITHOUT OVERLAPS")
    return (f"{_named(pk.name)}PRIMARY KEY ({cols}){_include(pk.include)}"
            f"{deferrable(pk.deferrable, pk.initially_deferred)}")


def _unique(table: Table, u: Unique, server_version: int) -> str:
    nnd = ""
    if u.nulls_not_distinct:
        need_version(server_version, PG15,
                     f"UNIQUE NULLS NOT DISTINCT on {table.name} ({', '.join(u.columns)})")
        nnd = " NULLS NOT DISTINCT"
    cols = _key_columns(table, u.columns, u.without_overlaps, server_version,
                        "WITHOUT OVERLAPS")
    return (f"{_named(u.name)}UNIQUE{nnd} ({cols}){_include(u.include)}"
            f"{deferrable(u.deferrable, u.initially_deferred)}")


def _enforced(enforced: bool, what: str, server_version: int) -> str:
    if enforced:
        return ""
    need_version(server_version, PG18, f"NOT ENFORCED {what}")
    return " NOT ENFORCED"


def check_sql(table: Table, c: Check, server_version: int) -> str:
    """The CHECK clause (``NOT VALID`` is the caller's: only ALTER TABLE … ADD keeps it)."""
    return (f"{_named(c.name)}CHECK {wrap(c.expression)}{' NO INHERIT' if c.no_inherit else ''}"
            + _enforced(c.enforced, f"check on {table.name}", server_version))


def _exclusion(ex: Exclusion) -> str:
    elems = []
    for el in ex.elements:
        opclass = f" {ref(el.opclass)}" if el.opclass else ""
        elems.append(f"{key_element(el.expression)}{opclass} WITH {el.operator}")
    where = f" WHERE {wrap(ex.where)}" if ex.where else ""
    return (f"{_named(ex.name)}EXCLUDE USING {quote_ident(ex.using)} ({', '.join(elems)})"
            f"{_include(ex.include)}{where}"
            f"{deferrable(ex.deferrable, ex.initially_deferred)}")


def foreign_key_sql(table: Table, fk: ForeignKey, server_version: int = PG18) -> str:
    """The constraint clause (``CONSTRAINT n FOREIGN KEY ... REFERENCES ...``); defaults
    (MATCH SIMPLE, NO ACTION) are left out, and so is ``NOT VALID`` (see
    :func:`add_foreign_key_sql`)."""
    target = rel(fk.ref_schema or table.schema, fk.ref_table)
    mine = _key_columns(table, fk.columns, fk.period, server_version, "PERIOD")
    theirs = _key_columns(table, fk.ref_columns, fk.period, server_version, "PERIOD")
    text = f"{_named(fk.name)}FOREIGN KEY ({mine}) REFERENCES {target} ({theirs})"
    if fk.match != "SIMPLE":
        text += f" MATCH {fk.match}"
    if fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    if fk.on_delete != "NO ACTION":
        text += f" ON DELETE {fk.on_delete}"
    return (text + deferrable(fk.deferrable, fk.initially_deferred)
            + _enforced(fk.enforced, f"foreign key on {table.name}", server_version))


def constraint_sql(table: Table, server_version: int,
                   foreign_keys: tuple[ForeignKey, ...] | list[ForeignKey] = ()) -> list[str]:
    """Table constraints in a fixed order: primary key, unique, check, exclusion, foreign."""
    out = []
    if table.primary_key is not None:
        out.append(_primary_key(table, table.primary_key, server_version))
    twins = set(map(id, twin_uniques(table)))
    out += [_unique(table, u, server_version) for u in table.uniques if id(u) not in twins]
    out += [check_sql(table, c, server_version) for c in table.checks if not c.not_valid]
    out += [_exclusion(e) for e in table.exclusions]
    out += [foreign_key_sql(table, fk, server_version) for fk in foreign_keys
            if not fk.not_valid]
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


def inherits_inline(table: Table, parents: tuple[Table, ...] | list[Table]) -> bool:
    """Whether ``CREATE TABLE … INHERITS`` gives the table its columns in the design's order.
    PostgreSQL puts the parents' columns first (merged by name, in parent order), then the
    table's own; a table made to inherit later (``ALTER TABLE … INHERIT``) may have another
    order, and is then created standalone and attached. Parents outside the design: inline."""
    if not table.inherits or len(parents) != len(table.inherits):
        return True
    expected: list[str] = []
    for p in parents:
        expected += [c.name for c in p.columns if c.name not in expected]
    expected += [c.name for c in table.columns if c.name not in expected]
    return expected == [c.name for c in table.columns]


def create_table_sql(table: Table, server_version: int,
                     foreign_keys: tuple[ForeignKey, ...] | list[ForeignKey] = (),
                     parents: tuple[Table, ...] | list[Table] = ()) -> str:
    """CREATE TABLE with the given foreign keys inline. A partition without columns of its own
    is created ``PARTITION OF`` its parent; one with columns is created standalone (and
    attached later, see :func:`attach_partition_sql`), which keeps its own column defaults.
    A table that inherits (``parents``: the design's tables it names, in order) lists only the
    columns it declares itself; PostgreSQL adds the rest from the parents (see
    :func:`inherits_inline` for when it is created standalone and attached instead)."""
    name = rel(table.schema, table.name)
    unlogged = "UNLOGGED " if table.unlogged else ""
    cons = constraint_sql(table, server_version, foreign_keys)
    inherits = ""
    if table.partition_of is not None and not table.columns:
        body = f" (\n    {_SEP.join(cons)}\n)" if cons else ""
        text = (f"CREATE {unlogged}TABLE {name} PARTITION OF "
                f"{rel(*table.partition_parent)}{body}\n{_bound(table)}")
    else:
        columns = table.columns
        if table.inherits and inherits_inline(table, parents):
            columns = tuple(c for c in columns if not c.inherited)
            inherits = "\nINHERITS (" + ", ".join(
                rel(schema, parent) for schema, parent in table.parent_keys) + ")"
        items = [column_sql(table, c, server_version) for c in columns] + cons
        body = f"(\n    {_SEP.join(items)}\n)" if items else "()"
        text = f"CREATE {unlogged}TABLE {name} {body}"
    twins = [f"ALTER TABLE {name}\n    ADD {_unique(table, u, server_version)};"
             for u in twin_uniques(table)]
    return "\n".join([f"{text}{inherits}{_partition_by(table)}{options(table.options)};",
                      *twins])


def attach_partition_sql(table: Table) -> list[str]:
    """ATTACH PARTITION for a partition created standalone (it has columns of its own)."""
    if table.partition_of is None or not table.columns:
        return []
    return [(f"ALTER TABLE {rel(*table.partition_parent)} ATTACH PARTITION "
            f"{rel(table.schema, table.name)} {_bound(table)};")]


def add_foreign_key_sql(table: Table, fk: ForeignKey, server_version: int = PG18) -> str:
    """ALTER TABLE … ADD the foreign key (``NOT VALID`` when the design says so)."""
    return (f"ALTER TABLE {rel(table.schema, table.name)}\n    ADD "
            f"{foreign_key_sql(table, fk, server_version)}"
            f"{' NOT VALID' if fk.not_valid else ''};")
