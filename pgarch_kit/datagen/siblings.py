"""Rows that come in groups pointing at each other (eVaka's ``fridge_partner``: the two
partners of a partnership).

The shape: a key ``(g, k)`` where ``k`` takes a few values (``CHECK (indx BETWEEN 1 AND 2)``),
and a reference ``(g, other) -> (g, k)`` to the same table with ``CHECK (k <> other)``. Rows
are laid out in groups of ``m`` = the number of ``k`` values: row ``i`` belongs to group
``i // m``, takes the ``(i % m)``-th value of ``k`` and points at the next sibling. Columns an
exclusion keeps equal within a group (``EXCLUDE (g WITH =, end_date WITH <>)``) are read at
the group's first row; a reference that a ``UNIQUE (g, person_id)`` keeps distinct within the
group takes consecutive parents.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model.design import Table

__all__ = ["Siblings", "find_siblings"]

_MAX_GROUP = 12


@dataclass(frozen=True)
class Siblings:
    fk: int                              # the reference to the sibling row
    group: tuple[str, ...]               # g: the same for every row of a group
    key: str                             # k: one value per row of the group
    other: str                           # the sibling's k
    values: tuple[str, ...]              # the values of k, in order (m = len)
    same: frozenset[str] = frozenset()   # columns equal within a group (exclusions)
    distinct_fks: frozenset[int] = frozenset()  # references distinct within a group


def find_siblings(t: Table, domain_of, key_cols: list[tuple[str, ...]]) -> Siblings | None:
    """The sibling layout of ``t``, if it has the shape (see the module doc). ``domain_of``
    gives a column's few values (or None); ``key_cols`` are the table's unique sets."""
    for i, fk in enumerate(t.foreign_keys):
        if (fk.ref_schema or t.schema, fk.ref_table) != t.key:
            continue
        pairs = list(zip(fk.columns, fk.ref_columns))
        group = tuple(c for c, rc in pairs if c == rc)
        others = [(c, rc) for c, rc in pairs if c != rc]
        if not group or len(others) != 1:
            continue
        other, key = others[0]
        if set(group) | {key} not in [set(k) for k in key_cols]:
            continue
        values = domain_of(key)
        if not values or not 2 <= len(values) <= _MAX_GROUP:
            continue
        same = frozenset(e.expression for x in t.exclusions
                         if {e.expression for e in x.elements if e.operator == "="} <= set(group)
                         for e in x.elements if e.operator != "=" and t.column(e.expression))
        distinct = frozenset(
            j for j, other_fk in enumerate(t.foreign_keys) if j != i and any(
                set(k) == set(group) | set(other_fk.columns) for k in key_cols))
        return Siblings(i, group, key, other, tuple(values), same, distinct)
    return None
