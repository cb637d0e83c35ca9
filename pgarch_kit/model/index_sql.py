"""Index keys as SQL, the one spelling the DDL and the advisor's proposed fixes share: a fix
that recreates an index must keep every property that gives a key its meaning (collation,
opclass, direction, NULLS placement), or it would quietly serve fewer queries."""
from __future__ import annotations

from .design import IndexKey
from .names import quote_ident, sql_name

__all__ = ["index_key_sql", "wrap"]


def _fully_parenthesised(expr: str) -> bool:
    """True when the first '(' closes at the last character (quotes and literals skipped)."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return False
    depth, i, n = 0, 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch in "'\"":
            end = expr.find(ch, i + 1)
            while end >= 0 and end + 1 < n and expr[end + 1] == ch:
                end = expr.find(ch, end + 2)
            if end < 0:
                return False
            i = end + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != n - 1:
                return False
        i += 1
    return depth == 0


def wrap(expr: str) -> str:
    """``(expr)``, without doubling parentheses the expression already has."""
    expr = expr.strip()
    return expr if _fully_parenthesised(expr) else f"({expr})"


def index_key_sql(key: IndexKey) -> str:
    """One key: the quoted column or the parenthesised expression, then collation, opclass,
    direction and NULLS placement (printed only where it differs from the default)."""
    text = wrap(key.column) if key.expression else quote_ident(key.column)
    if key.collation:
        text += f" COLLATE {sql_name(key.collation)}"
    if key.opclass:
        text += f" {sql_name(key.opclass)}"
    if key.descending:
        text += " DESC"
    # NULLS FIRST is the default for DESC and NULLS LAST for ASC; print only a change
    if key.nulls_first is not None and key.nulls_first != key.descending:
        text += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
    return text
