"""How one literal of a CHECK alternative is made true on the rows that fail it.

:func:`plan_literal` gives, per row, what making the literal true costs (0 where it holds, inf
where nothing may be changed) and the fix that does it: write NULL or reveal a value, set a
constant or one of the allowed values, move one column relative to another (``a < b``), apply
a text normal form (``lower(btrim(x)) = x``), NULL or reveal keys until ``num_nonnulls``
fits, or — the last resort for arithmetic — try a few candidate values for one column.
:func:`branch_domains` says what a whole alternative allows a finite column to be, so
``type <> 'A' AND type <> 'B'`` over an enum of A and B is seen to be impossible.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._random import uniform
from .evaluate import ColData, evaluate, holds, to_kind
from .sqlexpr import Col, Const, Func, In, IsNull, Node, Not, Op

__all__ = ["branch_domains", "plan_literal"]

_FLIP = {"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_INF = np.inf


def _col(node: Node, cols: Mapping[str, ColData]) -> ColData | None:
    return cols.get(node.name) if isinstance(node, Col) else None


def branch_domains(lits, cols: Mapping[str, ColData]) -> dict[str, list] | None:
    """For columns with a finite domain (enum, IN list, boolean): the values every literal of
    the alternative allows together; None when some column has none left (``type <> 'A'
    AND type <> 'B'`` over an enum of A and B: the alternative is impossible)."""
    out: dict[str, list] = {}
    nullness: dict[str, bool] = {}
    for lit in lits:
        if isinstance(lit, IsNull) and isinstance(lit.expr, Col):  # x IS NULL AND x IS NOT NULL
            if nullness.setdefault(lit.expr.name, lit.negated) != lit.negated:
                return None
            continue
        col, keep = None, None
        if isinstance(lit, Op) and lit.op in ("=", "<>"):
            a, b = lit.left, lit.right
            if isinstance(a, Const):
                a, b = b, a
            if isinstance(a, Col) and isinstance(b, Const) and b.value is not None:
                col, vals, keep = a.name, [b.value], lit.op == "="
        elif isinstance(lit, In) and isinstance(lit.expr, Col):
            col, vals, keep = lit.expr.name, list(lit.values), not lit.negated
        c = cols.get(col) if col is not None else None
        domain = (c.choices or _defaults(c)) if c is not None else ()
        if not domain:
            continue
        try:
            typed = {to_kind(v, c.kind) for v in vals if v is not None}
        except (ValueError, TypeError):
            continue
        now = out.get(col, list(domain))
        out[col] = [v for v in now if (v in typed) == keep]
        if not out[col]:
            return None
    return out


def plan_literal(lit: Node, cols: Mapping[str, ColData], n: int,
                  domains: dict[str, list] | None = None):
    """(cost per row, fix(rows)) making ``lit`` not FALSE; cost 0 where it already holds,
    inf where it cannot be made to. ``domains``: what the whole alternative allows."""
    domains = domains or {}
    ok, _ = holds(lit, cols, n)
    cost = np.where(ok, 0.0, _INF)
    fix = None
    if isinstance(lit, IsNull) and (c := _col(lit.expr, cols)) is not None:
        if not lit.negated and c.nullable:
            cost, fix = np.where(ok, 0.0, 1.0), lambda rows: _set_null(c, rows, True)
        elif lit.negated and (c.settable or c.can_unnull):
            cost, fix = np.where(ok, 0.0, 1.0), lambda rows: _set_null(c, rows, False)
    elif _is_member(lit) and (c := _col(_member(lit).args[0], cols)) is not None \
            and c.settable and not c.unique:
        item = _member(lit).args[1].value
        text = "{}" if isinstance(lit, Not) else '{"' + str(item).replace('"', '') + '"}'
        cost, fix = np.where(ok, 0.0, 1.0), lambda rows: _set(c, rows, [text])
    elif isinstance(lit, Op) and isinstance(lit.left, Func) and lit.left.name in (
            "num_nonnulls", "num_nulls") and isinstance(lit.right, Const) and all(
            isinstance(a, Col) and a.name in cols for a in lit.left.args):
        counted = [cols[a.name] for a in lit.left.args]
        fix = _counting_fix(lit.left.name, lit.op, lit.right.value, counted)
        cost = np.where(ok, 0.0, 1.0) if fix is not None else cost
    elif isinstance(lit, Op) and lit.op == "=" and (fixed := _normal_form(lit, cols)):
        c, fn = fixed  # lower(btrim(name)) = name: write the normal form
        cost = np.where(ok, 0.0, 1.0)

        def fix(rows: np.ndarray, c=c, fn=fn) -> None:
            v = evaluate(fn, cols, n)
            c.values = np.asarray(c.values, dtype=np.str_).copy()
            c.values[rows] = np.asarray(v.values, dtype=np.str_)[rows]
            c.changed = True
    elif isinstance(lit, In) and (c := _col(lit.expr, cols)) is not None and c.settable \
            and not c.unique:
        vals = [to_kind(v, c.kind) for v in lit.values if v is not None]
        if lit.negated:
            vals = [v for v in (c.choices or _defaults(c)) if v not in vals]
        if lit.expr.name in domains:
            vals = [v for v in vals if v in domains[lit.expr.name]]
        if vals:
            cost = np.where(ok, 0.0, 1.0)
            fix = lambda rows: _set(c, rows, vals)  # noqa: E731
    elif isinstance(lit, Op) and lit.op in _FLIP:
        left, right, op = lit.left, lit.right, lit.op
        if isinstance(left, Const) and isinstance(right, Col):
            left, right, op = right, left, _FLIP[op]
        a, b = _col(left, cols), _col(right, cols)
        if a is not None and isinstance(right, Const) and right.value is not None \
                and a.settable and not (a.unique and op in ("=",)):
            target = _target(a, op, right.value)
            if target is not None and left.name in domains:
                target = [v for v in target if v in domains[left.name]] or None
            if target is not None:
                cost = np.where(ok, 0.0, 1.0)
                fix = lambda rows: _set(a, rows, target)  # noqa: E731
        elif a is not None and b is not None and a.kind == b.kind and a.kind in (
                "num", "time", "bool", "text"):
            movable = b if b.settable and not (b.unique and op == "=") else a if (
                a.settable and not (a.unique and op == "=")) else None
            if movable is not None and (op in ("=", "<>") or a.kind in ("num", "time")):
                cost = np.where(ok, 0.0, 1.5)
                fix = lambda rows: _follow(a, b, op, movable is b, rows)  # noqa: E731
    if fix is None and not ok.all():
        cost, fix = _by_candidates(lit, cols, n, ok)
    return cost, fix


def _by_candidates(lit: Node, cols: Mapping[str, ColData], n: int, ok: np.ndarray):
    """The last resort for a literal over arithmetic (``allocated * -1 >= LEAST(0, qty)``):
    try, for one settable number or time column, a few candidate values — 0, ±1 and the
    other columns of the literal (±1 step, negated) — and keep the first that makes it hold.
    Still vectorised: one evaluation per candidate."""
    from .sqlexpr import columns_of
    names = [c for c in sorted(columns_of(lit)) if c in cols]
    movable = [c for c in names if cols[c].settable and not cols[c].unique
               and cols[c].kind in ("num", "time")]
    best = None
    for name in movable:  # the column whose candidates fix the most failing rows
        target, options, found = _candidates(lit, cols, n, name, names)
        if best is None or (found >= 0).sum() > (best[2] >= 0).sum():
            best = (target, options, found)
    if best is None:
        return np.where(ok, 0.0, _INF), None
    target, options, found = best
    cost = np.where(ok, 0.0, np.where(found >= 0, 2.0, _INF))

    def fix(rows: np.ndarray) -> None:
        chosen = rows & (found >= 0)
        new = target.values.copy()
        for k in np.unique(found[chosen]):
            sel = chosen & (found == k)
            new[sel] = options[int(k)][sel]
        target.values = new
        _set_null(target, chosen, False)
    return cost, fix


def _candidates(lit: Node, cols: Mapping[str, ColData], n: int, name: str,
                names: list[str]) -> tuple[ColData, list[np.ndarray], np.ndarray]:
    target = cols[name]
    options = [np.full(n, v, dtype=target.values.dtype) for v in (0, 1, -1)] \
        if target.kind == "num" else []
    for other in names:
        if other != name and cols[other].kind == target.kind:
            base = cols[other].values.astype(target.values.dtype)
            options += [base, base + target.unit, base - target.unit, -base]
    found = np.full(n, -1, dtype=np.int64)
    saved, saved_nulls = target.values, target.nulls
    try:
        target.nulls = np.zeros(n, dtype=bool)
        for k, values in enumerate(options):
            target.values = values
            good = holds(lit, cols, n)[0] & (found < 0)
            found[good] = k
    finally:
        target.values, target.nulls = saved, saved_nulls
    return target, options, found


def _normal_form(lit: Op, cols: Mapping[str, ColData]):
    """(column, expression) for ``f(g(x)) = x`` with text functions that are idempotent
    (lower, upper, btrim): the repair writes ``f(g(x))`` into ``x``."""
    for fn, other in ((lit.left, lit.right), (lit.right, lit.left)):
        inner = fn
        while isinstance(inner, Func) and inner.name in ("lower", "upper", "btrim", "trim") \
                and len(inner.args) == 1:
            inner = inner.args[0]
        if inner is not fn and isinstance(inner, Col) and isinstance(other, Col) and \
                inner.name == other.name and (c := cols.get(inner.name)) is not None and \
                c.settable and c.kind == "text":
            return c, fn
    return None


def _counting_fix(name: str, op: str, k: object, counted: list[ColData]):
    """A fix for ``num_nonnulls(a, b, …) <op> k`` with too many arguments to expand: NULL
    out (or reveal) columns, in order, until the count fits."""
    try:
        k = int(k)
    except (TypeError, ValueError):
        return None
    total = len(counted)
    if name == "num_nulls":  # in terms of present values
        op, k = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op), total - k
    lo = {"=": k, ">=": k, ">": k + 1}.get(op, 0)
    hi = {"=": k, "<=": k, "<": k - 1}.get(op, total)
    if lo > hi or lo > total or hi < 0:
        return None

    def fix(rows: np.ndarray) -> None:
        present = sum((~c.nulls).astype(np.int64) for c in counted)
        for c in counted:  # too many: NULL the nullable ones
            over = rows & (present > hi) & ~c.nulls
            if c.nullable and over.any():
                _set_null(c, over, True)
                present = present - over
        for c in counted:  # too few: reveal or keep values that may stand
            under = rows & (present < lo) & c.nulls
            if (c.settable or c.can_unnull) and under.any():
                _set_null(c, under, False)
                present = present + under
    return fix


def _member(lit: Node) -> Func:
    return lit.arg if isinstance(lit, Not) else lit


def _is_member(lit: Node) -> bool:
    m = _member(lit)
    return isinstance(m, Func) and m.name == "array_contains" and isinstance(
        m.args[1], Const)


def _defaults(c: ColData) -> list:
    return [True, False] if c.kind == "bool" else []


def _target(c: ColData, op: str, raw: object) -> list | None:
    try:
        v = to_kind(raw, c.kind)
    except (ValueError, TypeError):
        return None
    if op == "=":
        return [v]
    if op == "<>":
        others = [x for x in (c.choices or _defaults(c)) if x != v]
        if others:
            return others
        return [v + c.unit] if c.kind in ("num", "time") else None
    if c.kind not in ("num", "time"):
        return None
    step = c.unit
    return [{"<": v - step, "<=": v, ">": v + step, ">=": v}[op]]


def _pick(c: ColData, rows: np.ndarray, options: list) -> np.ndarray:
    if len(options) == 1:
        return np.full(int(rows.sum()), options[0], dtype=c.values.dtype if c.kind != "text"
                       else object)
    where = c.idx[rows] if c.idx is not None else np.flatnonzero(rows)  # by row, not batch
    k = (uniform(0x5EED, where) * len(options)).astype(np.int64)
    return np.array(options, dtype=object)[np.minimum(k, len(options) - 1)]


def _set(c: ColData, rows: np.ndarray, options: list) -> None:
    vals = _pick(c, rows, options)
    if c.kind == "text":
        width = max(int(np.strings.str_len(np.asarray(vals, dtype=np.str_)).max(initial=0)), 1)
        if c.values.dtype.itemsize // 4 < width:
            c.values = c.values.astype(f"U{width}")
        c.values[rows] = np.asarray(vals, dtype=np.str_)
    else:
        c.values = c.values.copy()
        c.values[rows] = np.asarray(vals).astype(c.values.dtype)
    _set_null(c, rows, False)


def _set_null(c: ColData, rows: np.ndarray, value: bool) -> None:
    c.nulls = np.array(c.nulls, copy=True)
    c.nulls[rows] = value
    c.changed = True


def _follow(a: ColData, b: ColData, op: str, move_b: bool, rows: np.ndarray) -> None:
    """Make ``a op b`` true on ``rows`` by moving one side relative to the other."""
    src, dst = (a, b) if move_b else (b, a)
    rel = op if move_b else _FLIP[op]  # now read as: src rel dst
    step = a.unit if a.kind in ("num", "time") else 0
    base = src.values[rows]
    if rel in ("=", "<=", ">="):
        new = base
    elif rel == "<":
        new = base + step
    elif rel == ">":
        new = base - step
    elif a.kind == "bool":
        new = ~base
    elif a.kind == "text":
        new = np.strings.add(base.astype(np.str_), "x")
    else:
        new = base + step
    if dst.kind == "text" and dst.values.dtype.itemsize < np.asarray(new).dtype.itemsize:
        dst.values = dst.values.astype(np.asarray(new).dtype)
    dst.values = dst.values.copy()
    dst.values[rows] = new
    _set_null(dst, rows, False)
