"""Does this index serve this query pattern — and how? One answer for the advisor, the
benchmarks' candidates and the design document.

A query block's use of one relation (:class:`RelationUse`: its equality, range, sort,
join and operator keys, its conditions, the columns it reads) meets an index
(:class:`~pgarch_kit.model.Index`) in :func:`service`:

* **B-tree**: a leading run of equality keys, then one range key or the ORDER BY — read
  forward or backward, which needs every sort key's direction *and* NULLS placement to match
  the index's, or all to be reversed; sort keys fixed by equality drop out. With no equality
  key left, a range on (or the sort by) the first key. On a tenant table an index whose only
  usable key is the tenant key does not count when the query filters on more.
* **Partial** indexes count only when the query implies the predicate (:func:`.expr.implied`);
  what the predicate fixes needs no key.
* **Expression** keys match when the query compares the same expression (both printed by
  the parser and normalised).
* **Covering**: index-only when every column the block reads from the relation is a plain
  key or an ``INCLUDE`` column.
* **Hash** (equality on its key), **GIN** (operators of its opclass: ``@>``, ``?`` … or
  ``LIKE`` for trigrams), **GiST/SP-GiST** (overlap, containment, distance), **BRIN**
  (a range on its first key); a joined relation's index leading with the join column serves
  the join (not for the driving, first relation).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..design import Design, Index, IndexKey, QueryPattern, Table, View
from .expr import Term, canonical_expr, implied, predicate_terms
from .shape import Block, Relation, SortKey, query_shape

__all__ = ["RelationUse", "Service", "relation_uses", "service", "serves", "pattern_uses",
           "resolve", "index_key_id"]

_STRICT = {"equality", "range", "pattern", "operator", "join"}
_GIN = {
    None: {"@>", "<@", "?", "?|", "?&", "@?", "@@", "&&", "@@@"},
    "jsonb_ops": {"@>", "?", "?|", "?&", "@?", "@@"},
    "jsonb_path_ops": {"@>", "@?", "@@"},
    "array_ops": {"@>", "<@", "&&", "="},
    "tsvector_ops": {"@@", "@@@"},
    "gin_trgm_ops": {"LIKE", "ILIKE", "~", "~*", "%", "<%", "%>", "<<%", "%>>"},
}
_GIST = {"&&", "@>", "<@", "<<", ">>", "-|-", "<->", "~=", "&<", "&>", "<<|", "|>>", "@@",
         "<<=", ">>=", "<<->>"}
_TRGM = {"LIKE", "ILIKE", "~", "~*", "%", "<%", "%>", "<<%", "%>>"}


@dataclass(frozen=True)
class RelationUse:
    """What one block asks of one of its relations, in index-key spelling (a column, or
    ``(normalised expression)``)."""

    relation: Relation
    driving: bool                          # the first relation of the block's FROM
    eq: tuple[str, ...] = ()               # =, IN, = ANY
    rng: tuple[str, ...] = ()              # <, >, BETWEEN
    order: tuple[SortKey, ...] = ()        # the leading ORDER BY keys that are this relation's
    order_complete: bool = False           # … and they are the whole ORDER BY
    joins: tuple[str, ...] = ()            # join columns (a.x = b.y)
    ops: tuple[tuple[str, str], ...] = ()  # (key, operator) of operator and LIKE conditions
    paths: frozenset[str] = frozenset()    # keys that are JSON paths (doc ->> 'k')
    terms: tuple[Term, ...] = ()           # the block's top-level AND terms
    compared: frozenset[str] = frozenset() # keys compared with strict operators (not NULL)
    columns: frozenset[str] | None = None  # columns the block reads from it; None: SELECT *
    limit: bool = False

    @property
    def order_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.order)


def relation_uses(block: Block, columns_of: Callable[[Relation], Any] | None = None
                  ) -> tuple[RelationUse, ...]:
    """One :class:`RelationUse` per relation of ``block`` (derived ones — CTEs, subqueries —
    included: callers skip what is no table). ``columns_of(relation)`` gives a relation's
    column names (None when unknown), to place unqualified references."""
    rels = block.relations
    slots: dict[Relation, dict[str, list]] = {
        r: {"eq": [], "rng": [], "joins": [], "ops": [], "paths": [], "compared": []}
        for r in rels}

    def owner(qualifier: str | None, column: str) -> Relation | None:
        return block.relation_of(qualifier, column, columns_of)

    for p in block.predicates:
        if not p.conjunct:
            continue
        if (rel := owner(p.ref.qualifier, p.ref.column)) is None:
            if p.kind == "join" and p.other is not None and p.ref.qualifier is not None and (
                    o := owner(p.other.qualifier, p.other.column)) is not None:
                slots[o]["eq"].append(p.other.key)    # correlated, outer column first
                slots[o]["compared"].append(p.other.key)
            continue
        s = slots[rel]
        key = p.ref.key
        if p.kind in _STRICT:
            s["compared"].append(key)
        if p.ref.path:
            s["paths"].append(key)
        if p.kind == "equality":
            s["eq"].append(key)
        elif p.kind == "range":
            s["rng"].append(key)
        elif p.kind in ("operator", "pattern"):
            s["ops"].append((key, p.op))
        elif p.kind == "join" and p.other is not None:
            if (o := owner(p.other.qualifier, p.other.column)) is not None:
                s["joins"].append(key)
                slots[o]["joins"].append(p.other.key)
                slots[o]["compared"].append(p.other.key)
            elif p.other.qualifier is not None:   # correlated: the outer row's value
                s["eq"].append(key)
        if p.ref.path and p.kind in ("equality", "range"):
            s["ops"].append((p.ref.column, p.ref.path))
    read: dict[Relation, set[str]] = {r: set() for r in rels}
    for q, c in block.columns:
        if (rel := owner(q, c)) is not None:
            read[rel].add(c)
    out = []
    for i, rel in enumerate(rels):
        order: list[SortKey] = []
        for sk in block.order_by:
            if owner(sk.qualifier, sk.column) != rel:
                break
            order.append(sk)
        s = slots[rel]
        out.append(RelationUse(
            rel, i == 0, _unique(s["eq"]), _unique(s["rng"]), tuple(order),
            bool(order) and len(order) == len(block.order_by), _unique(s["joins"]),
            _unique(s["ops"]), frozenset(s["paths"]), block.terms, frozenset(s["compared"]),
            None if block.star else frozenset(read[rel]), block.limit is not None))
    return tuple(out)


def _unique(items: list) -> tuple:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class Service:
    """How an index serves one use of its relation."""

    index: str
    method: str
    equality: tuple[str, ...] = ()   # leading keys the query fixes by equality
    range: str | None = None         # the next key, sought by a range
    sort: str | None = None          # the first ORDER BY key the index yields in order
    sorted: bool = False             # … and it yields the whole ORDER BY (no sort step)
    backward: bool = False           # read backward to do so
    operators: tuple[str, ...] = ()  # GIN/GiST/trigram: the operators it answers …
    key: str | None = None           # … on this key
    join: str | None = None
    partial: bool = False            # a partial index the query implies
    index_only: bool = False
    where: str | None = None

    @property
    def matched(self) -> int:
        """How many leading keys the query can seek on: equality keys, then a range or
        the sort key (1 for an index that serves an operator, a join or only its predicate)."""
        seek = len(self.equality) + (1 if self.range or self.sort else 0)
        return seek or 1

    @property
    def ordered(self) -> bool:
        return self.sort is not None

    @property
    def how(self) -> str:
        back = " (read backward)" if self.backward else ""
        if self.operators:
            text = f"{'/'.join(self.operators)} on {self.key}"
        elif self.equality:
            text = f"equality on {', '.join(self.equality)}"
            text += (f", then range on {self.range}" if self.range else
                     f", then ORDER BY {self.sort}{back}" if self.sort else "")
        elif self.range:
            text = f"range on {self.range}"
        elif self.sort:
            text = f"ORDER BY {self.sort}{back}" + (
                f" among rows where {self.where}" if self.where else "")
        elif self.join:
            text = f"the join on {self.join}"
        else:
            text = f"the rows where {self.where}"
        return text + (", index-only" if self.index_only else "")

    def __str__(self) -> str:
        return self.how


def index_key_id(key: IndexKey) -> str:
    """An index key in the spelling query keys use: the column, or ``(canonical expr)``."""
    return f"({canonical_expr(key.column)})" if key.expression else key.column


def _nulls_first(key: IndexKey) -> bool:
    return key.descending if key.nulls_first is None else key.nulls_first


def service(index: Index, use: RelationUse, *, tenant_key: str | None = None
            ) -> Service | None:
    """How ``index`` serves ``use`` (see the module docstring); None when it does not."""
    if not index.keys or not implied(index.where, use.terms, set(use.compared)):
        return None
    keys = [index_key_id(k) for k in index.keys]
    where = index.where
    if index.method == "btree":
        return _btree(index, keys, use, tenant_key)
    if index.method == "hash":
        return Service(index.name, "hash", (keys[0],), where=where) if keys[0] in use.eq \
            else None
    if index.method in ("gin", "gist", "spgist"):
        for key, k in zip(keys, index.keys):
            opclass = (k.opclass or "").split(".")[-1] or None
            if index.method == "gin":
                allowed = _GIN.get(opclass, _TRGM if opclass and "trgm" in opclass else set())
            else:
                allowed = _TRGM if opclass and "trgm" in opclass else _GIST
            ops = _unique([op for c, op in use.ops if c == key and op in allowed])
            if ops:
                return Service(index.name, index.method, operators=ops, key=key,
                               partial=bool(where), where=where)
        return None
    if index.method == "brin" and (keys[0] in use.rng or keys[0] in use.eq):
        return Service(index.name, "brin", range=keys[0], partial=bool(where), where=where)
    return None


def _btree(index: Index, keys: list[str], use: RelationUse,
           tenant_key: str | None) -> Service | None:
    where = index.where
    have = {t.key for t in use.terms}
    pinned = {p.column for p in (predicate_terms(where) if where else ())
              if p.column and p.key in have}
    eq = [k for k in use.eq if k not in pinned]
    rng = [k for k in use.rng if k not in pinned]
    order = [s for s in use.order if s.key not in use.eq and s.key not in pinned]
    prefix: list[str] = []
    for k in keys:
        if k not in eq:
            break
        prefix.append(k)
    p = len(prefix)
    rng_key = keys[p] if p < len(keys) and keys[p] in rng else None
    direction, in_order = None, 0
    for sk, ik, k in zip(order, index.keys[p:], keys[p:]):
        if sk.key != k:
            break
        same = sk.descending == ik.descending and sk.nulls_first == _nulls_first(ik)
        flipped = sk.descending != ik.descending and sk.nulls_first != _nulls_first(ik)
        d = "forward" if same else "backward" if flipped else None
        if d is None or direction not in (None, d):
            break
        direction, in_order = d, in_order + 1
    sort = order[0].key if in_order and (p or rng_key or not (eq or rng)) else None
    covered = {k.column for k in index.keys if not k.expression} | set(index.include)
    index_only = use.columns is not None and use.columns <= covered
    common = {"partial": bool(where), "where": where, "index_only": index_only}
    if not (prefix or rng_key or sort):
        if where and not (eq or rng or order):
            return Service(index.name, "btree", **common)
        if not use.driving and keys[0] in use.joins:
            return Service(index.name, "btree", join=keys[0], **common)
        return None
    if tenant_key and keys[0] == tenant_key and \
            set(eq + rng + [s.key for s in order]) - {tenant_key} and \
            len(prefix) + (1 if rng_key or sort else 0) < 2:
        return None          # every query names the tenant: that alone scans its whole share
    return Service(index.name, "btree", tuple(prefix), rng_key, sort,
                   sort is not None and use.order_complete and in_order == len(order),
                   direction == "backward" and sort is not None, **common)


def _best(found: list[Service]) -> Service | None:
    return max(found, key=lambda s: (s.matched, s.sorted, s.index_only), default=None)


def resolve(design: Design, rel: Relation) -> Table | View | None:
    """The design's table (or view) a block's relation names: in its schema, or — unqualified
    — by name, ``public`` first."""
    if rel.derived:
        return None
    found = [t for t in (*design.tables, *design.views)
             if t.name == rel.name and (rel.schema is None or t.schema == rel.schema)]
    found.sort(key=lambda t: t.schema != "public")
    return found[0] if found else None


def _columns_of(design: Design) -> Callable[[Relation], set[str] | None]:
    def columns_of(rel: Relation) -> set[str] | None:
        t = resolve(design, rel)
        return {c.name for c in t.columns} if isinstance(t, Table) else None
    return columns_of


def pattern_uses(design: Design, pattern: QueryPattern | str
                 ) -> Iterator[tuple[Block, RelationUse, Table | View]]:
    """Every use the pattern makes of a table or view of ``design``, block by block."""
    sql = pattern if isinstance(pattern, str) else pattern.sql
    columns_of = _columns_of(design)
    for block in query_shape(sql).blocks:
        for use in relation_uses(block, columns_of):
            if (target := resolve(design, use.relation)) is not None:
                yield block, use, target


def serves(index: Index, table: Table | View, pattern: QueryPattern | str, *,
           tenant_key: str | None = None) -> Service | None:
    """How ``index`` of ``table`` serves ``pattern`` at its best use of the table (the
    pattern may read it in several blocks); None when it serves none of them."""
    sql = pattern if isinstance(pattern, str) else pattern.sql
    cols = {c.name for c in table.columns} if isinstance(table, Table) else None

    def columns_of(rel: Relation) -> set[str] | None:
        return cols if _names(rel, table) else None
    found = []
    for block in query_shape(sql).blocks:
        for use in relation_uses(block, columns_of):
            if _names(use.relation, table) and (s := service(
                    index, use, tenant_key=tenant_key)) is not None:
                found.append(s)
    return _best(found)


def _names(rel: Relation, table: Table | View) -> bool:
    return not rel.derived and rel.name == table.name and rel.schema in (None, table.schema)
