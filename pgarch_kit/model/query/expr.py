"""Expressions and conditions in a comparable form, so a query's terms can be matched with an
index's keys and predicate.

PostgreSQL prints an index back with casts and parentheses the design's author never wrote
(``(meta ->> 'colour'::text)``, ``status = ANY (ARRAY['a'::text, 'b'::text])``); the query
says ``meta ->> 'colour'`` and ``status IN ('a', 'b')``. Both sides go through the parser and
the same printer, then :func:`normalize`; IN lists and ``= ANY (ARRAY[…])`` of constants
become one sorted form, and ``flag = true`` / ``flag = false`` become ``flag`` / ``NOT
flag`` (as the planner simplifies them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .tree import column_ref, columns, deparse, has_param, has_sublink

__all__ = ["Term", "normalize", "canonical_expr", "term", "predicate_terms", "implied"]


@dataclass(frozen=True)
class Term:
    """One top-level AND term of a condition. ``key`` is its comparable text; ``column`` the
    key (column, or ``(expression)``) it constrains and ``op`` how (``=``, ``in``,
    ``isnull``, ``isnotnull``, ``bool``, or None for anything else); ``values`` the
    constants of an ``=``/``IN`` term."""

    key: str
    column: str | None = None
    op: str | None = None
    values: frozenset[str] | None = None
    sql: str = ""                                # as written (parameters as the pattern has them)
    columns: tuple[tuple[str | None, str], ...] = ()
    has_param: bool = False
    has_sublink: bool = False


def normalize(text: str) -> str:
    """Expression text in a comparable form: lower case, no blanks, no qualifiers, no
    ``::text`` casts on literals, no outer parentheses."""
    s = _strip_literal_casts(text.lower())
    s = re.sub(r"\b[a-z_][a-z0-9_]*\.(?=[a-z_\"])", "", s)
    s = re.sub(r"\s+", "", s).replace('"', "")
    while s.startswith("(") and s.endswith(")") and _balanced(s[1:-1]):
        s = s[1:-1]
    return s


def _strip_literal_casts(text: str) -> str:
    """``'color'::text`` → ``'color'``: PostgreSQL prints index expressions with these."""
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
    """An index expression in the form query expressions are compared in: printed back by
    the parser (so ``x::date`` and ``CAST(x AS date)`` agree), then normalised."""
    from pglast import parse_sql
    from pglast.parser import ParseError
    try:
        stmt = parse_sql(f"SELECT {_strip_literal_casts(text)}")[0].stmt
        return normalize(deparse(stmt.targetList[0].val))
    except (ParseError, AttributeError, IndexError):
        return normalize(text)


def key_of(node: Any) -> str | None:
    """The index-key spelling of a query expression: a column name, or ``(expression)`` when
    the expression reads exactly one column; None otherwise."""
    if (ref := column_ref(node)) is not None:
        return ref[1]
    cols = columns(node)
    return f"({normalize(deparse(node))})" if cols else None


def _constant(node: Any) -> str | None:
    from pglast import ast
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return normalize(deparse(node)) if isinstance(node, ast.A_Const) else None


def _constants(items: Any) -> frozenset[str] | None:
    from pglast import ast
    node = items
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.A_ArrayExpr):
        items = node.elements or ()
    if not isinstance(items, (list, tuple)):
        return None
    values = [_constant(i) for i in items]
    return frozenset(values) if values and None not in values else None  # type: ignore[arg-type]


def term(node: Any, written: str | None = None) -> Term:
    """The :class:`Term` of one condition node; ``written`` is its SQL as the pattern spells it
    (defaults to the printer's)."""
    from pglast import ast
    from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType
    sql = written if written is not None else deparse(node)
    common = {"sql": sql, "columns": tuple(columns(node)), "has_param": has_param(node),
              "has_sublink": has_sublink(node)}
    if isinstance(node, ast.NullTest) and (col := key_of(node.arg)) is not None:
        op = "isnull" if node.nulltesttype == NullTestType.IS_NULL else "isnotnull"
        return Term(normalize(deparse(node)), col, op, **common)
    if column_ref(node) is not None:
        return Term(normalize(deparse(node)), key_of(node), "bool", **common)
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.NOT_EXPR \
            and column_ref(node.args[0]) is not None:
        return Term(normalize(deparse(node)), key_of(node.args[0]), "bool", **common)
    if isinstance(node, ast.A_Expr) and node.name and node.name[-1].sval == "=" \
            and node.lexpr is not None:
        col = key_of(node.lexpr)
        if node.kind == A_Expr_Kind.AEXPR_OP and col is not None:
            value = node.rexpr
            while isinstance(value, ast.TypeCast):
                value = value.arg
            if isinstance(value, ast.A_Const) and isinstance(value.val, ast.Boolean):
                text = col if value.val.boolval else f"not{col}"
                return Term(normalize(text), col, "bool", **common)
            if (const := _constant(node.rexpr)) is not None:
                return Term(normalize(deparse(node)), col, "=", frozenset([const]), **common)
        if node.kind in (A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_OP_ANY) and col is not None \
                and (values := _constants(node.rexpr)) is not None:
            return Term(f"{col.lower()}in({','.join(sorted(values))})", col, "in", values,
                        **common)
    return Term(normalize(deparse(node)), **common)


@lru_cache(maxsize=4096)
def predicate_terms(where: str) -> tuple[Term, ...]:
    """The top-level AND terms of an index predicate (``WHERE`` of a partial index)."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    from .tree import conjuncts
    try:
        stmt = parse_sql(f"SELECT 1 WHERE {_strip_literal_casts(where)}")[0].stmt
    except (ParseError, IndexError):
        return (Term(normalize(where), sql=where),)
    return tuple(term(t) for t in conjuncts(stmt.whereClause))


def implied(predicate: str | None, terms: tuple[Term, ...], compared: set[str]) -> bool:
    """True when a query whose WHERE has ``terms`` (and compares the keys ``compared`` with
    strict operators, so they are not NULL in its rows) can use an index with WHERE
    ``predicate``: each predicate term is a term of the query, an ``IN`` list holding the
    query's ``=``/``IN`` constants, or ``col IS NOT NULL`` for a compared column."""
    if not predicate:
        return True
    have = {t.key for t in terms}
    for p in predicate_terms(predicate):
        if p.key in have:
            continue
        if p.op == "isnotnull" and p.column in compared:
            continue
        if p.op == "in" and p.values and any(
                q.column == p.column and q.op in ("=", "in") and q.values
                and q.values <= p.values for q in terms):
            continue
        return False
    return True
