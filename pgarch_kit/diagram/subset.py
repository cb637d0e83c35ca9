"""Which tables a diagram draws: partitions folded into their root, and the neighbourhood of
a focus table (the tables within ``depth`` foreign-key hops, in either direction).

Partitions are folded because a partitioned table is one thing to the designer: pagila's 55
``payment_p…`` partitions would otherwise bury the rest of the schema. Foreign keys declared on
partitions are redirected to the root, where they are drawn once.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from pgarch_kit.model.design import Design, ForeignKey, Table
from pgarch_kit.model.graph import TableKey

from .errors import DiagramError

__all__ = [
    "drawn_fks", "folded_tables", "neighbourhood", "partition_counts", "resolve_table",
    "root_key",
]


def root_key(design: Design, table: Table) -> TableKey:
    """The key of the top-level table a partition belongs to (the table's own key if none)."""
    if table.partition_of is None:  # the common case, kept O(1): diagrams call this per table
        return table.key
    by_key = {t.key: t for t in design.tables}
    cur, seen = table, {table.key}
    while cur.partition_of is not None:
        parent = by_key.get(cur.partition_parent)
        if parent is None or parent.key in seen:
            break
        seen.add(parent.key)
        cur = parent
    return cur.key


def partition_counts(design: Design) -> dict[TableKey, int]:
    """Number of partitions (at any level) folded into each root table."""
    counts: dict[TableKey, int] = {}
    for t in design.tables:
        if t.partition_of is not None:
            root = root_key(design, t)
            if root != t.key:
                counts[root] = counts.get(root, 0) + 1
    return counts


def drawn_fks(design: Design) -> list[tuple[Table, ForeignKey, TableKey, TableKey]]:
    """``(declaring table, fk, child root, parent root)`` for every foreign key whose parent
    is in the design, in design order; a partition's FK that repeats its root's is dropped."""
    roots = {t.key: root_key(design, t) for t in design.tables}
    out: list[tuple[Table, ForeignKey, TableKey, TableKey]] = []
    seen: set[tuple[TableKey, tuple[str, ...], TableKey, tuple[str, ...]]] = set()
    for t in design.tables:
        for fk in t.foreign_keys:
            parent = (fk.ref_schema or t.schema, fk.ref_table)
            if parent not in roots:
                continue  # references a table outside the design
            child_root, parent_root = roots[t.key], roots[parent]
            sig = (child_root, tuple(fk.columns), parent_root, tuple(fk.ref_columns))
            if sig in seen:
                continue
            seen.add(sig)
            out.append((t, fk, child_root, parent_root))
    return out


def folded_tables(design: Design) -> list[Table]:
    """The tables a diagram draws, in design order: partitions left out, and each root
    carrying the foreign keys its partitions declare (once), so its FK markers and edges
    show what the partitions enforce."""
    extra: dict[TableKey, list[ForeignKey]] = {}
    for table, fk, child_root, _parent in drawn_fks(design):
        if table.key != child_root:
            extra.setdefault(child_root, []).append(fk)
    out = []
    for t in design.tables:
        if root_key(design, t) != t.key:
            continue
        if t.key in extra:
            t = replace(t, foreign_keys=(*t.foreign_keys, *extra[t.key]))
        out.append(t)
    return out


def resolve_table(design: Design, name: str) -> Table:
    """The table called ``name`` ("table" or "schema.table"); partitions resolve to their
    root. Raises :class:`DiagramError` naming close matches when there is none."""
    found = [t for t in design.tables if t.name == name]
    if not found and "." in name:
        schema, _, bare = name.partition(".")
        found = [t for t in design.tables if t.schema == schema and t.name == bare]
    if len(found) > 1:
        public = [t for t in found if t.schema == "public"]
        if len(public) != 1:
            options = ", ".join(f"{t.schema}.{t.name}" for t in found)
            raise DiagramError(f"table {name!r} is ambiguous; say which one: {options}")
        found = public
    if not found:
        import difflib
        names = [t.name for t in design.tables if t.partition_of is None]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise DiagramError(f"the design has no table {name!r}{hint}")
    table = found[0]
    root = root_key(design, table)
    return design.table(root[1], root[0]) or table


def neighbourhood(design: Design, focus: str, depth: int = 1) -> set[TableKey]:
    """Root keys of the focus table and every table within ``depth`` FK hops of it,
    following foreign keys both ways (referenced and referencing tables)."""
    if depth < 0:
        raise DiagramError(f"depth must be 0 or more, not {depth}")
    start = resolve_table(design, focus).key
    adjacent: dict[TableKey, set[TableKey]] = {}
    for _t, _fk, child, parent in drawn_fks(design):
        adjacent.setdefault(child, set()).add(parent)
        adjacent.setdefault(parent, set()).add(child)
    picked = {start}
    queue: deque[tuple[TableKey, int]] = deque([(start, 0)])
    while queue:
        key, dist = queue.popleft()
        if dist == depth:
            continue
        for nxt in _sorted(adjacent.get(key, ())):
            if nxt not in picked:
                picked.add(nxt)
                queue.append((nxt, dist + 1))
    return picked


def _sorted(keys: Iterable[TableKey]) -> list[TableKey]:
    return sorted(keys)
