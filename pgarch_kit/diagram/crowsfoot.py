"""Crow's-foot cardinality of a foreign key, read from the schema alone.

For a foreign key from a *child* table to a *parent* table, each end gets one of four marks:

* **parent end** — how many parent rows one child row points to. ``exactly_one`` when every
  FK column is NOT NULL (the row must reference a parent), else ``zero_or_one`` (with
  MATCH SIMPLE a NULL in any FK column leaves the row unreferenced).
* **child end** — how many child rows one parent row can have. ``zero_or_one`` when the FK
  columns cover a uniqueness guarantee of the child: the primary key, a UNIQUE constraint or a
  full (non-partial, column-only) unique index whose columns are all among the FK columns —
  then at most one child row can carry a given parent key, a 1:1 relationship. Otherwise
  ``zero_or_many``.

The child end is never *mandatory* (``exactly_one`` / ``one_or_many``): no declarative
PostgreSQL constraint obliges a parent row to have children (that would take a deferred
constraint trigger, which the schema does not describe), so claiming "at least one" would
be a guess. The names exist so callers and the Mermaid export can still express them.

Graphviz draws a multi-shape arrowhead from the node outwards, so ``teeodot`` puts the bar at
the table and the circle further out, which is how crow's-foot notation reads.
"""
from __future__ import annotations

from typing import Literal

from pgarch_kit.model.design import Design, ForeignKey, Table

__all__ = [
    "ARROWHEADS",
    "MERMAID_LEFT",
    "MERMAID_RIGHT",
    "Cardinality",
    "cardinality",
    "fk_is_identifying",
    "fk_is_unique",
]

Cardinality = Literal["exactly_one", "zero_or_one", "zero_or_many", "one_or_many"]

# Graphviz arrow shapes per end (the first shape sits at the node).
ARROWHEADS: dict[str, str] = {
    "exactly_one": "teetee",
    "zero_or_one": "teeodot",
    "zero_or_many": "crowodot",
    "one_or_many": "crowtee",
}

# Mermaid erDiagram tokens: the entity on the left of ``--`` uses the left form.
MERMAID_LEFT: dict[str, str] = {
    "exactly_one": "||", "zero_or_one": "|o", "zero_or_many": "}o", "one_or_many": "}|",
}
MERMAID_RIGHT: dict[str, str] = {
    "exactly_one": "||", "zero_or_one": "o|", "zero_or_many": "o{", "one_or_many": "|{",
}


def _unique_column_sets(table: Table) -> list[frozenset[str]]:
    """Column sets the table guarantees unique (PK, UNIQUE, full unique indexes on columns)."""
    sets: list[frozenset[str]] = []
    if table.primary_key is not None and table.primary_key.columns:
        sets.append(frozenset(table.primary_key.columns))
    sets.extend(frozenset(u.columns) for u in table.uniques if u.columns)
    for ix in table.indexes:
        # A partial index only guarantees uniqueness among the rows it covers, and an
        # expression index says nothing about the raw column values.
        if ix.unique and ix.where is None and ix.keys and not any(k.expression for k in ix.keys):
            sets.append(frozenset(k.column for k in ix.keys))
    return sets


def fk_is_unique(table: Table, fk: ForeignKey) -> bool:
    """True when at most one row of ``table`` can reference a given parent row (1:1)."""
    cols = frozenset(fk.columns)
    return any(s <= cols for s in _unique_column_sets(table))


def fk_is_identifying(table: Table, fk: ForeignKey) -> bool:
    """True when the FK columns are part of the child's primary key (an identifying
    relationship: the child cannot exist, or be named, without its parent)."""
    pk = table.primary_key
    return pk is not None and bool(fk.columns) and set(fk.columns) <= set(pk.columns)


def cardinality(design: Design, table: Table, fk: ForeignKey) -> tuple[Cardinality, Cardinality]:
    """``(child_end, parent_end)`` of ``fk``, a foreign key of ``table``; see the module
    docstring for the rule. ``design`` is accepted for rules that need the parent table
    (the current rule reads only the child)."""
    del design  # the rule depends on the child table alone
    pk_cols = set(table.primary_key.columns) if table.primary_key else set()
    cols = [table.column(c) for c in fk.columns]
    # Primary-key columns are NOT NULL in PostgreSQL whatever the column says.
    mandatory = bool(cols) and all(
        c is not None and (not c.nullable or c.name in pk_cols) for c in cols)
    parent_end: Cardinality = "exactly_one" if mandatory else "zero_or_one"
    child_end: Cardinality = "zero_or_one" if fk_is_unique(table, fk) else "zero_or_many"
    return child_end, parent_end
