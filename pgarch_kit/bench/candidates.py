"""Index candidates for a query pattern, read from its SQL: what an architect would try first.

Per table the query reads (PostgreSQL's parser gives the shape of the top-level statement):

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
from typing import Any

from pglast import ast
from pglast.stream import RawStream

from pgarch_kit.model import Design, Index, IndexKey, Table
from pgarch_kit.model.names import derive_name
from pgarch_kit.model.types import parse_type

from ._ast import columns, conjuncts, has_param, nodes, top_statement

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
    gin: list[tuple[str, str]] = field(default_factory=list)     # (key, operator)
    like: list[str] = field(default_factory=list)        # columns searched with '%…%'
    returns: list[str] | None = field(default_factory=list)      # None: SELECT *


class _Reader:
    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases                      # alias -> table name
        self.shapes = {a: _Shape() for a in aliases}

    def owner(self, node: Any) -> str | None:
        """The one alias every column of ``node`` belongs to (unqualified: the only one)."""
        quals = {q for q, _ in columns(node)}
        if not quals:
            return None
        if quals == {None}:
            return next(iter(self.aliases)) if len(self.aliases) == 1 else None
        return next(iter(quals)) if len(quals) == 1 and None not in quals else None

    def text(self, node: Any, alias: str) -> str:
        """SQL of ``node`` without the alias qualifier (index expressions name columns)."""
        out = RawStream()(node)
        return re.sub(rf'(?<![\w."]){re.escape(alias)}\.', "", out)

    def key(self, node: Any, alias: str) -> str:
        if isinstance(node, ast.ColumnRef):
            return columns(node)[0][1]
        return f"({self.text(node, alias)})"

    def term(self, t: Any) -> None:
        if not isinstance(t, ast.A_Expr):
            if (alias := self.owner(t)) and not has_param(t):  # IS NULL, NOT x, …
                self.shapes[alias].fixed.append(self.text(t, alias))
            return
        kind = int(t.kind)
        op = t.name[-1].sval if t.name else ""
        if kind in (7, 8):  # LIKE, ILIKE: a leading wildcard needs a trigram index
            alias = self.owner(t.lexpr)
            if alias and (has_param(t.rexpr) or "%" in RawStream()(t.rexpr)):
                pattern = RawStream()(t.rexpr)
                if pattern.startswith("'%") or ("'%'" in pattern and has_param(t.rexpr)):
                    self.shapes[alias].like.append(self.key(t.lexpr, alias))
                else:
                    self.shapes[alias].rng.append(self.key(t.lexpr, alias))
            return
        sides = ((t.lexpr, t.rexpr), (t.rexpr, t.lexpr))
        for col_side, other in sides:
            alias = self.owner(col_side)
            if alias is None or columns(other):
                if alias and op == "=" and (o := self.owner(other)) and o != alias:
                    self.shapes[alias].joins.append(self.key(col_side, alias))
                    self.shapes[o].joins.append(self.key(other, o))
                    return
                continue
            shape = self.shapes[alias]
            if not has_param(other) and not has_param(col_side):
                shape.fixed.append(self.text(t, alias))
                if kind == 6 or op == "=":  # fixed equality still narrows: a key too
                    shape.eq.append(self.key(col_side, alias))
                return
            if kind in (6, 1) or op == "=":
                shape.eq.append(self.key(col_side, alias))
            elif kind == 10 or op in _RANGE:
                shape.rng.append(self.key(col_side, alias))
            elif op in _GIN_OPS:
                shape.gin.append((self.key(col_side, alias), op))
            return

    def read(self, stmt: Any) -> None:
        where = stmt.whereClause
        for item in (getattr(stmt, "fromClause", None) or ()):
            for n in nodes(item):
                if isinstance(n, ast.JoinExpr) and n.quals is not None:
                    for q in conjuncts(n.quals):
                        self.term(q)
        for t in conjuncts(where):
            self.term(t)
        for s in (getattr(stmt, "sortClause", None) or ()):
            if (alias := self.owner(s.node)) is not None:
                self.shapes[alias].sort.append((self.key(s.node, alias),
                                                int(s.sortby_dir) == 2))
        targets = getattr(stmt, "targetList", None) or ()
        if isinstance(stmt, ast.SelectStmt):
            for res in targets:
                if any(isinstance(n, ast.A_Star) for n in nodes(res.val)):
                    for a in self.shapes:
                        self.shapes[a].returns = None
                    continue
                for q, col in columns(res.val):
                    alias = q if q in self.shapes else (
                        next(iter(self.shapes)) if len(self.shapes) == 1 and q is None else None)
                    shape = self.shapes.get(alias) if alias else None
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


def _existing(t: Table) -> list[Index]:
    """The table's indexes, its primary key and unique constraints (each is a B-tree)."""
    keys = [c for c in ([t.primary_key] if t.primary_key else []) + list(t.uniques)]
    return list(t.indexes) + [Index("", tuple(IndexKey(c) for c in k.columns),
                                    include=k.include) for k in keys]


def candidates(design: Design, sql: str, *, have_trgm: bool = True) -> list[Candidate]:
    """Index candidates for ``sql`` against ``design`` (see the module docstring)."""
    top = top_statement(sql)
    if top is None:
        return []
    stmt, rel_of = top.stmt, top.aliases
    reader = _Reader({a: name for a, (_s, name) in rel_of.items()})
    reader.read(stmt)
    out: list[Candidate] = []
    first_alias = next(iter(rel_of), None)
    for alias, shape in reader.shapes.items():
        schema, name = rel_of[alias]
        table = design.table(name, schema)
        if table is None:
            continue
        out += _for_table(table, shape, driving=alias == first_alias, have_trgm=have_trgm)
    unique: list[Candidate] = []
    for c in out:
        if any(_covered(c.index, i) for i in _existing(c.table)):
            continue
        if any(c.table is u.table and _covered(c.index, u.index) and _covered(u.index, c.index)
               for u in unique):
            continue
        unique.append(c)
    return unique


def _for_table(t: Table, s: _Shape, *, driving: bool, have_trgm: bool) -> list[Candidate]:
    out: list[Candidate] = []
    tenant = t.intent.tenant_key
    eq = _dedupe(([tenant] if tenant in s.eq else []) + [k for k in s.eq if k != tenant])
    if not (eq or s.rng or s.sort) and not driving:
        eq = _dedupe(s.joins)          # a joined table is reached through its join column
    fixed_cols = {c for f in s.fixed for c in re.findall(r"[a-z_][a-z0-9_]*", f.lower())}
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
