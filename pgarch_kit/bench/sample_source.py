"""Where a pattern's parameters can be sampled together: its own FROM, read from the pattern's
one parse (:mod:`pgarch_kit.model.query`), rewritten with ``TABLESAMPLE``.

``WHERE o.customer_id = :c AND o.status = 'paid'`` over ``orders o JOIN order_items i`` is
sampled through the same join and the same parameter-free conditions, so drawn values name
rows the query can find (the customer of a paid order that has items).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pglast import ast

from pgarch_kit.model.query import parse_pattern
from pgarch_kit.model.query.tree import conjuncts, deparse, has_param, has_sublink, nodes

__all__ = ["SampleSource", "sample_source"]


@dataclass(frozen=True)
class SampleSource:
    """The pattern's top-level FROM items, its relations by alias (alias → (schema, table)),
    and the conditions of its WHERE that take no parameter (SQL, or None)."""

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
        return ", ".join(deparse(wrap(item)) for item in self.statement)


@lru_cache(maxsize=1024)
def sample_source(sql: str) -> SampleSource | None:
    """The pattern's top-level FROM (of a SELECT, UPDATE or DELETE) when every relation in it
    is a plain table or a join of tables; None otherwise (set operations, subqueries in FROM,
    INSERT, SQL the parser refuses), and callers then sample each relation on its own."""
    from pglast.enums import SetOperation
    from pglast.parser import ParseError
    try:
        stmt = parse_pattern(sql).statements[0]
    except (ParseError, IndexError):
        return None
    if isinstance(stmt, ast.SelectStmt) and stmt.op == SetOperation.SETOP_NONE \
            and stmt.fromClause:
        items = tuple(stmt.fromClause)
    elif isinstance(stmt, ast.UpdateStmt):
        items = (stmt.relation, *(stmt.fromClause or ()))
    elif isinstance(stmt, ast.DeleteStmt):
        items = (stmt.relation, *(stmt.usingClause or ()))
    else:
        return None
    if any(isinstance(n, (ast.RangeSubselect, ast.RangeFunction, ast.SubLink))
           for n in nodes(items)):
        return None
    aliases = {(n.alias.aliasname if n.alias else n.relname): (n.schemaname, n.relname)
               for n in nodes(items) if isinstance(n, ast.RangeVar)}
    kept = [t for t in conjuncts(stmt.whereClause) if not has_param(t) and not has_sublink(t)]
    text = " AND ".join(f"({deparse(t)})" for t in kept) or None
    return SampleSource(items, aliases, text)
