"""What each parameter of a query pattern is compared with — where realistic values live.

``WHERE o.customer_id = :customer_id`` says values of ``:customer_id`` are found in
``orders.customer_id``. :func:`param_uses` reads, for every parameter, the relation (alias)
and the expression on the other side of its comparison (``lower(c.email)``, ``placed_at``),
and the operator (``=``, ``>=``, ``@>``, ``ILIKE``, ``@@`` …) — from WHERE and JOIN
conditions anywhere in the pattern, ``SET col = :v``, ``INSERT … VALUES`` and
``LIMIT``/``OFFSET``. The benchmarks' sampler turns these into SQL that draws values.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .predicate import predicate
from .tree import Parsed, columns, nodes, param_numbers, parse_pattern

__all__ = ["ParamUse", "param_uses"]


@dataclass(frozen=True)
class ParamUse:
    """How one parameter is used. ``op`` is the operator (``=``, ``>=``, ``@>``, ``LIKE`` …),
    ``IN``, ``ANY`` (an array parameter), ``SET``/``INSERT`` (a written value), ``LIMIT`` or
    ``OFFSET``; ``expr`` is the SQL on the other side, over the columns ``columns`` of
    ``relation`` (an alias, or None when unqualified); ``wrapped`` says the parameter sits
    inside an expression of its own (``'%' || :q || '%'``, ``lower(:email)``)."""

    name: str
    op: str
    relation: str | None = None
    expr: str | None = None
    wrapped: bool = False
    wildcards: bool = False          # the parameter is glued to '%' literals (infix search)
    columns: tuple[str, ...] = ()


class _Reader:
    def __init__(self, parsed: Parsed) -> None:
        self.parsed = parsed
        self.uses: dict[str, ParamUse] = {}
        self.relations: dict[str, tuple[str | None, str]] = {}

    def add(self, numbers: list[int], use: ParamUse) -> None:
        for number in numbers:
            name = self.parsed.name(number)
            if name not in self.uses:  # the first use tells the most (WHERE before LIMIT)
                self.uses[name] = ParamUse(name, use.op, use.relation, use.expr, use.wrapped,
                                           use.wildcards, use.columns)

    def read(self, stmt: Any) -> None:
        from pglast import ast
        every = list(nodes(stmt))
        for node in every:
            if isinstance(node, ast.RangeVar):
                alias = node.alias.aliasname if node.alias else node.relname
                self.relations.setdefault(alias, (node.schemaname, node.relname))
        for node in every:  # comparisons first: they say more than a LIMIT does
            if isinstance(node, ast.A_Expr):
                p = predicate(node, self.parsed, conjunct=False)
                if p is not None and p.params and p.kind != "join":
                    self.add(param_numbers(node), ParamUse(
                        "", p.op, p.ref.qualifier, p.column_sql, p.wrapped, p.wildcards,
                        p.columns))
            elif isinstance(node, ast.UpdateStmt):
                self.update(node)
            elif isinstance(node, ast.InsertStmt):
                self.insert(node)
        for node in every:
            if isinstance(node, ast.SelectStmt):
                for clause, op in ((node.limitCount, "LIMIT"), (node.limitOffset, "OFFSET")):
                    if clause is not None and (numbers := param_numbers(clause)):
                        self.add(numbers, ParamUse("", op))

    def update(self, node: Any) -> None:
        from pglast import ast
        target = node.relation.alias.aliasname if node.relation.alias else node.relation.relname
        for res in node.targetList or ():
            if (numbers := param_numbers(res.val)) and not columns(res.val):
                self.add(numbers, ParamUse("", "SET", target, res.name,
                                           not isinstance(res.val, ast.ParamRef),
                                           columns=(res.name,)))

    def insert(self, node: Any) -> None:
        from pglast import ast
        target = node.relation.alias.aliasname if node.relation.alias else node.relation.relname
        select = node.selectStmt
        if not node.cols or select is None or not select.valuesLists:
            return
        for row in select.valuesLists:
            for res, value in zip(node.cols, row):
                if numbers := param_numbers(value):
                    self.add(numbers, ParamUse("", "INSERT", target, res.name,
                                               not isinstance(value, ast.ParamRef),
                                               columns=(res.name,)))


@lru_cache(maxsize=4096)
def param_uses(sql: str) -> tuple[dict[str, ParamUse], dict[str, tuple[str | None, str]]]:
    """(uses by parameter name, relations by alias as (schema, table)) for one pattern. A
    parameter the reader cannot place is absent from the first mapping: the caller reports
    it. SQL the parser refuses raises ``pglast.parser.ParseError``."""
    parsed = parse_pattern(sql)
    reader = _Reader(parsed)
    for stmt in parsed.statements:
        reader.read(stmt)
    return reader.uses, reader.relations
