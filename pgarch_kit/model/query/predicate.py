"""One condition of a query pattern read as a :class:`Predicate`: which column (or expression
over one relation's columns) it compares, with which operator, against what value.

``lower(c.email) = lower(:email)`` is an equality on ``(lower(email))`` whose value wraps the
parameter; ``doc ->> 'kind' = 'x'`` an equality on a JSON path; ``:since <= placed_at`` a range
on ``placed_at`` (mirrored); ``name ILIKE '%' || :q || '%'`` a pattern with a leading
wildcard; ``o.customer_id = c.id`` a join. Conditions that compare nothing with a single
relation's column (arithmetic, two columns of one row) are no predicate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .expr import normalize
from .tree import Parsed, column_ref, columns, deparse, nodes, param_numbers

__all__ = ["Ref", "Predicate", "predicate", "ref_of", "JSONB_OPS"]

_EQUALITY = {"="}
_RANGE = {"<", ">", "<=", ">="}
_NEGATED = {"<>", "!="}
_LIKE_OPS = {"~~": "LIKE", "~~*": "ILIKE", "!~~": "NOT LIKE", "!~~*": "NOT ILIKE"}
_PATTERN = {"LIKE", "ILIKE", "SIMILAR TO", "~", "~*"}
_PATH_OPS = ("->", "->>", "#>", "#>>")
JSONB_OPS = ("@>", "<@", "?|", "?&", "?", "@?", "@@")


@dataclass(frozen=True)
class Ref:
    """A column, or an expression over the columns of one relation (``lower(c.email)``):
    ``expr`` is then its normalised text; ``path`` the JSON operator (``->>`` …) when the
    expression extracts a path from the column."""

    qualifier: str | None
    column: str
    expr: str | None = None
    path: str | None = None                 # ->, ->>, #>, #>> when it reads a JSON path
    path_expr: str | None = None            # that path's normalised text (casts aside)
    sql: str = field(default="", compare=False)  # as the printer writes it (qualified)

    @property
    def key(self) -> str:
        """How an index key spelling compares with it: the column, or ``(expr)``."""
        return f"({self.expr})" if self.expr else self.column


@dataclass(frozen=True)
class Predicate:
    """One comparison of a column side (``ref``) with a value: parameters and constants, or
    — for a join, or an operator fed from elsewhere — a column of another relation
    (``other``). ``op``: ``=``, ``<`` …, ``IN``, ``NOT IN``, ``ANY``, ``BETWEEN``, ``LIKE``,
    ``ILIKE``, ``@>``, ``IS NULL``, ``IS TRUE`` …; ``kind``: equality, range, pattern (LIKE, regex),
    operator (JSONB, arrays, ranges, full text), null, bool, join (``a.x = b.y``), or other
    (negations, arithmetic). ``conjunct``: a top-level AND term of WHERE or a
    JOIN's ON — the terms an index can use."""

    ref: Ref
    op: str
    kind: str
    params: tuple[str, ...] = ()
    value: str | None = None            # SQL of the value side, parameters as written
    wrapped: bool = False               # a parameter inside an expression (lower(:e), '%' || :q)
    wildcards: bool = False             # the value is glued to '%' literals
    leading_wildcard: bool = False      # the LIKE pattern starts with a wildcard
    conjunct: bool = True
    other: Ref | None = None
    sql: str = ""                       # the comparison, as written
    column_sql: str = ""                # the column side, as the printer writes it
    columns: tuple[str, ...] = ()       # the columns the column side reads


# ------------------------------------------------------------------------------- reading

def ref_of(node: Any) -> Ref | None:
    """A plain column, or an expression over the columns of one relation."""
    from pglast import ast
    from pglast.enums import A_Expr_Kind
    if (ref := column_ref(node)) is not None:
        return Ref(*ref, sql=deparse(node))
    cols = columns(node)
    if not cols or len({q for q, _ in cols}) != 1:
        return None
    inner = node
    while isinstance(inner, ast.TypeCast):
        inner = inner.arg
    expr = normalize(deparse(node))
    if isinstance(inner, ast.A_Expr) and inner.kind == A_Expr_Kind.AEXPR_OP and inner.name \
            and inner.name[-1].sval in _PATH_OPS and len(cols) == 1:
        return Ref(cols[0][0], cols[0][1], expr, inner.name[-1].sval,
                   normalize(deparse(inner)), deparse(node))
    return Ref(cols[0][0], cols[0][1], expr, sql=deparse(node))


def _has_wildcard(node: Any) -> bool:
    from pglast import ast
    return any(isinstance(n, ast.A_Const) and isinstance(n.val, ast.String)
               and "%" in n.val.sval for n in nodes(node))


_ARITHMETIC = {"+", "-", "*", "/", "^", "||", "|/", "||/", "&", "|", "#"}
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "@>": "<@", "<@": "@>"}


def _op(node: Any) -> tuple[str, str] | None:
    """(operator, kind) of an A_Expr, or None for what is not a comparison."""
    from pglast.enums import A_Expr_Kind as K
    name = node.name[-1].sval if node.name else ""
    if node.kind == K.AEXPR_OP:
        if name in _LIKE_OPS:
            word = _LIKE_OPS[name]
            return word, "other" if word.startswith("NOT") else "pattern"
        if name in _EQUALITY:
            return name, "equality"
        if name in _RANGE:
            return name, "range"
        if name in ("~", "~*"):
            return name, "pattern"
        if name in _NEGATED or name in ("!~", "!~*") or name in _ARITHMETIC:
            return name, "other"
        return name, "operator"
    if node.kind in (K.AEXPR_OP_ANY, K.AEXPR_OP_ALL):
        equality = node.kind == K.AEXPR_OP_ANY and name == "="
        return "ANY", "equality" if equality else "other"
    if node.kind == K.AEXPR_IN:
        return ("NOT IN", "other") if name == "<>" else ("IN", "equality")
    if node.kind in (K.AEXPR_LIKE, K.AEXPR_ILIKE, K.AEXPR_SIMILAR):
        word = {K.AEXPR_LIKE: "LIKE", K.AEXPR_ILIKE: "ILIKE", K.AEXPR_SIMILAR: "SIMILAR TO"}[
            node.kind]
        return (f"NOT {word}", "other") if name.startswith("!") else (word, "pattern")
    if node.kind in (K.AEXPR_BETWEEN, K.AEXPR_BETWEEN_SYM):
        return "BETWEEN", "range"
    if node.kind in (K.AEXPR_NOT_BETWEEN, K.AEXPR_NOT_BETWEEN_SYM):
        return "NOT BETWEEN", "other"
    if node.kind == K.AEXPR_DISTINCT:
        return "IS DISTINCT FROM", "other"
    if node.kind == K.AEXPR_NOT_DISTINCT:
        return "IS NOT DISTINCT FROM", "other"
    return None


def predicate(node: Any, parsed: Parsed, conjunct: bool = True) -> Predicate | None:
    """The :class:`Predicate` of one condition node, or None when it compares no single
    relation's column with a value (or is no comparison at all)."""
    from pglast import ast
    from pglast.enums import BoolExprType, BoolTestType, NullTestType
    sql = parsed.deparse(node)
    if isinstance(node, (ast.NullTest, ast.BooleanTest)):
        if (ref := ref_of(node.arg)) is None:
            return None
        if isinstance(node, ast.NullTest):
            op = "IS NULL" if node.nulltesttype == NullTestType.IS_NULL else "IS NOT NULL"
        else:
            op = "IS " + BoolTestType(node.booltesttype).name[3:].replace("_", " ")
        return Predicate(ref, op, "null" if op.endswith("NULL") else "bool",
                         conjunct=conjunct, sql=sql, column_sql=deparse(node.arg))
    if column_ref(node) is not None:                                  # WHERE active
        return Predicate(Ref(*column_ref(node), sql=sql), "IS TRUE", "bool", conjunct=conjunct,
                         sql=sql, column_sql=sql)
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.NOT_EXPR \
            and (ref := column_ref(node.args[0])) is not None:      # WHERE NOT archived
        return Predicate(Ref(*ref, sql=deparse(node.args[0])), "IS FALSE", "bool",
                         conjunct=conjunct, sql=sql,
                         column_sql=deparse(node.args[0]))
    if not isinstance(node, ast.A_Expr) or node.lexpr is None or (found := _op(node)) is None:
        return None
    op, kind = found
    sides = [(node.lexpr, node.rexpr, False)]
    if isinstance(node.rexpr, ast.Node) and op not in ("BETWEEN", "NOT BETWEEN") \
            and kind != "pattern" and not op.startswith("NOT "):
        sides.append((node.rexpr, node.lexpr, True))     # :since <= placed_at
    for col_side, value, swapped in sides:
        ref = ref_of(col_side)
        if ref is None or param_numbers(col_side):
            continue
        if columns(value):
            other = ref_of(value) if isinstance(value, ast.Node) else None
            if op == "=" and other is not None and not param_numbers(value) and (
                    other.qualifier != ref.qualifier or other.qualifier is None):
                return Predicate(ref, "=", "join", other=other, conjunct=conjunct, sql=sql,
                                 column_sql=deparse(col_side))
            quals = {q for q, _ in columns(value)}
            if kind not in ("operator", "pattern") or ref.qualifier is None \
                    or ref.qualifier in quals:
                return None
            # doc @> other.filter, search @@ q (a function in FROM): an index on the column
            # still answers the operator, fed one value at a time (a nested loop)
        if swapped:
            op, kind = _MIRROR.get(op, op), (kind if op in _MIRROR or op == "=" else "other")
        other = ref_of(value) if columns(value) and isinstance(value, ast.Node) else None
        numbers = param_numbers(value)
        names = tuple(dict.fromkeys(parsed.name(n) for n in numbers))
        items = value if isinstance(value, (list, tuple)) else (value,)
        text = ", ".join(parsed.deparse(v) for v in items)
        wrapped = bool(numbers) and not all(isinstance(v, ast.ParamRef) for v in items)
        wildcards = _has_wildcard(value)
        leading = op in _PATTERN and (text.startswith("'%") or (
            wildcards and bool(numbers) and "'%'" in text
            and not text.lstrip("(").startswith((":", "$"))))
        return Predicate(ref, op, kind, names, text, wrapped, wildcards, leading, conjunct,
                         other, sql, deparse(col_side),
                         tuple(dict.fromkeys(c for _, c in columns(col_side))))
    return None
