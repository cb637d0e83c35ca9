"""A query pattern parsed by PostgreSQL's own parser (pglast), once, and the walks over its
tree that the readers share.

:func:`parse_pattern` turns the pattern's parameters into ``$n`` (numbered by first use, see
:mod:`.params`), parses that, and caches the result: every reader of a pattern — the
advisor, production plans, benchmarks, export — works from the same tree. The trees are
shared, so callers read them and never change them.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .params import PatternSql, pattern_params, render_params

__all__ = ["Parsed", "parse_pattern", "nodes", "columns", "column_ref", "column_names",
           "conjuncts", "comparison", "param_numbers", "has_param", "has_sublink",
           "relation_names", "aliases", "deparse"]


@dataclass(frozen=True)
class Parsed:
    """A pattern's statements (pglast nodes, read-only) and its parameters: ``$k`` in the
    tree is ``names[k - 1]``."""

    sql: str
    params: PatternSql
    statements: tuple[Any, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return self.params.names

    def name(self, number: int) -> str:
        """The parameter that ``$number`` in the tree stands for."""
        names = self.params.names
        return names[number - 1] if 0 < number <= len(names) else f"p{number}"

    def deparse(self, node: Any) -> str:
        """SQL text of ``node`` with each parameter spelled as the pattern wrote it
        (``:name``, or its own ``$n``)."""
        return render_params(deparse(node), lambda n: self.params.spelling(self.name(n)))


@lru_cache(maxsize=4096)
def _parse(sql: str) -> Parsed | Exception:
    from pglast import parse_sql
    from pglast.parser import ParseError
    try:
        params = pattern_params(sql)
        return Parsed(sql, params, tuple(raw.stmt for raw in parse_sql(params.dollar)))
    except (ParseError, RecursionError) as exc:  # a hostile nesting depth reads as refused
        return exc if isinstance(exc, ParseError) else ParseError(str(exc) or "too deep", 0)


def parse_pattern(sql: str) -> Parsed:
    """The pattern's parse (cached). Raises ``pglast.parser.ParseError`` — with PostgreSQL's
    own message — for text the server would refuse."""
    found = _parse(sql)
    if isinstance(found, Exception):
        raise found
    return found


def deparse(node: Any) -> str:
    """pglast's printing of ``node`` (parameters as ``$n``)."""
    from pglast.stream import RawStream
    return RawStream()(node)


def nodes(node: Any) -> Iterator[Any]:
    """Every node under ``node``, depth first in source order, without recursion (a hostile
    statement may nest deeply)."""
    from pglast import ast
    todo = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, (list, tuple)):
            todo.extend(reversed(item))
        elif isinstance(item, ast.Node):
            yield item
            todo.extend(getattr(item, slot, None) for slot in reversed(type(item).__slots__))


def columns(node: Any) -> list[tuple[str | None, str]]:
    """(qualifier, column) of every column reference under ``node``."""
    from pglast import ast
    out = []
    for n in nodes(node):
        if isinstance(n, ast.ColumnRef):
            names = [f.sval for f in n.fields if isinstance(f, ast.String)]
            if names:
                out.append((names[-2] if len(names) > 1 else None, names[-1]))
    return out


def column_ref(node: Any) -> tuple[str | None, str] | None:
    """(qualifier, column) when ``node`` is a plain column reference."""
    from pglast import ast
    if isinstance(node, ast.ColumnRef) and all(isinstance(f, ast.String) for f in node.fields):
        names = [f.sval for f in node.fields]
        return (names[-2] if len(names) > 1 else None, names[-1])
    return None


def column_names(node: Any) -> set[str]:
    return {c for _, c in columns(node)}


def conjuncts(node: Any) -> list[Any]:
    """The top-level AND terms of a condition."""
    from pglast import ast
    from pglast.enums import BoolExprType
    if node is None:
        return []
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        return [t for arg in node.args for t in conjuncts(arg)]
    return [node]


def comparison(node: Any) -> tuple[str, Any, Any] | None:
    """(operator, left, right) of a binary operator expression such as ``a = $1``."""
    from pglast import ast
    from pglast.enums import A_Expr_Kind
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP \
            and node.lexpr is not None and len(node.name) == 1:
        return node.name[0].sval, node.lexpr, node.rexpr
    return None


def param_numbers(node: Any) -> list[int]:
    """The ``$n`` numbers used under ``node``, in order."""
    from pglast import ast
    return [n.number for n in nodes(node) if isinstance(n, ast.ParamRef)]


def has_param(node: Any) -> bool:
    from pglast import ast
    return any(isinstance(n, ast.ParamRef) for n in nodes(node))


def has_sublink(node: Any) -> bool:
    from pglast import ast
    return any(isinstance(n, ast.SubLink) for n in nodes(node))


def relation_names(node: Any) -> set[str]:
    from pglast import ast
    return {n.relname for n in nodes(node) if isinstance(n, ast.RangeVar)}


def aliases(from_clause: Any) -> dict[str, str]:
    """alias (or table name) → table name, for the plain tables of a FROM clause."""
    from pglast import ast
    out: dict[str, str] = {}
    for n in nodes(from_clause):
        if isinstance(n, ast.RangeVar):
            out[n.alias.aliasname if n.alias else n.relname] = n.relname
            out.setdefault(n.relname, n.relname)
    return out
