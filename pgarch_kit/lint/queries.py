"""A small, honest analyser of the design's query patterns: which relations a query reads, which
columns its WHERE compares with equality to parameters or literals, which it range-compares,
what it sorts by, and which JSONB operators it applies to a column.

It answers one question for the advisor — *could an index serve this?* — and nothing more: no
planner, no selectivity, no type resolution. Statements are parsed with pglast (PostgreSQL's own
parser) when it is installed; otherwise, or when pglast rejects the text, a careful regex
extractor reads the common single-block shapes. ``:name`` parameters are rewritten to ``$n``
first, because PostgreSQL's grammar knows only the latter.

Each SELECT/UPDATE/DELETE block (subqueries and CTEs included) becomes one :class:`QueryBlock`;
a column reference keeps its qualifier so rules resolve it against that block's relations.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Relation", "Ref", "JsonbUse", "QueryBlock", "analyse", "canonical_expr", "normalize",
           "predicate_conjuncts", "HAVE_PGLAST"]

try:  # pglast is optional: the regex extractor below covers the common shapes without it
    from pglast import ast as _ast
    from pglast import parse_sql as _parse_sql
    from pglast.stream import RawStream as _RawStream
    HAVE_PGLAST = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_PGLAST = False

_EQ_OPS = {"="}
_RANGE_OPS = {"<", ">", "<=", ">="}
JSONB_OPS = ("@>", "<@", "?|", "?&", "?", "@?", "@@", "->>", "->", "#>>", "#>")


@dataclass(frozen=True)
class Relation:
    name: str
    schema: str | None
    alias: str                      # the alias, or the table name when none was given


@dataclass(frozen=True)
class Ref:
    """A column used in a filter or sort: ``expr`` is the normalised expression text when the
    query compares an expression over the column (``lower(email)``), else ``None``."""

    qualifier: str | None
    column: str
    expr: str | None = None

    @property
    def key(self) -> str:
        """How an index key spelling compares with it: the column, or ``(expr)``."""
        return f"({self.expr})" if self.expr else self.column


@dataclass(frozen=True)
class JsonbUse:
    qualifier: str | None
    column: str
    operator: str                   # @>, ?, ->> …
    expr: str                       # normalised text of the JSON expression, for ->> matches


@dataclass(frozen=True)
class QueryBlock:
    relations: tuple[Relation, ...]
    equality: tuple[Ref, ...] = ()
    ranges: tuple[Ref, ...] = ()
    order_by: tuple[Ref, ...] = ()
    joins: tuple[Ref, ...] = ()     # columns compared with a column of another relation
    jsonb: tuple[JsonbUse, ...] = ()
    conjuncts: tuple[str, ...] = () # normalised top-level AND terms, to match partial indexes
    parser: str = "pglast"

    def relation_of(self, qualifier: str | None, column: str,
                    columns_of: Callable[[Relation], set[str] | None]) -> Relation | None:
        """The relation a reference belongs to: by alias, else the only relation, else the only
        one that has the column; ``None`` when that cannot be told."""
        if qualifier:
            return next((r for r in self.relations if qualifier in (r.alias, r.name)), None)
        if len(self.relations) == 1:
            return self.relations[0]
        owners = [r for r in self.relations if column in (columns_of(r) or ())]
        return owners[0] if len(owners) == 1 else None


def normalize(text: str) -> str:
    """Expression text in a comparable form: lower case, no blanks, no qualifiers, no
    ``::text`` casts PostgreSQL adds when it prints index expressions, no outer parentheses."""
    s = _strip_literal_casts(text.lower())
    s = re.sub(r"\b[a-z_][a-z0-9_]*\.(?=[a-z_\"])", "", s)
    s = re.sub(r"\s+", "", s).replace('"', "")
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _strip_literal_casts(text: str) -> str:
    """``'color'::text`` → ``'color'``: PostgreSQL prints index expressions with these casts."""
    return re.sub(r"('(?:[^']|'')*')\s*::\s*(text|character varying|varchar)\b", r"\1", text,
                  flags=re.I)


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@lru_cache(maxsize=4096)
def canonical_expr(text: str) -> str:
    """An index expression or predicate in the form :func:`analyse` reports expressions in:
    printed back by pglast when it is installed (so ``x::date`` and ``CAST(x AS date)`` agree),
    then normalised."""
    if HAVE_PGLAST:
        try:
            stmt = _parse_sql(f"SELECT {_strip_literal_casts(text)}")[0].stmt
            return normalize(_RawStream()(stmt.targetList[0].val))
        except Exception:
            pass
    return normalize(text)


@lru_cache(maxsize=4096)
def predicate_conjuncts(where: str) -> tuple[str, ...]:
    """The top-level AND terms of a partial index's WHERE, normalised like
    :attr:`QueryBlock.conjuncts`, so "the query implies the predicate" is a subset test."""
    if HAVE_PGLAST:
        try:
            stmt = _parse_sql(f"SELECT 1 WHERE {_strip_literal_casts(where)}")[0].stmt
            reader = _PglastReader()
            return tuple(normalize(_RawStream()(t)) for t in reader._conjuncts(stmt.whereClause))
        except Exception:
            pass
    return tuple(normalize(t) for t in re.split(r"\bAND\b(?![^()]*\))", where, flags=re.I))


def _dollar_params(sql: str) -> str:
    """``:name`` → ``$n`` (``::casts`` and ``:=`` untouched), the same name the same number."""
    numbers: dict[str, int] = {}

    def sub(m: re.Match[str]) -> str:
        return f"${numbers.setdefault(m.group(1), len(numbers) + 1)}"
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", sub, sql)


@lru_cache(maxsize=4096)
def analyse(sql: str) -> tuple[QueryBlock, ...]:
    """The blocks of one query pattern; an empty tuple when nothing could be read."""
    text = _dollar_params(sql)
    if HAVE_PGLAST:
        try:
            return tuple(_PglastReader().read(text))
        except Exception:
            pass
    block = _regex_block(text)
    return (block,) if block else ()


# ---------------------------------------------------------------- pglast

def _walk(node: Any) -> Iterator[Any]:
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _walk(item)
    elif HAVE_PGLAST and isinstance(node, _ast.Node):
        yield node
        for slot in type(node).__slots__:
            yield from _walk(getattr(node, slot, None))


class _PglastReader:
    def read(self, sql: str) -> Iterator[QueryBlock]:
        for raw in _parse_sql(sql):
            for node in _walk(raw.stmt):
                if isinstance(node, _ast.SelectStmt) and node.fromClause:
                    yield self._block(node.fromClause, node.whereClause, node.sortClause)
                elif isinstance(node, _ast.UpdateStmt):
                    yield self._block((node.relation, *(node.fromClause or ())),
                                      node.whereClause, None)
                elif isinstance(node, _ast.DeleteStmt):
                    yield self._block((node.relation, *(node.usingClause or ())),
                                      node.whereClause, None)

    def _block(self, from_items: Any, where: Any, sort: Any) -> QueryBlock:
        self.rels: list[Relation] = []
        self.eq: list[Ref] = []
        self.rng: list[Ref] = []
        self.joins: list[Ref] = []
        self.jsonb: list[JsonbUse] = []
        terms: list[Any] = []
        for item in from_items or ():
            self._from(item, terms)
        terms.extend(self._conjuncts(where))
        for term in terms:
            self._term(term)
        order = [r for s in (sort or ()) if (r := self._ref(s.node)) is not None]
        return QueryBlock(tuple(self.rels), tuple(self.eq), tuple(self.rng), tuple(order),
                          tuple(self.joins), tuple(self.jsonb),
                          tuple(normalize(_RawStream()(t)) for t in terms))

    def _from(self, item: Any, terms: list[Any]) -> None:
        if isinstance(item, _ast.RangeVar):
            alias = item.alias.aliasname if item.alias else item.relname
            self.rels.append(Relation(item.relname, item.schemaname, alias))
        elif isinstance(item, _ast.JoinExpr):
            self._from(item.larg, terms)
            self._from(item.rarg, terms)
            terms.extend(self._conjuncts(item.quals))
        # subselects in FROM are blocks of their own (found by the walk)

    def _conjuncts(self, node: Any) -> list[Any]:
        if node is None:
            return []
        if isinstance(node, _ast.BoolExpr) and node.boolop == 0:  # AND
            return [t for arg in node.args for t in self._conjuncts(arg)]
        return [node]

    def _term(self, t: Any) -> None:
        if not isinstance(t, _ast.A_Expr):
            return
        op = t.name[-1].sval if t.name else ""
        kind = int(t.kind)
        if kind == 6:  # AEXPR_IN: col IN (…)
            if (r := self._ref(t.lexpr)) and not self._columns(t.rexpr):
                self.eq.append(r)
            return
        if kind in (10, 12):  # BETWEEN, BETWEEN SYMMETRIC
            if (r := self._ref(t.lexpr)) and not self._columns(t.rexpr):
                self.rng.append(r)
            return
        if kind != 0:
            return
        if op in JSONB_OPS and op not in ("->", "->>", "#>", "#>>"):
            self._json(t.lexpr, op)
            return
        for side, other in ((t.lexpr, t.rexpr), (t.rexpr, t.lexpr)):
            if op not in _EQ_OPS | _RANGE_OPS:
                break
            if self._json(side, None):
                return
            ref = self._ref(side)
            if ref is None:
                continue
            if not self._columns(other):
                (self.eq if op in _EQ_OPS else self.rng).append(ref)
                return
            if op in _EQ_OPS and (o := self._ref(other)) is not None:
                self.joins.extend((ref, o))
                return

    def _json(self, node: Any, op: str | None) -> bool:
        """Record a JSONB operator applied to a column (``col @> …``, ``col ->> 'k' = …``)."""
        inner = node
        if op is None:  # a comparison side: look for col ->> 'k' (possibly cast)
            while isinstance(inner, _ast.TypeCast):
                inner = inner.arg
            if not (isinstance(inner, _ast.A_Expr) and int(inner.kind) == 0 and inner.name
                    and inner.name[-1].sval in ("->", "->>", "#>", "#>>")):
                return False
            op, node = inner.name[-1].sval, inner
            inner = inner.lexpr
        cols = self._columns(inner)
        if len(cols) != 1:
            return False
        qual, col = cols[0]
        self.jsonb.append(JsonbUse(qual, col, op, normalize(_RawStream()(node))))
        return True

    def _columns(self, node: Any) -> list[tuple[str | None, str]]:
        out = []
        for n in _walk(node):
            if isinstance(n, _ast.ColumnRef):
                names = [f.sval for f in n.fields if isinstance(f, _ast.String)]
                if names:
                    out.append((names[-2] if len(names) > 1 else None, names[-1]))
        return out

    def _ref(self, node: Any) -> Ref | None:
        """A plain column, or an expression over exactly one column (``lower(email)``)."""
        if isinstance(node, _ast.ColumnRef):
            cols = self._columns(node)
            return Ref(*cols[0]) if cols else None
        cols = self._columns(node)
        if len(cols) == 1 and isinstance(node, (_ast.FuncCall, _ast.TypeCast, _ast.A_Expr)):
            return Ref(cols[0][0], cols[0][1], normalize(_RawStream()(node)))
        return None


# ---------------------------------------------------------------- regex fallback

_IDENT = r'"?[A-Za-z_][\w$]*"?'
_COL = rf"(?:({_IDENT})\.)?({_IDENT})"
_VALUE = r"(?:\$\d+|'(?:[^']|'')*'|-?\d[\d.]*|true|false|now\(\)[^\s]*|current_\w+)"
_STOP = (r"\b(?:WHERE|GROUP|ORDER|LIMIT|OFFSET|HAVING|RETURNING|SET|ON|USING|JOIN|LEFT|RIGHT|"
         r"INNER|FULL|CROSS|WINDOW|UNION|FOR)\b")


def _unq(name: str | None) -> str | None:
    return name.strip('"') if name else name


def _regex_block(sql: str) -> QueryBlock | None:
    """One block from a single-level SELECT/UPDATE/DELETE; subqueries are not read."""
    s = re.sub(r"--[^\n]*", " ", sql)
    rels = []
    for m in re.finditer(rf"\b(?:FROM|JOIN|UPDATE|INTO|USING)\s+(?:ONLY\s+)?(?:({_IDENT})\.)?"
                         rf"({_IDENT})(?:\s+(?:AS\s+)?(?!{_STOP})({_IDENT}))?", s, re.I):
        if m.group(2).lower() in ("select", "lateral"):
            continue
        name = _unq(m.group(2))
        rels.append(Relation(name, _unq(m.group(1)), _unq(m.group(3)) or name))
    if not rels or re.match(r"\s*INSERT\b", s, re.I):
        return None
    where = re.search(r"\bWHERE\b(.*?)(?=\b(?:GROUP\s+BY|ORDER\s+BY|LIMIT|OFFSET|RETURNING)\b|$)",
                      s, re.I | re.S)
    text = where.group(1) if where else ""
    # keep "x BETWEEN a AND b" in one term
    text = re.sub(r"(\bBETWEEN\s+\S+\s+)AND\b", r"\1&&between&&", text, flags=re.I)
    terms = [t.strip().replace("&&between&&", "AND")
             for t in re.split(r"\bAND\b(?![^()]*\))", text, flags=re.I) if t.strip()]
    eq, rng, jsonb, joins = [], [], [], []
    for term in terms:
        if re.search(r"\bBETWEEN\b", term, re.I):
            if m := re.match(rf"\s*{_COL}\s+BETWEEN\b", term, re.I):
                rng.append(Ref(_unq(m.group(1)), _unq(m.group(2))))
            continue
        if m := re.match(rf"\s*{_COL}\s*(->>|->|#>>|#>)\s*('[^']*'|\$\d+)", term):
            jsonb.append(JsonbUse(_unq(m.group(1)), _unq(m.group(2)), m.group(3),
                                  normalize(m.group(0))))
            continue
        if m := re.match(rf"\s*{_COL}\s*(@>|<@|\?\||\?&|\?|@\?|@@)", term):
            jsonb.append(JsonbUse(_unq(m.group(1)), _unq(m.group(2)), m.group(3),
                                  normalize(m.group(2))))
            continue
        if m := re.match(rf"\s*{_COL}\s+IN\s*\((?!\s*SELECT)", term, re.I):
            eq.append(Ref(_unq(m.group(1)), _unq(m.group(2))))
            continue
        if m := re.match(rf"\s*{_COL}\s*=\s*{_COL}\s*$", term):
            if m.group(4).lower() not in ("true", "false"):
                joins += [Ref(_unq(m.group(1)), _unq(m.group(2))),
                          Ref(_unq(m.group(3)), _unq(m.group(4)))]
                continue
        if m := re.match(rf"\s*{_COL}\s*(=|<=|>=|<|>)\s*{_VALUE}", term, re.I):
            (eq if m.group(3) == "=" else rng).append(Ref(_unq(m.group(1)), _unq(m.group(2))))
    order = []
    if m := re.search(r"\bORDER\s+BY\b(.*?)(?=\b(?:LIMIT|OFFSET|FOR)\b|$)", s, re.I | re.S):
        for part in m.group(1).split(","):
            if c := re.match(rf"\s*{_COL}", part):
                order.append(Ref(_unq(c.group(1)), _unq(c.group(2))))
    return QueryBlock(tuple(rels), tuple(eq), tuple(rng), tuple(order), tuple(joins),
                      tuple(jsonb), tuple(normalize(t) for t in terms), parser="regex")
