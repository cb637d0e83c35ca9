"""A CHECK (or index predicate) read by PostgreSQL's own parser into a small boolean tree.

The generator reasons about constraints spanning several columns (``(a IS NULL) = (b IS
NULL)``, ``a < b``, ``CASE …``, ``num_nonnulls(a, b) = 1``): it needs the expression as data,
not text. pglast (libpg_query) parses exactly what PostgreSQL parses, so quoting, casts and
operator spelling never fool a regular expression. What the tree cannot express becomes an
:class:`Opaque` leaf: still evaluated where possible, never guessed at.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

__all__ = ["And", "Arith", "Case", "Col", "Const", "Func", "In", "IsNull", "Node", "Not", "Op",
           "Opaque", "Or", "columns_of", "parse_expr", "substitute"]

_CMP = {"=", "<>", "!=", "<", ">", "<=", ">=", "~", "~*", "!~", "!~*"}


@dataclass(frozen=True)
class Col:
    name: str


@dataclass(frozen=True)
class Const:
    value: object                   # str, int, float, bool or None
    cast: str | None = None         # the type it was cast to, if any ('date', 'text[]' …)


@dataclass(frozen=True)
class Op:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class In:
    expr: Node
    values: tuple[object, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    expr: Node
    negated: bool = False           # IS NOT NULL


@dataclass(frozen=True)
class And:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    arg: Node


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Arith:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Case:
    whens: tuple[tuple[Node, Node], ...]
    default: Node


@dataclass(frozen=True)
class Opaque:
    text: str
    cols: tuple[str, ...] = ()


Node = Col | Const | Op | In | IsNull | And | Or | Not | Func | Arith | Case | Opaque


@functools.lru_cache(maxsize=2048)
def parse_expr(text: str, value_name: str | None = None) -> Node:
    """The tree of one boolean SQL expression; ``value_name`` replaces a domain's ``VALUE``.
    An expression the parser refuses becomes one :class:`Opaque` leaf."""
    from pglast import parse_sql
    from pglast.parser import ParseError
    try:
        stmt = parse_sql(f"SELECT ({text})")[0].stmt
        node = stmt.targetList[0].val
    except (ParseError, IndexError, AttributeError):
        return Opaque(text)
    return _node(node, value_name)


def _name(fields) -> str:
    return ".".join(getattr(f, "sval", "*") for f in fields)


def _const(node) -> Const | None:
    from pglast import ast
    cast = None
    while isinstance(node, ast.TypeCast):
        cast = _name(node.typeName.names).removeprefix("pg_catalog.")
        if node.typeName.arrayBounds:
            cast += "[]"
        node = node.arg
    if isinstance(node, ast.A_Const):
        if node.isnull:
            return Const(None, cast)
        v = node.val
        for attr in ("sval", "ival", "fval", "boolval"):
            if hasattr(v, attr):
                raw = getattr(v, attr)
                return Const(float(raw) if attr == "fval" else raw, cast)
    return None


def _array_values(node) -> tuple[object, ...] | None:
    """ARRAY['a', 'b'] or '{a,b}'::text[] as Python values."""
    from pglast import ast
    if isinstance(node, ast.A_ArrayExpr):
        vals = [_const(e) for e in node.elements or ()]
        return tuple(v.value for v in vals) if all(v is not None for v in vals) else None
    c = _const(node)
    if c is not None and isinstance(c.value, str) and c.value.startswith("{"):
        inner = c.value.strip()[1:-1]
        return tuple(p.strip().strip('"') for p in inner.split(",")) if inner else ()
    return None


def _is_boolean(n: Node) -> bool:
    return isinstance(n, (Op, In, IsNull, And, Or, Not)) or (
        isinstance(n, Const) and isinstance(n.value, bool))


def _node(node, value_name: str | None) -> Node:
    from pglast import ast
    from pglast.enums import A_Expr_Kind, BoolExprType, BoolTestType, NullTestType
    from pglast.stream import RawStream

    def sub(n) -> Node:
        return _node(n, value_name)

    def opaque() -> Opaque:
        text = RawStream()(node)
        names = {_name(c.fields).split(".")[-1] for c in _walk(node)
                 if isinstance(c, ast.ColumnRef)}
        if value_name is not None:
            names = {value_name if n.lower() == "value" else n for n in names}
        cols = tuple(sorted(names))
        return Opaque(text, cols)

    if isinstance(node, (ast.TypeCast, ast.A_Const)):
        c = _const(node)
        if c is not None:
            return c
        if isinstance(node, ast.TypeCast):
            return sub(node.arg)
    if isinstance(node, ast.ColumnRef):
        name = _name(node.fields).split(".")[-1]
        if value_name is not None and name.lower() == "value":
            name = value_name
        return Col(name)
    if isinstance(node, ast.BoolExpr):
        args = tuple(sub(a) for a in node.args)
        if node.boolop == BoolExprType.AND_EXPR:
            return And(args)
        if node.boolop == BoolExprType.OR_EXPR:
            return Or(args)
        return Not(args[0])
    if isinstance(node, ast.NullTest):
        arg = sub(node.arg)
        return IsNull(arg, node.nulltesttype == NullTestType.IS_NOT_NULL)
    if isinstance(node, ast.BooleanTest):
        arg = sub(node.arg)
        t = node.booltesttype
        if t == BoolTestType.IS_TRUE:
            return And((IsNull(arg, True), Op("=", arg, Const(True))))
        if t == BoolTestType.IS_FALSE:
            return And((IsNull(arg, True), Op("=", arg, Const(False))))
        if t == BoolTestType.IS_NOT_TRUE:
            return Or((IsNull(arg), Op("=", arg, Const(False))))
        if t == BoolTestType.IS_NOT_FALSE:
            return Or((IsNull(arg), Op("=", arg, Const(True))))
        return opaque()
    if isinstance(node, ast.CaseExpr):  # CASE x WHEN v THEN … reads as WHEN x = v THEN …
        subject = sub(node.arg) if node.arg is not None else None
        whens = tuple((Op("=", subject, sub(w.expr)) if subject is not None else sub(w.expr),
                       sub(w.result)) for w in node.args)
        default = sub(node.defresult) if node.defresult is not None else Const(None)
        return Case(whens, default)
    if isinstance(node, ast.FuncCall):
        name = _name(node.funcname).split(".")[-1].lower()
        return Func(name, tuple(sub(a) for a in node.args or ()))
    if isinstance(node, ast.CoalesceExpr):
        return Func("coalesce", tuple(sub(a) for a in node.args))
    if isinstance(node, ast.MinMaxExpr):  # LEAST / GREATEST
        name = "greatest" if int(node.op) == 0 else "least"
        return Func(name, tuple(sub(a) for a in node.args))
    if isinstance(node, ast.A_Expr):
        op = _name(node.name) if node.name else ""
        kind = node.kind
        if kind == A_Expr_Kind.AEXPR_OP and node.lexpr is not None:
            left, right = sub(node.lexpr), sub(node.rexpr)
            if op in ("=", "<>", "!=") and _is_boolean(left) and _is_boolean(right):
                same = Or((And((left, right)), And((Not(left), Not(right)))))
                return same if op == "=" else Not(same)
            if op in _CMP:
                return Op("<>" if op == "!=" else op, left, right)
            if op in ("+", "-", "*", "/", "%", "||"):
                return Arith(op, left, right)
        if kind in (A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_OP_ALL, A_Expr_Kind.AEXPR_IN):
            values = (_array_values(node.rexpr) if kind != A_Expr_Kind.AEXPR_IN else
                      tuple(c.value for c in map(_const, node.rexpr) if c is not None))
            if kind == A_Expr_Kind.AEXPR_IN and len(values) != len(node.rexpr):
                values = None
            any_eq = kind != A_Expr_Kind.AEXPR_OP_ALL and op == "="
            all_ne = kind != A_Expr_Kind.AEXPR_OP_ANY and op == "<>"
            if values is not None and (any_eq or all_ne):
                return In(sub(node.lexpr), values, negated=all_ne)
            if kind == A_Expr_Kind.AEXPR_OP_ANY and op == "=" and isinstance(
                    node.rexpr, ast.ColumnRef) and _const(node.lexpr) is not None:
                # 'none' = ANY (subsystems): membership in an array column
                return Func("array_contains", (sub(node.rexpr), _const(node.lexpr)))
        if kind in (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN):
            x, (lo, hi) = sub(node.lexpr), (sub(n) for n in node.rexpr)
            inside = And((Op(">=", x, lo), Op("<=", x, hi)))
            return inside if kind == A_Expr_Kind.AEXPR_BETWEEN else Not(inside)
        if kind in (A_Expr_Kind.AEXPR_DISTINCT, A_Expr_Kind.AEXPR_NOT_DISTINCT):
            left, right = sub(node.lexpr), sub(node.rexpr)
            for a, b in ((left, right), (right, left)):
                if isinstance(b, Const) and b.value is None:
                    return IsNull(a, negated=kind == A_Expr_Kind.AEXPR_DISTINCT)
    return opaque()


def _walk(node):
    from pglast import ast
    yield node
    if isinstance(node, ast.Node):
        for attr in node:
            child = getattr(node, attr)
            if isinstance(child, tuple):
                for c in child:
                    yield from _walk(c)
            elif isinstance(child, ast.Node):
                yield from _walk(child)


def columns_of(n: Node) -> set[str]:
    """Every column the expression reads."""
    if isinstance(n, Col):
        return {n.name}
    if isinstance(n, Opaque):
        return set(n.cols)
    out: set[str] = set()
    for v in vars(n).values():
        items = v if isinstance(v, tuple) else (v,)
        for item in items:
            if isinstance(item, tuple):
                for x in item:
                    out |= columns_of(x) if not isinstance(x, (str, int, float, bool)) else set()
            elif hasattr(item, "__dataclass_fields__"):
                out |= columns_of(item)
    return out


def substitute(n: Node, mapping: dict[str, Node]) -> Node:
    """``n`` with each column of ``mapping`` replaced by its expression (a generated
    column's ``GENERATED ALWAYS AS (…)``, so a CHECK on it is judged on what it is made of)."""
    if isinstance(n, Col):
        return mapping.get(n.name, n)
    if isinstance(n, Opaque):
        if set(n.cols) & set(mapping):
            return Opaque(n.text, tuple(sorted((set(n.cols) - set(mapping)) | {
                c for k in set(n.cols) & set(mapping) for c in columns_of(mapping[k])})))
        return n
    if not hasattr(n, "__dataclass_fields__"):
        return n
    changes = {}
    for name, v in vars(n).items():
        if isinstance(v, tuple):
            changes[name] = tuple(
                tuple(substitute(x, mapping) for x in item) if isinstance(item, tuple)
                else substitute(item, mapping) if hasattr(item, "__dataclass_fields__")
                else item for item in v)
        elif hasattr(v, "__dataclass_fields__"):
            changes[name] = substitute(v, mapping)
    return type(n)(**{**vars(n), **changes})
