"""Editing operations: pure functions ``Design -> Design`` that the studio (and notebooks) call.

Each function checks its own input — the table and columns exist, names are valid identifiers
and not taken, types can be read — and raises :class:`EditError` (a ``ValueError``) whose
message names the problem and the fix. A failed edit raises before anything is built, so a
caller never sees a half-edited design. Edits do not run the whole of :func:`validate`: a
caller composing several edits validates the result once (the studio refuses a change whose
result has new problems).

Renames propagate the way PostgreSQL propagates them: renaming a table updates every foreign
key, partition, owned sequence and trigger that names it; renaming a column updates keys,
foreign keys on both sides, index keys and INCLUDE lists, partition keys, intents, and the
column name inside check, index and partition expressions (PostgreSQL stores those parsed, so
it renames them too). Removing a column drops what PostgreSQL's ``DROP COLUMN`` drops (this
table's indexes, keys and checks that use it) but refuses, unless ``cascade=True``, when a
foreign key of another table references it or when it is a partition key.

This module is longer than the usual 300 lines because it is one cohesive API (the studio's
verbs) sharing the lookup and naming helpers at the top; if it grows further it splits along its
section rules (tables and columns, the grid, relationships, indexes/enums/intents).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace

from ..errors import PgArchError
from .design import (
    FK_ACTIONS,
    Check,
    Column,
    Design,
    EnumType,
    ForeignKey,
    Index,
    IndexKey,
    PrimaryKey,
    QueryPattern,
    Table,
    TableIntent,
    Unique,
)
from .names import derive_name, identifier_problem, pg_default_name, quote_ident
from .types import parse_type

__all__ = [
    "EditError", "ColumnSpec", "RELATIONSHIP_KINDS",
    "add_table", "remove_table", "rename_table", "set_table_comment",
    "add_column", "update_column", "remove_column", "move_column", "rename_column",
    "set_columns", "set_primary_key", "add_unique", "add_check",
    "add_relationship", "add_index", "remove_index", "add_enum", "set_intent",
    "add_query", "remove_query", "index_name", "column_check_name", "singular",
]

RELATIONSHIP_KINDS = ("1:N", "1:1", "N:M")


class EditError(PgArchError, ValueError):
    """An edit that cannot be made; the message names the problem and the fix."""


# --------------------------------------------------------------------------- helpers

def _fail(problem: str, fix: str) -> EditError:
    return EditError(f"{problem} — fix: {fix}")


def _check_name(name: object, what: str) -> str:
    found = identifier_problem(name)
    if found:
        raise _fail(f"{what} {name!r}: {found[0]}", found[1])
    return name  # type: ignore[return-value]


def _table(design: Design, name: str, schema: str | None = None) -> Table:
    table = design.table(name, schema)
    if table is None:
        names = ", ".join(t.name for t in design.tables) or "none yet"
        raise _fail(f"table {name!r} does not exist", f"pick one of the tables ({names}) "
                    "or add it first")
    return table


def _column(table: Table, name: str) -> Column:
    col = table.column(name)
    if col is None:
        names = ", ".join(c.name for c in table.columns) or "none yet"
        raise _fail(f"column {table.name}.{name} does not exist",
                    f"use one of its columns ({names}) or add the column first")
    return col


def _put(design: Design, old: Table, new: Table) -> Design:
    """Replace ``old`` by ``new`` (same position), even when the name changed."""
    return replace(design, tables=tuple(new if t is old else t for t in design.tables))


def _refs(t: Table, fk: ForeignKey, table: Table) -> bool:
    """Whether ``fk`` of table ``t`` references ``table``."""
    return fk.ref_table == table.name and (fk.ref_schema or t.schema) == table.schema


def _relations(design: Design, schema: str) -> set[str]:
    """Names in a schema's relation namespace: tables, views, sequences, indexes and the
    indexes behind named primary key / unique / exclusion constraints."""
    names = {t.name for t in design.tables if t.schema == schema}
    names |= {v.name for v in design.views if v.schema == schema}
    names |= {s.name for s in design.sequences if s.schema == schema}
    for t in design.tables:
        if t.schema != schema:
            continue
        names |= {ix.name for ix in t.indexes}
        cons = [t.primary_key, *t.uniques, *t.exclusions]
        names |= {c.name for c in cons if c is not None and c.name}
    return names


def _type_names(design: Design, schema: str) -> set[str]:
    objs = [*design.enums, *design.domains, *design.composites, *design.tables, *design.views]
    return {o.name for o in objs if o.schema == schema}


def _constraint_names(t: Table) -> set[str]:
    cons = [t.primary_key, *t.uniques, *t.checks, *t.foreign_keys, *t.exclusions]
    return {c.name for c in cons if c is not None and c.name}


def _free_relation(design: Design, schema: str, name: str, what: str) -> None:
    if name in _relations(design, schema):
        raise _fail(f"{what} name {name!r} is already used in schema {schema!r} (tables, "
                    "indexes, sequences and views share one namespace)",
                    f"choose another name, e.g. {name + '_2'!r}")


def _type_text(text: object) -> str:
    try:
        return str(parse_type(text))  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise _fail(f"cannot read type {text!r}: {exc}",
                    "write a type such as bigint, text, varchar(40) or numeric(12,2)") from None


def _blank(text: str | None) -> str | None:
    return text.strip() or None if isinstance(text, str) else text


def singular(name: str) -> str:
    """A table name's singular for column names: customers → customer, categories →
    category, addresses → address, status → status."""
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"),
                           ("shes", "sh")):
        if name.endswith(plural) and len(name) > len(plural):
            return name[: -len(plural)] + single
    if name.endswith("s") and not name.endswith(("ss", "us", "is")) and len(name) > 1:
        return name[:-1]
    return name


def index_name(table: str, columns: Iterable[str], suffix: str = "idx") -> str:
    """The kit's name for a new index: ``<table>_<columns>_<suffix>`` like PostgreSQL's, cut to
    63 bytes by :func:`~pgarch_kit.model.names.derive_name` without truncation collisions."""
    cols = [re.sub(r"\W+", "_", c).strip("_") or "expr" for c in columns] or ["expr"]
    return derive_name(table, *cols, suffix=suffix)


def column_check_name(table: str, column: str) -> str:
    """The name the table form gives a column's own CHECK (``<table>_<column>_check``)."""
    return derive_name(table, column, suffix="check")


# SQL text tokens: quoted strings/identifiers (kept whole), words, anything else.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_$]*|.", re.S)


def _mentions(expr: str, column: str) -> bool:
    return _rename_in(expr, column, column + "\x00") != expr


def _rename_in(expr: str, old: str, new: str) -> str:
    """Rename a column inside an SQL expression: bare words (folded to lower case, not
    followed by ``(`` — a function call) and quoted identifiers; string literals untouched."""
    out: list[str] = []
    tokens = _TOKEN.findall(expr)
    for i, tok in enumerate(tokens):
        nxt = next((t for t in tokens[i + 1:] if not t.isspace()), "")
        if tok.startswith('"') and tok[1:-1].replace('""', '"') == old:
            out.append(quote_ident(new) if "\x00" not in new else new)
        elif tok[0].isalpha() or tok[0] == "_":
            hit = tok.lower() == old and nxt != "("
            out.append((quote_ident(new) if "\x00" not in new else new) if hit else tok)
        else:
            out.append(tok)
    return "".join(out)


# --------------------------------------------------------------------------- tables

def add_table(design: Design, name: str, *, schema: str = "public", with_id: bool = True,
              comment: str | None = None) -> Design:
    """Add a table; ``with_id`` gives it a ``bigint`` identity primary key ``id``."""
    _check_name(name, "table name")
    _check_name(schema, "schema name")
    _free_relation(design, schema, name, "table")
    if name in _type_names(design, schema):
        raise _fail(f"type {name!r} already exists in schema {schema!r} (a table's row type "
                    "shares the type namespace)", "choose another table name")
    columns: tuple[Column, ...] = ()
    pk = None
    if with_id:
        columns = (Column("id", "bigint", nullable=False, identity="always"),)
        pk = PrimaryKey(("id",))
    table = Table(name, columns, schema=schema, primary_key=pk, comment=_blank(comment))
    return replace(design, tables=(*design.tables, table))


def remove_table(design: Design, name: str, *, schema: str | None = None,
                 cascade: bool = False) -> Design:
    """Remove a table, its triggers and the ownership of sequences it owned. Refuses when
    other tables reference it, are its partitions or inherit from it, unless
    ``cascade=True``, which drops those foreign keys (keeping their columns), the partitions
    and the inheriting tables (as ``DROP TABLE … CASCADE`` does)."""
    table = _table(design, name, schema)
    users = [t.name for t in design.tables if t is not table
             and any(_refs(t, fk, table) for fk in t.foreign_keys)]
    parts = [t.key for t in design.tables if t.partition_parent == table.key]
    heirs = [t.key for t in design.tables if table.key in t.parent_keys]
    if (users or parts or heirs) and not cascade:
        what = [f"referenced by {', '.join(users)}"] if users else []
        what += [f"partitioned into {', '.join(n for _, n in parts)}"] if parts else []
        what += [f"inherited by {', '.join(n for _, n in heirs)}"] if heirs else []
        raise _fail(f"table {name!r} is {' and '.join(what)}",
                    "remove those foreign keys/partitions/children first, or remove with "
                    "cascade=True (drops the foreign keys, keeps their columns)")
    for part_schema, part in parts + heirs:
        if design.table(part, part_schema) is not None:
            design = remove_table(design, part, schema=part_schema, cascade=True)
    table = _table(design, name, table.schema)
    tables = []
    for t in design.tables:
        if t is table:
            continue
        fks = tuple(fk for fk in t.foreign_keys if not _refs(t, fk, table))
        tables.append(t if len(fks) == len(t.foreign_keys) else replace(t, foreign_keys=fks))
    sequences = tuple(replace(s, owned_by=None) if s.owned_by and s.schema == table.schema
                      and s.owned_by[0] == name else s for s in design.sequences)
    triggers = tuple(tr for tr in design.triggers
                     if not (tr.table == name and tr.schema == table.schema))
    return _privileges_follow(replace(design, tables=tuple(tables), sequences=sequences,
                                      triggers=triggers), table.schema, name, None)


def rename_table(design: Design, old: str, new: str, *, schema: str | None = None) -> Design:
    """Rename a table and every reference to it: foreign keys, partitions, inheriting
    tables, owned sequences, triggers. Index and constraint names are kept (PostgreSQL keeps
    them too)."""
    table = _table(design, old, schema)
    _check_name(new, "table name")
    if new == old:
        return design
    _free_relation(design, table.schema, new, "table")
    if new in _type_names(design, table.schema):
        raise _fail(f"type {new!r} already exists in schema {table.schema!r}",
                    "choose another table name")
    s = table.schema
    tables = []
    for t in design.tables:
        fks = tuple(replace(fk, ref_table=new) if _refs(t, fk, table) else fk
                    for fk in t.foreign_keys)
        changes: dict[str, object] = {"foreign_keys": fks}
        if t.partition_parent == table.key:
            changes["partition_of"] = new
        if table.key in t.parent_keys:
            changes["inherits"] = tuple(replace(r, name=new) if (r.schema or t.schema, r.name)
                                        == table.key else r for r in t.inherits)
        if t is table:
            changes["name"] = new
        tables.append(replace(t, **changes))
    sequences = tuple(replace(q, owned_by=(new, q.owned_by[1])) if q.owned_by and q.schema == s
                      and q.owned_by[0] == old else q for q in design.sequences)
    triggers = tuple(replace(tr, table=new) if tr.table == old and tr.schema == s else tr
                     for tr in design.triggers)
    return _privileges_follow(replace(design, tables=tuple(tables), sequences=sequences,
                                      triggers=triggers), s, old, new)


def _privileges_follow(design: Design, schema: str, old: str, new: str | None,
                       column: str | None = None, new_column: str | None = None) -> Design:
    """Grants, owners and rules of a table (or, with ``column``, a column's grants) follow
    it when it is renamed (``new``) and go with it when it is removed (``None``)."""
    def mine(kind: str, s: str, n: str, c: str | None = None) -> bool:
        return (s, n) == (schema, old) and kind in ("table", "column") and (
            column is None or c == column)
    grants, rules, owners = [], [], []
    for g in design.grants:
        if not mine(g.kind, g.schema, g.name, g.column):
            grants.append(g)
        elif column is not None and new_column is not None:
            grants.append(replace(g, column=new_column))
        elif column is None and new is not None:
            grants.append(replace(g, name=new))
    if column is None:
        for o in design.owners:
            if not mine(o.kind, o.schema, o.name):
                owners.append(o)
            elif new is not None:
                owners.append(replace(o, name=new))
        for r in design.rules:  # the statement names the table: like a trigger, it is kept
            if (r.schema, r.table) != (schema, old):
                rules.append(r)
            elif new is not None:
                rules.append(replace(r, table=new))
    return replace(design, grants=tuple(grants),
                   owners=tuple(owners) if column is None else design.owners,
                   rules=tuple(rules) if column is None else design.rules)


def set_table_comment(design: Design, table: str, comment: str | None) -> Design:
    t = _table(design, table)
    return _put(design, t, replace(t, comment=_blank(comment)))


# --------------------------------------------------------------------------- columns

def add_column(design: Design, table: str, column: Column, *,
               position: int | None = None) -> Design:
    """Add a column at ``position`` (default: last)."""
    t = _table(design, table)
    _check_name(column.name, "column name")
    _type_text(column.type)
    if t.column(column.name) is not None:
        raise _fail(f"column {table}.{column.name} already exists",
                    "choose another name or edit the existing column")
    if column.identity is not None and column.nullable:
        column = replace(column, nullable=False)  # PostgreSQL makes identity NOT NULL
    cols = list(t.columns)
    cols.insert(len(cols) if position is None else position, column)
    return _put(design, t, replace(t, columns=tuple(cols)))


_COLUMN_FIELDS = {f.name for f in fields(Column)}


def update_column(design: Design, table: str, name: str, /, **changes: object) -> Design:
    """Change fields of a column (``type``, ``nullable``, ``default`` …); a ``name`` change
    is a :func:`rename_column`."""
    unknown = set(changes) - _COLUMN_FIELDS
    if unknown:
        raise _fail(f"unknown column field(s) {sorted(unknown)}",
                    f"use some of {sorted(_COLUMN_FIELDS)}")
    t = _table(design, table)
    col = _column(t, name)
    new_name = changes.pop("name", name)
    if "type" in changes:
        changes["type"] = _type_text(changes["type"])
    for key in ("default", "generated", "collation", "comment"):
        if key in changes:
            changes[key] = _blank(changes[key])  # type: ignore[arg-type]
    if changes:
        cols = tuple(replace(c, **changes) if c is col else c for c in t.columns)
        design = _put(design, t, replace(t, columns=cols))
    if new_name != name:
        design = rename_column(design, table, name, new_name)  # type: ignore[arg-type]
    return design


def _uses(t: Table, column: str) -> dict[str, list[str]]:
    """What of table ``t`` uses ``column``, by kind (for messages and cascades)."""
    used: dict[str, list[str]] = {}
    pk = t.primary_key
    if pk and (column in pk.columns or column in pk.include):
        used.setdefault("primary key", []).append(
            pk.name or pg_default_name(t.name, (), "pkey"))
    for u in t.uniques:
        if column in u.columns or column in u.include:
            used.setdefault("unique", []).append(u.name or ",".join(u.columns))
    for fk in t.foreign_keys:
        if column in fk.columns:
            used.setdefault("foreign key", []).append(fk.name or ",".join(fk.columns))
    for ck in t.checks:
        if _mentions(ck.expression, column):
            used.setdefault("check", []).append(ck.name or ck.expression)
    for ix in t.indexes:
        if column in ix.include or any(_mentions(k.column, column) if k.expression
                                       else k.column == column for k in ix.keys) \
                or (ix.where and _mentions(ix.where, column)):
            used.setdefault("index", []).append(ix.name)
    return used


def remove_column(design: Design, table: str, name: str, *, cascade: bool = False) -> Design:
    """Remove a column and, like PostgreSQL's DROP COLUMN, this table's keys, checks and
    indexes that use it. Refuses when it is a partition key, or (unless ``cascade``) when
    another table's foreign key references it."""
    t = _table(design, table)
    _column(t, name)
    if t.partition_by and any(k == name or _mentions(k, name) for k in t.partition_by.keys):
        raise _fail(f"column {table}.{name} is a partition key",
                    "change the table's partitioning before removing the column")
    users = [o for o in design.tables
             if any(_refs(o, fk, t) and name in fk.ref_columns for fk in o.foreign_keys)]
    if users and not cascade:
        raise _fail(f"column {table}.{name} is referenced by foreign keys of "
                    f"{', '.join(o.name for o in users)}",
                    "remove those foreign keys first, or remove with cascade=True")
    pk = t.primary_key
    if pk and (name in pk.columns or name in pk.include):
        pk = None
    intent = t.intent
    for attr in ("soft_delete", "tenant_key"):
        if getattr(intent, attr) == name:
            intent = replace(intent, **{attr: None})
    dropped = {n for names in _uses(t, name).values() for n in names}
    new = replace(
        t, columns=tuple(c for c in t.columns if c.name != name), primary_key=pk,
        uniques=tuple(u for u in t.uniques if name not in u.columns and name not in u.include),
        foreign_keys=tuple(fk for fk in t.foreign_keys if name not in fk.columns),
        checks=tuple(c for c in t.checks if not _mentions(c.expression, name)),
        indexes=tuple(ix for ix in t.indexes if ix.name not in dropped), intent=intent)
    design = _put(design, t, new)
    tables = []
    for o in design.tables:
        fks = tuple(fk for fk in o.foreign_keys
                    if not (_refs(o, fk, new) and name in fk.ref_columns))
        tables.append(o if len(fks) == len(o.foreign_keys) else replace(o, foreign_keys=fks))
    return _privileges_follow(replace(design, tables=tuple(tables)), t.schema, table, table,
                              name)


def move_column(design: Design, table: str, name: str, direction: str | int) -> Design:
    """Move a column ``"up"``/``"down"`` (or by a signed offset); stops at the ends."""
    t = _table(design, table)
    _column(t, name)
    if direction not in ("up", "down") and not isinstance(direction, int):
        raise _fail(f"direction {direction!r} is unknown", "use 'up', 'down' or an offset")
    step = {"up": -1, "down": 1}.get(direction, direction)  # type: ignore[arg-type]
    cols = list(t.columns)
    i = next(i for i, c in enumerate(cols) if c.name == name)
    j = max(0, min(len(cols) - 1, i + int(step)))
    cols.insert(j, cols.pop(i))
    return _put(design, t, replace(t, columns=tuple(cols)))


def rename_column(design: Design, table: str, old: str, new: str) -> Design:
    """Rename a column everywhere it is named (see the module docstring), including the
    same column of the table's partitions."""
    t = _table(design, table)
    _column(t, old)
    _check_name(new, "column name")
    if new == old:
        return design
    if t.column(new) is not None:
        raise _fail(f"column {table}.{new} already exists", "choose another name")

    def ren(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(new if n == old else n for n in names)

    def key(k: IndexKey) -> IndexKey:
        if k.expression:
            return replace(k, column=_rename_in(k.column, old, new))
        return replace(k, column=new) if k.column == old else k

    pk = t.primary_key and replace(t.primary_key, columns=ren(t.primary_key.columns),
                                   include=ren(t.primary_key.include))
    pb = t.partition_by and replace(t.partition_by, keys=tuple(
        new if k == old else _rename_in(k, old, new) if k.lstrip().startswith("(") else k
        for k in t.partition_by.keys))
    intent = t.intent
    for attr in ("soft_delete", "tenant_key"):
        if getattr(intent, attr) == old:
            intent = replace(intent, **{attr: new})
    renamed = replace(
        t, columns=tuple(replace(c, name=new) if c.name == old else c for c in t.columns),
        primary_key=pk, partition_by=pb, intent=intent,
        uniques=tuple(replace(u, columns=ren(u.columns), include=ren(u.include))
                      for u in t.uniques),
        checks=tuple(replace(c, expression=_rename_in(c.expression, old, new))
                     for c in t.checks),
        foreign_keys=tuple(replace(fk, columns=ren(fk.columns)) for fk in t.foreign_keys),
        indexes=tuple(replace(ix, keys=tuple(key(k) for k in ix.keys), include=ren(ix.include),
                              where=ix.where and _rename_in(ix.where, old, new))
                      for ix in t.indexes))
    design = _put(design, t, renamed)
    tables = []
    for o in design.tables:
        fks = tuple(replace(fk, ref_columns=ren(fk.ref_columns)) if _refs(o, fk, renamed)
                    else fk for fk in o.foreign_keys)
        tables.append(replace(o, foreign_keys=fks))
    sequences = tuple(replace(s, owned_by=(table, new)) if s.owned_by == (table, old)
                      and s.schema == t.schema else s for s in design.sequences)
    design = _privileges_follow(replace(design, tables=tuple(tables), sequences=sequences),
                                t.schema, table, table, old, new)
    for part in design.tables:  # PostgreSQL renames it in every partition and child too
        if (part.partition_parent == t.key or t.key in part.parent_keys) \
                and part.column(old):
            design = rename_column(design, part.name, old, new)
    return design


# --------------------------------------------------------------------------- the column grid

@dataclass(frozen=True)
class ColumnSpec:
    """One row of a column grid: what the column should be after the edit. ``was`` is the
    column's name before the edit (``None`` for a new column). ``unique`` is a single-column
    unique constraint; ``check`` the column's check, named ``<table>_<column>_check`` as
    PostgreSQL names a column check."""

    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    unique: bool = False
    check: str | None = None
    primary_key: bool = False
    was: str | None = None


def set_columns(design: Design, table: str, specs: Sequence[ColumnSpec]) -> Design:
    """Make a table's columns what a grid says, through the single-column edits: renames
    first (so keys and references follow), then removals, additions, changes, order,
    single-column uniques and checks, and the primary key (in grid order)."""
    t = _table(design, table)
    names = [s.name for s in specs]
    for s in specs:
        _check_name(s.name, "column name")
        _type_text(s.type)
        if s.was is not None:
            _column(t, s.was)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(f"column name(s) {dupes} appear twice in {table}", "give each column "
                    "its own name")
    kept = {s.was for s in specs if s.was is not None}
    for s in specs:  # renames, refusing a rename onto a column that stays
        if s.was is not None and s.was != s.name:
            if t.column(s.name) is not None and s.name in kept:
                raise _fail(f"cannot rename {s.was!r} to {s.name!r}: that column exists",
                            "rename in two steps (through a temporary name)")
    for c in t.columns:  # removals first, so a new name may reuse a removed one
        if c.name not in kept:
            design = remove_column(design, table, c.name)
    for s in specs:
        if s.was is not None and s.was != s.name:
            design = rename_column(design, table, s.was, s.name)
    for s in specs:
        col = _table(design, table).column(s.name)
        if col is None:
            design = add_column(design, table, Column(s.name, s.type, s.nullable,
                                                      _blank(s.default)))
        else:
            design = update_column(design, table, s.name, type=s.type, default=s.default,
                                   nullable=s.nullable and col.identity is None)
    t = _table(design, table)
    cols = tuple(t.column(n) for n in names)
    single = {u.columns[0]: u for u in t.uniques if len(u.columns) == 1 and not u.include}
    uniques = [u for u in t.uniques if not (len(u.columns) == 1 and not u.include
                                            and u.columns[0] in names)]
    uniques += [single.get(s.name) or Unique((s.name,)) for s in specs if s.unique]
    checks = {column_check_name(table, n) for s in specs for n in (s.name, s.was) if n}
    own = [c for c in t.checks if c.name not in checks]
    own += [Check(s.check.strip(), column_check_name(table, s.name)) for s in specs
            if s.check and s.check.strip()]
    design = _put(design, t, replace(t, columns=cols, uniques=tuple(uniques),  # type: ignore
                                     checks=tuple(own)))
    pk_cols = tuple(s.name for s in specs if s.primary_key)
    current = _table(design, table).primary_key
    if pk_cols != (current.columns if current else ()):
        design = set_primary_key(design, table, pk_cols)
    return design


# --------------------------------------------------------------------------- constraints

def set_primary_key(design: Design, table: str, columns: Sequence[str], *,
                    name: str | None = None) -> Design:
    """Set (or, with no columns, remove) the primary key; its columns become NOT NULL, as
    PostgreSQL makes them."""
    t = _table(design, table)
    columns = tuple(columns)
    for c in columns:
        _column(t, c)
    if name is not None:
        _check_name(name, "constraint name")
    if not columns:
        return _put(design, t, replace(t, primary_key=None))
    cols = tuple(replace(c, nullable=False) if c.name in columns else c for c in t.columns)
    pk = PrimaryKey(columns, name=name)
    return _put(design, t, replace(t, columns=cols, primary_key=pk))


def add_unique(design: Design, table: str, columns: Sequence[str], *,
               name: str | None = None) -> Design:
    t = _table(design, table)
    columns = tuple(columns)
    if not columns:
        raise _fail("a unique constraint needs columns", "list at least one column")
    for c in columns:
        _column(t, c)
    if any(u.columns == columns for u in t.uniques):
        raise _fail(f"{table} already has a unique constraint on {list(columns)}",
                    "keep the existing one")
    if name is not None:
        _check_name(name, "constraint name")
        if name in _constraint_names(t):
            raise _fail(f"constraint {name!r} already exists on {table}", "choose another name")
        _free_relation(design, t.schema, name, "constraint")
    return _put(design, t, replace(t, uniques=(*t.uniques, Unique(columns, name=name))))


def add_check(design: Design, table: str, expression: str, *, name: str | None = None
              ) -> Design:
    t = _table(design, table)
    if not isinstance(expression, str) or not expression.strip():
        raise _fail("the check has no expression", "write a condition such as `price >= 0`")
    if name is not None:
        _check_name(name, "constraint name")
        if name in _constraint_names(t):
            raise _fail(f"constraint {name!r} already exists on {table}", "choose another name")
    return _put(design, t, replace(t, checks=(*t.checks, Check(expression.strip(), name))))


# --------------------------------------------------------------------------- relationships

def _fk_columns(child: Table, parent: Table, self_ref: bool) -> list[tuple[str, Column]]:
    """(name, parent column) for the columns that reference ``parent``'s primary key."""
    assert parent.primary_key is not None
    stem = "parent" if self_ref else singular(parent.name)
    return [(derive_name(stem, pk), _column(parent, pk)) for pk in parent.primary_key.columns]


def _plain(col: Column, name: str, nullable: bool) -> Column:
    """A referencing column: the referenced type without identity, default or generation."""
    return Column(name, col.type, nullable=nullable)


def add_relationship(design: Design, child: str, parent: str, *, kind: str = "1:N",
                     required: bool = True, on_delete: str = "NO ACTION",
                     name: str | None = None) -> Design:
    """Connect two tables. ``1:N``: ``child`` gets ``<parent_singular>_<pk>`` (reused when it
    already exists with the right type), a foreign key and an index on it (foreign key columns
    should be indexed). ``1:1``: the same with a UNIQUE constraint instead of the index (the
    constraint's index serves both). ``N:M``: a join table ``<child>_<parent>`` (or ``name``)
    with a foreign key to each side, a composite primary key over both and an index on the
    second side's columns. ``name`` names the foreign key (1:N, 1:1) or the join table."""
    if kind not in RELATIONSHIP_KINDS:
        raise _fail(f"relationship kind {kind!r} is unknown", "use 1:N, 1:1 or N:M")
    action = str(on_delete).upper().strip()
    if action not in FK_ACTIONS:
        raise _fail(f"ON DELETE {on_delete!r} is unknown", f"use one of {', '.join(FK_ACTIONS)}")
    c, p = _table(design, child), _table(design, parent)
    for t in (c, p) if kind == "N:M" else (p,):
        if t.primary_key is None:
            raise _fail(f"table {t.name!r} has no primary key to reference",
                        f"give {t.name} a primary key first (e.g. an id column)")
    if kind == "N:M":
        return _many_to_many(design, c, p, action, name)
    if action == "SET NULL" and required:
        raise _fail("ON DELETE SET NULL needs a nullable column but the relationship is "
                    "required", "untick 'required' or choose another ON DELETE action")
    pairs = _fk_columns(c, p, c is p)
    cols = list(c.columns)
    for col_name, ref in pairs:
        _check_name(col_name, "column name")
        have = c.column(col_name)
        if have is None:
            cols.append(_plain(ref, col_name, not required))
        elif have.type != ref.type:
            raise _fail(f"{child}.{col_name} exists with type {have.type}, but "
                        f"{parent}.{ref.name} is {ref.type}",
                        f"change {col_name} to {ref.type} or rename it first")
        else:
            cols[cols.index(have)] = replace(have, nullable=have.nullable and not required)
    if action == "SET DEFAULT" and any(c.column(n) is None or c.column(n).default is None
                                       for n, _ in pairs):
        raise _fail("ON DELETE SET DEFAULT needs a default on the referencing column",
                    "add the column with a default first, or choose another action")
    names = tuple(n for n, _ in pairs)
    fk_name = name or derive_name(child, *names, suffix="fkey")
    _check_name(fk_name, "foreign key name")
    if fk_name in _constraint_names(c):
        raise _fail(f"constraint {fk_name!r} already exists on {child}",
                    "pass another name, or remove the existing foreign key")
    fk = ForeignKey(names, p.name, p.primary_key.columns,  # type: ignore[union-attr]
                    ref_schema=None if p.schema == c.schema else p.schema, name=fk_name,
                    on_delete=action)
    new = replace(c, columns=tuple(cols), foreign_keys=(*c.foreign_keys, fk))
    covered = _leading(new, names)
    if kind == "1:1" and not any(u.columns == names for u in new.uniques) and not (
            new.primary_key and new.primary_key.columns == names):
        new = replace(new, uniques=(*new.uniques, Unique(names)))
    elif kind == "1:N" and not covered:
        ix = index_name(child, names)
        _free_relation(design, c.schema, ix, "index")
        new = replace(new, indexes=(*new.indexes, Index(ix, tuple(IndexKey(n) for n in names))))
    return _put(design, c, new)


def _leading(t: Table, names: tuple[str, ...]) -> bool:
    """Whether an index (or key) of ``t`` starts with ``names`` — it serves the FK."""
    keys = [ix.keys for ix in t.indexes if ix.where is None]
    lists = [tuple(k.column for k in ks if not k.expression) for ks in keys]
    lists += [u.columns for u in t.uniques]
    lists += [t.primary_key.columns] if t.primary_key else []
    return any(cols[: len(names)] == names for cols in lists)


def _many_to_many(design: Design, a: Table, b: Table, action: str, name: str | None
                  ) -> Design:
    join = name or derive_name(a.name, b.name)
    _check_name(join, "join table name")
    _free_relation(design, a.schema, join, "join table")
    left = [(derive_name(singular(a.name), pk), _column(a, pk)) for pk in a.primary_key.columns]  # type: ignore[union-attr]
    stem = f"related_{singular(b.name)}" if a is b else singular(b.name)
    right = [(derive_name(stem, pk), _column(b, pk)) for pk in b.primary_key.columns]  # type: ignore[union-attr]
    cols = tuple(_plain(ref, n, False) for n, ref in (*left, *right))
    ln, rn = tuple(n for n, _ in left), tuple(n for n, _ in right)
    fks = tuple(ForeignKey(names, t.name, t.primary_key.columns,  # type: ignore[union-attr]
                           ref_schema=None if t.schema == a.schema else t.schema,
                           name=derive_name(join, *names, suffix="fkey"), on_delete=action)
                for names, t in ((ln, a), (rn, b)))
    ix = Index(index_name(join, rn), tuple(IndexKey(n) for n in rn))
    table = Table(join, cols, schema=a.schema, primary_key=PrimaryKey((*ln, *rn)),
                  foreign_keys=fks, indexes=(ix,))
    return replace(design, tables=(*design.tables, table))


# --------------------------------------------------------------------------- indexes, enums

def add_index(design: Design, table: str, index: Index) -> Design:
    """Add an index; an empty ``index.name`` gets PostgreSQL's default name
    (``<table>_<columns>_idx``)."""
    t = _table(design, table)
    if not index.keys:
        raise _fail("the index has no keys", "pick at least one column or write an expression")
    for k in index.keys:
        if k.expression:
            if not k.column.strip():
                raise _fail("an index expression is empty", "write e.g. lower(email)")
        else:
            _column(t, k.column)
    for c in index.include:
        _column(t, c)
    if index.unique and index.method != "btree":  # PostgreSQL: only btree enforces unique
        raise _fail(f"a {index.method} index cannot be unique", "use method btree for a "
                    "unique index")
    if index.include and index.method not in ("btree", "gist", "spgist"):
        raise _fail(f"a {index.method} index cannot have INCLUDE columns",
                    "use btree, gist or spgist, or drop the INCLUDE columns")
    if not index.name:
        index = replace(index, name=index_name(table, [k.column for k in index.keys]))
    _check_name(index.name, "index name")
    _free_relation(design, t.schema, index.name, "index")
    index = replace(index, where=_blank(index.where))
    return _put(design, t, replace(t, indexes=(*t.indexes, index)))


def remove_index(design: Design, table: str, name: str) -> Design:
    t = _table(design, table)
    if not any(ix.name == name for ix in t.indexes):
        raise _fail(f"index {name!r} does not exist on {table}",
                    f"use one of {[ix.name for ix in t.indexes]}")
    return _put(design, t, replace(t, indexes=tuple(ix for ix in t.indexes if ix.name != name)))


def add_enum(design: Design, enum: EnumType) -> Design:
    """Add an enum type; values must be non-empty, distinct text."""
    _check_name(enum.name, "enum name")
    if enum.name in _type_names(design, enum.schema):
        raise _fail(f"type {enum.name!r} already exists in schema {enum.schema!r}",
                    "choose another name")
    values = tuple(v.strip() if isinstance(v, str) else v for v in enum.values)
    if not values or any(not isinstance(v, str) or not v for v in values):
        raise _fail(f"enum {enum.name!r} needs non-empty text values",
                    "list values separated by commas, e.g. pending, paid, shipped")
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise _fail(f"enum {enum.name!r} repeats value(s) {dupes}", "list each value once")
    return replace(design, enums=(*design.enums, replace(enum, values=values)))


_INTENT_FIELDS = {f.name for f in fields(TableIntent)}


def set_intent(design: Design, table: str, /, **changes: object) -> Design:
    """Change a table's intents (rows, growth_per_month, soft_delete, audit, tenant_key,
    retention_months, notes); columns named must exist, counts are whole numbers ≥ 0 or
    ``None``."""
    t = _table(design, table)
    unknown = set(changes) - _INTENT_FIELDS
    if unknown:
        raise _fail(f"unknown intent field(s) {sorted(unknown)}",
                    f"use some of {sorted(_INTENT_FIELDS)}")
    for key in ("rows", "growth_per_month", "retention_months"):
        value = changes.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise _fail(f"{key} must be a whole number ≥ 0, got {value!r}",
                        f"write e.g. {key}=100000, or None when unknown")
    for key in ("soft_delete", "tenant_key", "notes"):
        if key in changes:
            changes[key] = _blank(changes[key])  # type: ignore[arg-type]
    for key in ("soft_delete", "tenant_key"):
        if changes.get(key) is not None:
            _column(t, changes[key])  # type: ignore[arg-type]
    if "audit" in changes and not isinstance(changes["audit"], bool):
        raise _fail(f"audit must be True or False, got {changes['audit']!r}", "pass a bool")
    return _put(design, t, replace(t, intent=replace(t.intent, **changes)))


def add_query(design: Design, name: str, sql: str, *, per_second: float | None = None,
              critical: bool = False, params: Sequence[str] = (),
              param_sources: dict[str, str | Sequence[str]] | None = None,
              skew: str | None = None) -> Design:
    """Add a query pattern: what the application will run and how often. The advisor checks
    the design's indexes against it; benchmarks time it, load-test it and fit its growth."""
    if not isinstance(name, str) or not name.strip():
        raise _fail("a query pattern needs a name", "write e.g. 'recent_orders_of_customer'")
    name = name.strip()
    if any(q.name == name for q in design.queries):
        raise _fail(f"query pattern {name!r} already exists", "choose another name, or "
                    "remove_query() the old one first")
    if not isinstance(sql, str) or not sql.strip():
        raise _fail(f"query pattern {name!r} has no SQL", "write the statement, with "
                    ":name parameters, e.g. SELECT … WHERE customer_id = :customer_id")
    if per_second is not None and (isinstance(per_second, bool) or per_second < 0):
        raise _fail(f"per_second must be a number ≥ 0, got {per_second!r}",
                    "write how many times per second it runs, e.g. 50")
    sources = tuple((k, v if isinstance(v, str) else tuple(str(x) for x in v))
                    for k, v in (param_sources or {}).items())
    q = QueryPattern(name, sql.strip(), per_second, tuple(params), critical, sources, skew)
    return replace(design, queries=(*design.queries, q))


def remove_query(design: Design, name: str) -> Design:
    if not any(q.name == name for q in design.queries):
        raise _fail(f"query pattern {name!r} does not exist",
                    f"use one of {[q.name for q in design.queries]}")
    return replace(design, queries=tuple(q for q in design.queries if q.name != name))
