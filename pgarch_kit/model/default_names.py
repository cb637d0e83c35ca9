"""The names PostgreSQL gives a table's unnamed constraints, predicted from the design.

A design may leave a primary key, unique, check, exclusion or foreign key unnamed; the kit then
renders it without ``CONSTRAINT name`` and PostgreSQL chooses the name. Lint findings, reports,
ORM models and migrations still need that name, and guessing it by cutting
``f"{table}_{column}_check"`` to 63 *characters* is wrong for multibyte names (PostgreSQL cuts
bytes, and shortens the longer of table and column part first) and for repeats (the second
unnamed check on a column is ``…_check1``). :func:`constraint_names` follows PostgreSQL's
order for one ``CREATE TABLE``: checks, then (PostgreSQL 18) NOT NULL constraints, then the
index-backed primary key, uniques and exclusions, then foreign keys, each avoiding the names
taken before it on the table. It cannot see names other tables of the schema already hold, so
migrate, which must be sure, reads the real names from the database it changes.

A column that only comes from an INHERITS parent (or a partition made ``PARTITION OF``) gets
its NOT NULL constraint from the parent, under the parent's name:
:func:`not_null_names` follows that through the design. An identity column's sequence is
``<table>_<column>_seq`` (:func:`identity_sequence_name`).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .design import Check, Design, Exclusion, ForeignKey, Table, Unique
from .names import pg_default_name

__all__ = ["ConstraintNames", "check_columns", "constraint_names", "identity_sequence_name",
           "not_null_names"]


@dataclass(frozen=True)
class ConstraintNames:
    """Every constraint name of one table, explicit or predicted, in the table's order."""

    primary_key: str | None
    uniques: tuple[str, ...]
    checks: tuple[str, ...]
    exclusions: tuple[str, ...]
    foreign_keys: tuple[str, ...]
    not_nulls: tuple[tuple[str, str], ...] = ()  # (column, name), PostgreSQL 18, own columns

    def of(self, table: Table, con: Unique | Check | Exclusion | ForeignKey) -> str:
        """The name of ``con``, one of ``table``'s constraints (matched by identity first)."""
        for items, names in ((table.uniques, self.uniques), (table.checks, self.checks),
                             (table.exclusions, self.exclusions),
                             (table.foreign_keys, self.foreign_keys)):
            for i, x in enumerate(items):
                if x is con:
                    return names[i]
            for i, x in enumerate(items):
                if x == con:
                    return names[i]
        raise KeyError(f"{con!r} is not a constraint of table {table.name}")


@functools.lru_cache(maxsize=4096)  # the advisor asks for every table's names in many rules
def check_columns(expression: str) -> tuple[str, ...]:
    """The distinct columns a CHECK expression reads, as PostgreSQL's parser sees them
    (PostgreSQL names an unnamed check after its column only when there is exactly one)."""
    try:
        from pglast import parse_sql
        from pglast.visitors import Visitor
    except ImportError:  # pragma: no cover - pglast is a dependency
        return _regex_columns(expression)
    try:
        tree = parse_sql(f"SELECT {expression}")
    except Exception:  # the validator reports unparsable expressions; a guess is enough here
        return _regex_columns(expression)
    found: list[str] = []

    class _Refs(Visitor):  # type: ignore[misc]
        def visit_ColumnRef(self, ancestors: object, node: object) -> None:
            fields = getattr(node, "fields", ()) or ()
            last = fields[-1] if fields else None
            name = getattr(last, "sval", None)
            if name is not None and name not in found:
                found.append(name)

    _Refs()(tree)
    return tuple(found)


def _regex_columns(expression: str) -> tuple[str, ...]:
    out: list[str] = []
    for w in re.findall(r'"((?:[^"]|"")+)"|(\w+)', expression):
        name = w[0].replace('""', '"') if w[0] else w[1].lower()
        if name not in out:
            out.append(name)
    return tuple(out)


def _element_name(expression: str) -> str:
    text = expression.strip()
    if text.startswith('"') and text.endswith('"') and '"' not in text[1:-1].replace('""', ""):
        return text[1:-1].replace('""', '"')
    if re.fullmatch(r"\w+", text):
        return text.lower()
    return "expr"  # PostgreSQL's index column name for an expression it cannot name


def constraint_names(table: Table, *, server_version: int = 180000,
                     reserved: frozenset[str] = frozenset()) -> ConstraintNames:
    """Explicit names as written, PostgreSQL's names for the unnamed ones (see the module
    documentation for the order and what cannot be seen from one table). ``reserved``: the
    constraint names the schema already holds when the table is created (PostgreSQL numbers
    a default name that one of them has taken)."""
    cons = [table.primary_key, *table.uniques, *table.checks, *table.exclusions,
            *table.foreign_keys]
    taken: set[str] = {c.name for c in cons if c is not None and c.name} | set(reserved)
    taken |= {c.not_null_name for c in table.columns if c.not_null_name}
    rels: set[str] = {table.name, *(i.name for i in table.indexes)}

    def choose(columns: tuple[str, ...], label: str, relation: bool = False) -> str:
        name = pg_default_name(table.name, columns, label, taken | rels if relation else taken)
        taken.add(name)
        if relation:
            rels.add(name)
        return name

    checks: list[str] = []
    for c in table.checks:
        if c.name:
            checks.append(c.name)
            continue
        cols = [x for x in check_columns(c.expression) if table.column(x) is not None]
        checks.append(choose((cols[0],) if len(cols) == 1 else (), "check"))
    not_nulls: list[tuple[str, str]] = []
    if server_version >= 180000:  # PostgreSQL 18 catalogs NOT NULL as named constraints
        pk_cols = set(table.primary_key.columns) if table.primary_key else set()
        for col in table.columns:
            if col.inherited:
                continue  # from the parent
            if col.not_null_name and not col.nullable:
                not_nulls.append((col.name, col.not_null_name))
            elif not col.nullable or col.name in pk_cols:
                not_nulls.append((col.name, choose((col.name,), "not_null")))
    pk = table.primary_key
    pk_name = None if pk is None else (pk.name or choose((), "pkey", relation=True))
    uniques = tuple(u.name or choose(u.columns, "key", relation=True) for u in table.uniques)
    excl = tuple(x.name or choose(tuple(_element_name(e.expression) for e in x.elements),
                                  "excl", relation=True) for x in table.exclusions)
    fks = tuple(fk.name or choose(fk.columns, "fkey") for fk in table.foreign_keys)
    return ConstraintNames(pk_name, uniques, tuple(checks), excl, fks, tuple(not_nulls))


def not_null_names(design: Design, table: Table,
                   reserved: frozenset[str] = frozenset()) -> dict[str, str]:
    """Column -> name of its NOT NULL constraint under PostgreSQL 18, for every NOT NULL
    column of ``table`` as the kit's DDL creates it: explicit names as written, the table's
    own prediction for its own columns (avoiding ``reserved``, the names the schema holds
    already), and for a column that only comes from a parent the parent's name (PostgreSQL
    copies it). A partition made ``PARTITION OF`` (no columns of its own) has its parent's
    names."""
    return _not_null_names(design, table, frozenset(), reserved)


def _not_null_names(design: Design, table: Table, seen: frozenset,
                    reserved: frozenset[str] = frozenset()) -> dict[str, str]:
    if table.key in seen:
        return {}
    seen = seen | {table.key}
    if table.partition_of is not None and not table.columns:
        parent = design.table(table.partition_of, table.partition_parent[0])
        return {} if parent is None else _not_null_names(design, parent, seen)
    out = dict(constraint_names(table, reserved=reserved).not_nulls)
    parents = [p for p in (design.table(n, s) for s, n in table.parent_keys) if p is not None]
    for col in table.columns:
        if not col.inherited or col.nullable:
            continue
        if col.not_null_name:
            out[col.name] = col.not_null_name
            continue
        for parent in parents:
            name = _not_null_names(design, parent, seen).get(col.name)
            if name is not None:
                out[col.name] = name
                break
        else:  # the parents allow NULL: the table's own NOT NULL, named as its own
            out[col.name] = pg_default_name(table.name, (col.name,), "not_null",
                                            set(out.values()) | reserved)
    return out


def identity_sequence_name(table: Table, column: str) -> str:
    """The name PostgreSQL gives an identity column's sequence when the design names none."""
    return pg_default_name(table.name, (column,), "seq")
