"""Walking PostgreSQL parse trees (pglast) for the benchmark's readers of query patterns."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pglast import ast, parse_sql

from pgarch_kit.production._sql import nodes  # the one pglast tree walker (depth first)

from .sqlparams import parse_params

__all__ = ["TopStatement", "columns", "conjuncts", "has_param", "nodes", "params",
           "top_statement"]


def params(node: Any) -> list[int]:
    """The ``$n`` numbers used under ``node``."""
    return [n.number for n in nodes(node) if isinstance(n, ast.ParamRef)]


def has_param(node: Any) -> bool:
    return any(isinstance(n, ast.ParamRef) for n in nodes(node))


def columns(node: Any) -> list[tuple[str | None, str]]:
    """(qualifier, column) of every column reference under ``node``."""
    out = []
    for n in nodes(node):
        if isinstance(n, ast.ColumnRef):
            names = [f.sval for f in n.fields if isinstance(f, ast.String)]
            if names:
                out.append((names[-2] if len(names) > 1 else None, names[-1]))
    return out


def conjuncts(node: Any) -> list[Any]:
    """The top-level AND terms of a condition."""
    if node is None:
        return []
    if isinstance(node, ast.BoolExpr) and int(node.boolop) == 0:
        return [t for arg in node.args for t in conjuncts(arg)]
    return [node]


@dataclass(frozen=True)
class TopStatement:
    """The outermost SELECT (not a set operation), UPDATE or DELETE of a pattern: its FROM
    items (the UPDATE/DELETE target first), WHERE, and relations by alias."""

    stmt: Any
    items: tuple[Any, ...]
    where: Any
    aliases: dict[str, tuple[str | None, str]]


@lru_cache(maxsize=1024)
def top_statement(sql: str) -> TopStatement | None:
    """``None`` for INSERT, set operations and other statements."""
    stmt = parse_sql(parse_params(sql).dollar)[0].stmt
    if isinstance(stmt, ast.SelectStmt) and int(stmt.op) == 0 and stmt.fromClause:
        items = tuple(stmt.fromClause)
    elif isinstance(stmt, ast.UpdateStmt):
        items = (stmt.relation, *(stmt.fromClause or ()))
    elif isinstance(stmt, ast.DeleteStmt):
        items = (stmt.relation, *(stmt.usingClause or ()))
    else:
        return None
    aliases = {}
    for n in nodes(items):
        if isinstance(n, ast.RangeVar):
            aliases[n.alias.aliasname if n.alias else n.relname] = (n.schemaname, n.relname)
    return TopStatement(stmt, items, stmt.whereClause, aliases)
