"""Make CHECKs across several columns hold: generate, then repair the failing rows, vectorised.

A CHECK is rewritten as alternatives (disjunctive normal form: ``(a AND b) OR (c AND d)``)
of simple literals — ``col IS [NOT] NULL``, ``col <op> constant``, ``col IN (…)``,
``a <op> b`` between two columns. For each row that fails, the alternative that changes the
fewest values the row may change is chosen (a key, a foreign key or a unique column is never
set to a constant; a NOT NULL column never becomes NULL), and its literals are made true.
Rows stay independent of each other (each repair reads only its own row), so a child that
recomputes a parent's row sees the repaired values too. A CHECK with too many alternatives,
or literals nothing can repair, is still *evaluated*: the plan says so, and the load's hint
names the CHECK and this strategy when PostgreSQL rejects a row.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from ._random import uniform
from .evaluate import ColData, holds, to_kind
from .sqlexpr import And, Case, Col, Const, Func, In, IsNull, Node, Not, Op, Opaque, Or

__all__ = ["MAX_BRANCHES", "branches", "repair"]

MAX_BRANCHES = 64
_NEG = {"=": "<>", "<>": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "~": "!~",
        "!~": "~", "~*": "!~*", "!~*": "~*"}
_FLIP = {"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
_INF = np.inf


def _nnf(node: Node, positive: bool = True) -> Node:
    """Push NOT down to the literals (De Morgan holds in three-valued logic)."""
    if isinstance(node, Not):
        return _nnf(node.arg, not positive)
    if isinstance(node, (And, Or)):
        args = tuple(_nnf(a, positive) for a in node.args)
        return (And if isinstance(node, And) == positive else Or)(args)
    if isinstance(node, Case):  # CASE WHEN c THEN r … ELSE d END as a predicate
        alts, before = [], []
        for cond, res in (*node.whens, (Const(True), node.default)):
            alts.append(And((*before, cond, res)))
            before.append(Not(cond))
        return _nnf(Or(tuple(alts)), positive)
    if isinstance(node, Op):
        for side, other, swap in ((node.left, node.right, False), (node.right, node.left, True)):
            if isinstance(side, Case):  # CASE … END > 0: the comparison goes into each branch
                whens = tuple((c, Op(node.op, other, r) if swap else Op(node.op, r, other))
                              for c, r in side.whens)
                default = Op(node.op, other, side.default) if swap else Op(
                    node.op, side.default, other)
                return _nnf(Case(whens, default), positive)
        if isinstance(node.left, Func) and node.left.name in ("num_nonnulls", "num_nulls") \
                and isinstance(node.right, Const) and len(node.left.args) <= 6:
            return _nnf(_count_nulls(node.left, node.op, node.right.value), positive)
        return node if positive else Op(_NEG.get(node.op, node.op), node.left, node.right) \
            if node.op in _NEG else Not(node)
    if isinstance(node, In):
        return node if positive else In(node.expr, node.values, not node.negated)
    if isinstance(node, IsNull):
        return node if positive else IsNull(node.expr, not node.negated)
    if isinstance(node, Col):  # a boolean column used as a predicate
        return Op("=", node, Const(positive))
    if isinstance(node, Const) and isinstance(node.value, bool):
        return Const(node.value == positive)
    return node if positive else Not(node)


def _count_nulls(fn: Func, op: str, k: object) -> Node:
    args = fn.args
    alts = []
    for present in itertools.product((True, False), repeat=len(args)):
        count = sum(present) if fn.name == "num_nonnulls" else len(args) - sum(present)
        try:
            ok = {"=": count == k, "<>": count != k, "<": count < k, ">": count > k,
                  "<=": count <= k, ">=": count >= k}[op]
        except (KeyError, TypeError):
            return Opaque(f"{fn.name}(…) {op} {k}")
        if ok:
            alts.append(And(tuple(IsNull(a, p) for a, p in zip(args, present))))
    return Or(tuple(alts)) if alts else Const(False)


def branches(node: Node) -> list[tuple[Node, ...]] | None:
    """The alternatives (each a tuple of literals) of ``node``, or None past MAX_BRANCHES."""
    def dnf(x: Node) -> list[tuple[Node, ...]] | None:
        if isinstance(x, Or):
            out: list[tuple[Node, ...]] = []
            for a in x.args:
                sub = dnf(a)
                if sub is None or len(out) + len(sub) > MAX_BRANCHES:
                    return None
                out += sub
            return out
        if isinstance(x, And):
            out = [()]
            for a in x.args:
                sub = dnf(a)
                if sub is None or len(out) * len(sub) > MAX_BRANCHES:
                    return None
                out = [p + q for p in out for q in sub]
            return out
        if isinstance(x, Const) and x.value is False:
            return []
        if isinstance(x, Const) and x.value is True:
            return [()]
        return [(x,)]
    return dnf(_nnf(node))


# --- repairing literals -------------------------------------------------------------------

def _col(node: Node, cols: Mapping[str, ColData]) -> ColData | None:
    return cols.get(node.name) if isinstance(node, Col) else None


def _plan_literal(lit: Node, cols: Mapping[str, ColData], n: int):
    """(cost per row, fix(rows)) making ``lit`` not FALSE; cost 0 where it already holds,
    inf where it cannot be made to."""
    ok, _ = holds(lit, cols, n)
    cost = np.where(ok, 0.0, _INF)
    fix = None
    if isinstance(lit, IsNull) and (c := _col(lit.expr, cols)) is not None:
        if not lit.negated and c.nullable:
            cost, fix = np.where(ok, 0.0, 1.0), lambda rows: _set_null(c, rows, True)
        elif lit.negated and c.settable:
            cost, fix = np.where(ok, 0.0, 1.0), lambda rows: _set_null(c, rows, False)
    elif _is_member(lit) and (c := _col(_member(lit).args[0], cols)) is not None \
            and c.settable and not c.unique:
        item = _member(lit).args[1].value
        text = "{}" if isinstance(lit, Not) else '{"' + str(item).replace('"', '') + '"}'
        cost, fix = np.where(ok, 0.0, 1.0), lambda rows: _set(c, rows, [text])
    elif isinstance(lit, In) and (c := _col(lit.expr, cols)) is not None and c.settable \
            and not c.unique:
        vals = [to_kind(v, c.kind) for v in lit.values if v is not None]
        if lit.negated:
            vals = [v for v in (c.choices or _defaults(c)) if v not in vals]
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
    return cost, fix


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
    k = (uniform(0x5EED, np.flatnonzero(rows)) * len(options)).astype(np.int64)
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


def repair(checks: list[Node], cols: Mapping[str, ColData], n: int, salt: int,
           exempt: np.ndarray | None = None, rounds: int = 3) -> np.ndarray:
    """Repair the rows where some CHECK in ``checks`` is FALSE, in place; return the mask of
    rows that still fail (empty when every CHECK now holds)."""
    alts = [branches(c) for c in checks]
    exempt = np.zeros(n, dtype=bool) if exempt is None else exempt
    failing = np.zeros(n, dtype=bool)
    for _ in range(rounds):
        failing[:] = False
        for k, (check, options) in enumerate(zip(checks, alts)):
            ok, _ = holds(check, cols, n)
            bad = ~ok & ~exempt
            if not bad.any():
                continue
            if not options:
                failing |= bad
                continue
            costs, fixes = [], []
            for b, lits in enumerate(options):
                total = np.zeros(n)
                plan = []
                for lit in sorted(lits, key=_order):
                    cost, fix = _plan_literal(lit, cols, n)
                    total = total + cost
                    plan.append(fix)
                jitter = uniform(salt + 31 * k + b, np.arange(n)) * 0.4
                costs.append(np.where(bad, total + jitter, _INF))
                fixes.append(plan)
            cost = np.stack(costs)
            choice = np.argmin(cost, axis=0)
            possible = np.isfinite(cost.min(axis=0))
            for b, plan in enumerate(fixes):
                rows = bad & possible & (choice == b)
                if rows.any():
                    for fix in plan:
                        if fix is not None:
                            fix(rows)
            failing |= bad & ~possible
        still = np.zeros(n, dtype=bool)
        for check in checks:
            ok, _ = holds(check, cols, n)
            still |= ~ok & ~exempt
        if not still.any():
            return still
        failing = still
    return failing


def _order(lit: Node) -> int:
    """Constants and NULLs first, then comparisons between columns (which read them)."""
    if isinstance(lit, (IsNull, In)):
        return 0
    if isinstance(lit, Op) and (isinstance(lit.left, Const) or isinstance(lit.right, Const)):
        return 1
    return 2

