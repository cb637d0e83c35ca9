"""Index candidates for a query pattern, read from its SQL: what an architect would try first.

Per table the query reads (the shape of its top-level statement, from
:func:`pgarch_kit.model.query.query_shape`):

* **B-tree**, equality columns first (the tenant key first of all), then one range or sort
  column — in the sort's direction, so ``ORDER BY placed_at DESC LIMIT 20`` reads an index in
  order and stops early; expressions (``lower(email)``) become expression keys;
* **covering**: the same keys ``INCLUDE`` the other columns the query returns, so it can be
  answered by an index-only scan;
* **partial**: when the query carries fixed conditions (``status IN ('pending', 'paid')``,
  ``deleted_at IS NULL``), an index holding only those rows;
* **GIN** for ``@>``, ``?``, ``&&`` and ``@@`` on JSONB, arrays and tsvectors (``jsonb_path_ops``
  when only ``@>`` is used), and a trigram GIN for ``LIKE '%…%'`` (needs ``pg_trgm``);
* **BRIN** for a range over a time or serial column: tiny, and fast when the rows lie on
  disk in that column's order (an append-only table) — whether they do is measured, not assumed.

Candidates that duplicate an index the design already has are dropped. Pure: the trials in
:mod:`pgarch_kit.bench.indexes` build and measure them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pgarch_kit.model import Design, Index, IndexKey, Table
from pgarch_kit.model.names import derive_name
from pgarch_kit.model.query import (
    Block,
    Ref,
    Relation,
    RelationUse,
    query_shape,
    relation_uses,
    service,
)
from pgarch_kit.model.types import parse_type

__all__ = ["Candidate", "candidates"]

_RANGE = {"<", ">", "<=", ">="}
_GIN_OPS = {"@>", "<@", "?", "?|", "?&", "&&", "@@"}
_BRIN_TYPES = {"timestamp with time zone", "timestamp without time zone", "date", "integer",
               "bigint", "smallint"}


@dataclass(frozen=True)
class Candidate:
    table: Table
    index: Index
    kind: str                  # btree, covering, partial, gin, trigram, brin
    reason: str
    needs_extension: str | None = None


@dataclass
class _Shape:
    """What one relation of the query filters, sorts and returns."""

    eq: list[str] = field(default_factory=list)          # keys: column or (expression)
    rng: list[str] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)   # (key, descending)
    joins: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)       # parameter-free conditions (SQL)
    fixed_columns: set[str] = field(default_factory=set)  # the columns they name
    gin: list[tuple[str, str]] = field(default_factory=list)     # (key, operator)
    like: list[str] = field(default_factory=list)        # columns searched with '%…%'
    returns: list[str] | None = field(default_factory=list)      # None: SELECT *


class _Reader:
    """Per relation of the pattern's top block (:class:`pgarch_kit.model.query.Block`): the
    shape the candidates are built from."""

    def __init__(self, block: Block) -> None:
        self.block = block
        self.aliases = {r.alias: r for r in block.relations if not r.derived}
        self.shapes = {a: _Shape() for a in self.aliases}

    def owner(self, qualifier: str | None) -> str | None:
        """The alias a reference belongs to (unqualified: the only relation)."""
        if qualifier is not None:
            return qualifier if qualifier in self.aliases else None
        return next(iter(self.aliases)) if len(self.aliases) == 1 else None

    @staticmethod
    def text(sql: str, alias: str) -> str:
        """SQL without the alias qualifier (index expressions name columns)."""
        return re.sub(rf'(?<![\w."]){re.escape(alias)}\.', "", sql)

    def key(self, ref: Ref, alias: str) -> str:
        return f"({self.text(ref.sql, alias)})" if ref.expr else ref.column

    def read(self) -> None:
        b = self.block
        likes = set()
        for p in b.predicates:
            if not p.conjunct or (alias := self.owner(p.ref.qualifier)) is None:
                continue
            shape, key = self.shapes[alias], self.key(p.ref, alias)
            if p.kind == "join":
                other = self.owner(p.other.qualifier) if p.other is not None else None
                if other is not None and other != alias:
                    shape.joins.append(key)
                    self.shapes[other].joins.append(self.key(p.other, other))  # type: ignore
            elif p.op in ("LIKE", "ILIKE"):
                likes.add(p.sql)
                if p.params or "%" in (p.value or ""):
                    (shape.like if p.leading_wildcard else shape.rng).append(key)
            elif p.kind == "equality":
                shape.eq.append(key)              # a fixed equality still narrows: a key too
            elif p.params and p.kind == "range":
                shape.rng.append(key)
            elif p.params and p.op in _GIN_OPS:
                shape.gin.append((key, p.op))
        for t in b.terms:                         # parameter-free conditions: a partial index
            quals = {q for q, _ in t.columns}
            alias = self.owner(quals.pop()) if len(quals) == 1 else None
            if alias is not None and not (t.has_param or t.has_sublink or t.sql in likes):
                self.shapes[alias].fixed.append(self.text(t.sql, alias))
                self.shapes[alias].fixed_columns.update(c for _, c in t.columns)
        for s in b.order_by:
            if (alias := self.owner(s.qualifier)) is not None:
                self.shapes[alias].sort.append((self.key(s.ref, alias), s.descending))
        if b.kind != "select":
            return
        if b.star:
            for shape in self.shapes.values():
                shape.returns = None
            return
        for q, col in b.targets:
            shape = self.shapes.get(self.owner(q) or "")
            if shape is not None and shape.returns is not None and col not in shape.returns:
                shape.returns.append(col)


def _name(table: str, kind: str, keys: list[str]) -> str:
    words = "_".join(re.sub(r"\W+", "_", k).strip("_") for k in keys) or "expr"
    return derive_name("pgarch_cand", table, words, suffix=kind)


def _key(text: str, descending: bool = False, opclass: str | None = None) -> IndexKey:
    if text.startswith("("):
        return IndexKey(text[1:-1], expression=True, descending=descending, opclass=opclass)
    return IndexKey(text, descending=descending, opclass=opclass)


def _dedupe(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(keys))


def _covered(a: Index, b: Index) -> bool:
    """True when index ``b`` already does everything candidate ``a`` would: same method and
    predicate, ``a``'s keys a prefix of ``b``'s, and ``a``'s INCLUDE columns inside ``b``."""
    if a.method != b.method or (a.where or None) != (b.where or None):
        return False
    if a.method != "btree":
        return a.keys == b.keys and set(a.include) <= set(b.include)
    if tuple(b.keys[:len(a.keys)]) != tuple(a.keys):
        return False
    return set(a.include) <= {k.column for k in b.keys if not k.expression} | set(b.include)


def _served_already(c: Candidate, use: RelationUse | None) -> bool:
    """True when an index of the table (of the candidate's method and predicate) already
    serves the pattern as well as the candidate would — as
    :func:`pgarch_kit.model.query.service` judges it: as many keys to seek on, the ORDER BY
    if the candidate gives it, index-only if the candidate is, the same operators."""
    mine = service(c.index, use) if use is not None else None
    for ix in _existing(c.table):
        if ix.method != c.index.method or (ix.where or None) != (c.index.where or None):
            continue
        if mine is None:
            if _covered(c.index, ix):
                return True
            continue
        s = service(ix, use)  # type: ignore[arg-type]
        if s is not None and s.matched >= mine.matched and (s.sorted or not mine.sorted) \
                and (s.index_only or not mine.index_only) \
                and set(s.operators) >= set(mine.operators):
            return True
    return False


def _existing(t: Table) -> list[Index]:
    """The table's indexes, its primary key and unique constraints (each is a B-tree)."""
    keys = [c for c in ([t.primary_key] if t.primary_key else []) + list(t.uniques)]
    return list(t.indexes) + [Index("", tuple(IndexKey(c) for c in k.columns),
                                    include=k.include) for k in keys]


def candidates(design: Design, sql: str, *, have_trgm: bool = True) -> list[Candidate]:
    """Index candidates for ``sql`` against ``design`` (see the module docstring)."""
    top = next((b for b in query_shape(sql).blocks if b.top), None)
    if top is None or top.kind not in ("select", "update", "delete"):
        return []
    reader = _Reader(top)
    reader.read()
    rel_of = {a: (r.schema, r.name) for a, r in reader.aliases.items()}
    uses = {u.relation.alias: u for u in relation_uses(top, _columns_of(design, rel_of))}
    out: list[tuple[Candidate, RelationUse | None]] = []
    first_alias = next(iter(rel_of), None)
    for alias, shape in reader.shapes.items():
        schema, name = rel_of[alias]
        table = design.table(name, schema)
        if table is None:
            continue
        out += [(c, uses.get(alias)) for c in _for_table(
            table, shape, driving=alias == first_alias, have_trgm=have_trgm)]
    unique: list[Candidate] = []
    for c, use in out:
        if _served_already(c, use):
            continue
        if any(c.table is u.table and _covered(c.index, u.index) and _covered(u.index, c.index)
               for u in unique):
            continue
        unique.append(c)
    return unique


def _columns_of(design: Design, rel_of: dict[str, tuple[str | None, str]]):
    def columns_of(rel: Relation) -> set[str] | None:
        t = design.table(*reversed(rel_of[rel.alias])) if rel.alias in rel_of else None
        return {c.name for c in t.columns} if t is not None else None
    return columns_of


def _for_table(t: Table, s: _Shape, *, driving: bool, have_trgm: bool) -> list[Candidate]:
    out: list[Candidate] = []
    tenant = t.intent.tenant_key
    eq = _dedupe(([tenant] if tenant in s.eq else []) + [k for k in s.eq if k != tenant])
    if not (eq or s.rng or s.sort) and not driving:
        eq = _dedupe(s.joins)          # a joined table is reached through its join column
    fixed_cols = s.fixed_columns
    last: list[tuple[str, bool]] = []
    if s.rng:
        last = [(s.rng[0], False)]
    elif s.sort and s.sort[0][0] not in eq:
        last = [s.sort[0]]
    keys = [(k, False) for k in eq] + last
    if keys:
        names = [k for k, _ in keys]
        idx = Index(_name(t.name, "btree", names), tuple(_key(k, d) for k, d in keys))
        what = []
        if eq:
            what.append(f"equality on {', '.join(eq)}")
        if s.rng:
            what.append(f"a range on {s.rng[0]}")
        elif last:
            what.append(f"ORDER BY {last[0][0]}{' DESC' if last[0][1] else ''}")
        out.append(Candidate(t, idx, "btree", f"B-tree: {' then '.join(what)}"))
        extra = [c for c in (s.returns or []) if c not in names and t.column(c) is not None]
        if s.returns is not None and extra and len(extra) <= 4:
            cov = Index(_name(t.name, "covering", names), idx.keys, include=tuple(extra))
            out.append(Candidate(t, cov, "covering", f"covering: the same keys INCLUDE "
                                 f"{', '.join(extra)}, for an index-only scan"))
        if s.fixed:
            partial_keys = [(k, d) for k, d in keys if k not in fixed_cols] or keys[-1:]
            where = " AND ".join(s.fixed)
            part = Index(_name(t.name, "partial", [k for k, _ in partial_keys]),
                         tuple(_key(k, d) for k, d in partial_keys), where=where)
            out.append(Candidate(t, part, "partial", f"partial: only the rows where {where}"))
    for key, op in s.gin:
        col = t.column(key) if not key.startswith("(") else None
        typ = parse_type(col.type) if col is not None else None
        opclass = None
        if typ is not None and typ.base == "jsonb" and {o for k, o in s.gin if k == key} == {"@>"}:
            opclass = "jsonb_path_ops"
        idx = Index(_name(t.name, "gin", [key]), (_key(key, opclass=opclass),), method="gin")
        out.append(Candidate(t, idx, "gin", f"GIN for {op} on {key}"
                             + (" (jsonb_path_ops: smaller, serves @> only)" if opclass else "")))
    for key in _dedupe(s.like):
        if not have_trgm:
            continue
        idx = Index(_name(t.name, "trgm", [key]), (_key(key, opclass="gin_trgm_ops"),),
                    method="gin")
        out.append(Candidate(t, idx, "trigram", f"trigram GIN: LIKE '%…%' on {key} cannot use "
                             "a B-tree", needs_extension="pg_trgm"))
    for key in s.rng[:1]:
        col = t.column(key) if not key.startswith("(") else None
        if col is not None and parse_type(col.type).base in _BRIN_TYPES:
            idx = Index(_name(t.name, "brin", [key]), (_key(key),), method="brin")
            out.append(Candidate(t, idx, "brin", f"BRIN on {key}: tiny; fast only if rows lie "
                                 f"on disk in {key} order (append-only)"))
    return out
