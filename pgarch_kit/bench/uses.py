"""What each parameter of a query pattern is compared with, read by PostgreSQL's own parser.

``WHERE o.customer_id = :customer_id`` tells a benchmark where realistic values live: in
``orders.customer_id``. :func:`param_uses` finds, for every parameter, the relation and the
expression on the other side of its comparison (``lower(c.email)``, ``placed_at``,
``attributes``), and the operator (``=``, ``>=``, ``@>``, ``ILIKE``, ``@@`` …), from WHERE and
JOIN conditions, ``SET col = :v``, ``INSERT … VALUES`` and ``LIMIT``/``OFFSET``. Pure: the
sampler in :mod:`pgarch_kit.bench.params` turns these into SQL that draws values from the data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pglast import ast, parse_sql
from pglast.stream import RawStream

from ._ast import columns, conjuncts, nodes, params, top_statement
from .sqlparams import parse_params

__all__ = ["ParamUse", "SampleSource", "param_uses", "sample_source", "writes"]

# pglast's A_Expr_Kind values (PostgreSQL's A_Expr_Kind enum)
_OP, _OP_ANY, _OP_ALL, _IN, _LIKE, _ILIKE, _SIMILAR, _BETWEEN = 0, 1, 2, 6, 7, 8, 9, 10
_LIKE_NAMES = {_LIKE: "LIKE", _ILIKE: "ILIKE", _SIMILAR: "SIMILAR TO"}


@dataclass(frozen=True)
class ParamUse:
    """How one parameter is used. ``op`` is the operator (``=``, ``>=``, ``@>``, ``LIKE`` …),
    ``IN``, ``ANY`` (an array parameter), ``SET``/``INSERT`` (a written value), ``LIMIT`` or
    ``OFFSET``; ``expr`` is the SQL on the other side, over columns of ``relation`` (an alias);
    ``wrapped`` says the parameter sits inside an expression of its own (``'%' || :q || '%'``,
    ``lower(:email)``, ``plainto_tsquery(:q)``)."""

    name: str
    op: str
    relation: str | None = None      # alias (or table name) as the query writes it
    expr: str | None = None
    wrapped: bool = False
    wildcards: bool = False          # the parameter is glued to '%' literals (infix search)


@dataclass(frozen=True)
class _Rel:
    schema: str | None
    name: str


def _has_wildcard_literal(node: Any) -> bool:
    return any(isinstance(n, ast.A_Const) and isinstance(n.val, ast.String)
               and "%" in n.val.sval for n in nodes(node))


class _Reader:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.uses: dict[str, ParamUse] = {}
        self.relations: dict[str, _Rel] = {}

    def name(self, number: int) -> str:
        return self.names[number - 1]

    def add(self, numbers: list[int], use: ParamUse) -> None:
        for number in numbers:
            name = self.name(number)
            if name not in self.uses:  # the first use tells the most (WHERE before LIMIT)
                self.uses[name] = ParamUse(name, use.op, use.relation, use.expr, use.wrapped,
                                           use.wildcards)

    def relation_of(self, cols: list[tuple[str | None, str]]) -> str | bool | None:
        """The one alias the columns belong to; ``None`` when unqualified (resolved later
        against the design); ``False`` when they span several relations."""
        quals = {q for q, _ in cols}
        if len(quals) != 1:
            return False
        return next(iter(quals))

    def read(self, stmt: Any) -> None:
        for node in nodes(stmt):
            if isinstance(node, ast.RangeVar):
                alias = node.alias.aliasname if node.alias else node.relname
                self.relations.setdefault(alias, _Rel(node.schemaname, node.relname))
        every = list(nodes(stmt))
        for node in every:  # comparisons first: they say more than a LIMIT does
            if isinstance(node, ast.A_Expr):
                self.comparison(node)
            elif isinstance(node, ast.UpdateStmt):
                self.update(node)
            elif isinstance(node, ast.InsertStmt):
                self.insert(node)
        for node in every:
            if isinstance(node, ast.SelectStmt):
                for clause, op in ((node.limitCount, "LIMIT"), (node.limitOffset, "OFFSET")):
                    if clause is not None and (numbers := params(clause)):
                        self.add(numbers, ParamUse("", op))

    def comparison(self, node: Any) -> None:
        kind = int(node.kind)
        op = node.name[-1].sval if node.name else ""
        if kind in _LIKE_NAMES:
            op = _LIKE_NAMES[kind] if not op.startswith("!") else "NOT " + _LIKE_NAMES[kind]
        elif kind == _IN:
            op = "IN"
        elif kind in (_OP_ANY, _OP_ALL):
            op = "ANY"
        elif kind == _BETWEEN:
            op = "BETWEEN"
        elif kind != _OP:
            return
        for side, other in ((node.rexpr, node.lexpr), (node.lexpr, node.rexpr)):
            numbers = params(side)
            if not numbers or params(other):
                continue
            cols = columns(other)
            if not cols or columns(side):
                continue
            rel = self.relation_of(cols)
            if rel is False:
                continue
            wrapped = not isinstance(side, ast.ParamRef) and not (
                isinstance(side, (list, tuple)) and all(isinstance(s, ast.ParamRef)
                                                         for s in side))
            self.add(numbers, ParamUse("", op, rel, RawStream()(other), wrapped,
                                       _has_wildcard_literal(side)))
            return

    def update(self, node: Any) -> None:
        target = node.relation.alias.aliasname if node.relation.alias else node.relation.relname
        for res in node.targetList or ():
            if (numbers := params(res.val)) and not columns(res.val):
                self.add(numbers, ParamUse("", "SET", target, res.name,
                                           not isinstance(res.val, ast.ParamRef)))

    def insert(self, node: Any) -> None:
        target = node.relation.alias.aliasname if node.relation.alias else node.relation.relname
        select = node.selectStmt
        if not node.cols or select is None or not select.valuesLists:
            return
        for row in select.valuesLists:
            for res, value in zip(node.cols, row):
                if numbers := params(value):
                    self.add(numbers, ParamUse("", "INSERT", target, res.name,
                                               not isinstance(value, ast.ParamRef)))


@lru_cache(maxsize=1024)
def param_uses(sql: str) -> tuple[dict[str, ParamUse], dict[str, tuple[str | None, str]]]:
    """(uses by parameter name, relations by alias) for one query pattern. A parameter the
    reader cannot place is simply absent from the first mapping: the caller reports it. SQL
    that PostgreSQL's parser rejects raises ``pglast.parser.ParseError``."""
    parsed = parse_params(sql)
    reader = _Reader(parsed.names)
    for raw in parse_sql(parsed.dollar):
        reader.read(raw.stmt)
    relations = {alias: (r.schema, r.name) for alias, r in reader.relations.items()}
    return reader.uses, relations


@dataclass(frozen=True)
class SampleSource:
    """Where a pattern's parameters can be sampled together: its own FROM (joins included)
    and the conditions of its WHERE that take no parameter — so drawn values name rows the
    query can find (``o.customer_id`` of an order that has items, a live customer's e-mail).
    ``aliases`` maps each relation of the FROM to (schema, table)."""

    statement: Any
    aliases: dict[str, tuple[str | None, str]]
    where: str | None

    def from_sql(self, samples: dict[str, tuple[float, int]]) -> str:
        """The FROM list, with ``TABLESAMPLE BERNOULLI (pct) REPEATABLE (seed)`` on the
        aliases in ``samples`` (alias -> (pct, seed))."""
        def wrap(node: Any) -> Any:
            if isinstance(node, ast.RangeVar):
                alias = node.alias.aliasname if node.alias else node.relname
                if alias in samples:
                    pct, seed = samples[alias]
                    return ast.RangeTableSample(
                        relation=node, method=(ast.String(sval="bernoulli"),),
                        args=(ast.A_Const(val=ast.Float(fval=f"{pct:.6f}")),),
                        repeatable=ast.A_Const(val=ast.Integer(ival=seed)))
            elif isinstance(node, ast.JoinExpr):
                return ast.JoinExpr(jointype=node.jointype, isNatural=node.isNatural,
                                    larg=wrap(node.larg), rarg=wrap(node.rarg),
                                    usingClause=node.usingClause, quals=node.quals,
                                    alias=node.alias)
            return node
        return ", ".join(RawStream()(wrap(item)) for item in self.statement)


@lru_cache(maxsize=1024)
def sample_source(sql: str) -> SampleSource | None:
    """The pattern's top-level FROM (of a SELECT, UPDATE or DELETE) when every relation in it
    is a plain table or a join of tables; ``None`` otherwise (set operations, subqueries in
    FROM, INSERT), and callers then sample each relation on its own."""
    top = top_statement(sql)
    if top is None:
        return None
    if any(isinstance(n, (ast.RangeSubselect, ast.RangeFunction, ast.SubLink))
           for n in nodes(top.items)):
        return None
    items, where, aliases = top.items, top.where, dict(top.aliases)
    kept = [t for t in conjuncts(where)
            if not params(t) and not any(isinstance(n, ast.SubLink) for n in nodes(t))]
    text = " AND ".join(f"({RawStream()(t)})" for t in kept) or None
    return SampleSource(items, aliases, text)


@lru_cache(maxsize=1024)
def writes(sql: str) -> bool:
    """True unless the pattern is a plain SELECT (no FOR UPDATE, no data-modifying WITH):
    timing then runs it in a transaction that is rolled back."""
    for raw in parse_sql(parse_params(sql).dollar):
        for node in nodes(raw.stmt):
            if isinstance(node, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt,
                                 ast.MergeStmt, ast.LockingClause)):
                return True
        if not isinstance(raw.stmt, ast.SelectStmt):
            return True
    return False
