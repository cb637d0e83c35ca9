"""Make CHECKs across several columns hold: generate, then repair the failing rows, vectorised.

A CHECK is rewritten as alternatives (disjunctive normal form: ``(a AND b) OR (c AND d)``)
of simple literals — ``col IS [NOT] NULL``, ``col <op> constant``, ``col IN (…)``,
``a <op> b`` between two columns. For each row that fails, the alternative that changes the
fewest values the row may change is chosen (a key, a foreign key or a unique column is never
set to a constant; a NOT NULL column never becomes NULL), and its literals are made true.
CHECKs that share a column are repaired as one (their AND; alternatives whose literals
contradict each other are pruned), so a repair for one never undoes another; a literal over
arithmetic falls back to trying a few candidate values for one column. Rows stay independent
of each other and every random choice keys on the row number, so a child that recomputes a
parent's row sees the very same repaired values. A CHECK with too many alternatives, or
literals nothing can repair, is still *evaluated*: the plan says so, and the load's hint
names the CHECK and this strategy when PostgreSQL rejects a row.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from ._random import uniform
from .evaluate import ColData, holds
from .fixes import branch_domains, plan_literal
from .sqlexpr import And, Case, Col, Const, Func, In, IsNull, Node, Not, Op, Opaque, Or

__all__ = ["JOINT_BRANCHES", "MAX_BRANCHES", "branches", "repair"]

MAX_BRANCHES = 64      # alternatives of one CHECK
JOINT_BRANCHES = 256   # of several CHECKs on the same columns, repaired together
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
    if isinstance(node, Op) and isinstance(node.left, Const) and not isinstance(
            node.right, Const) and node.op in _FLIP:  # 0 = num_nonnulls(…): constant right
        node = Op(_FLIP[node.op], node.right, node.left)
    if isinstance(node, Op) and node.op in ("=", "<>"):  # (x IS NOT NULL) = true
        for pred, const in ((node.left, node.right), (node.right, node.left)):
            if isinstance(const, Const) and isinstance(const.value, bool) and isinstance(
                    pred, (IsNull, In, And, Or, Not, Op)):
                keep = const.value == (node.op == "=")
                return _nnf(pred, positive if keep else not positive)
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


def _contradicts(lits: tuple[Node, ...]) -> bool:
    """Literals that cannot hold together, read syntactically: ``x IS NULL`` with ``x IS NOT
    NULL``, ``x = 'a'`` with ``x = 'b'`` or ``x <> 'a'``. Pruned while the product grows, so
    several CHECKs on the same columns can be repaired jointly."""
    nulls: dict[str, bool] = {}
    equal: dict[str, object] = {}
    unequal: dict[str, set] = {}
    for lit in lits:
        if isinstance(lit, IsNull) and isinstance(lit.expr, Col):
            if nulls.setdefault(lit.expr.name, lit.negated) != lit.negated:
                return True
        elif isinstance(lit, Op) and lit.op in ("=", "<>") and isinstance(lit.left, Col) \
                and isinstance(lit.right, Const) and lit.right.value is not None:
            name, v = lit.left.name, lit.right.value
            if lit.op == "=":
                if equal.setdefault(name, v) != v or v in unequal.get(name, ()):
                    return True
            else:
                if equal.get(name, object()) == v:
                    return True
                unequal.setdefault(name, set()).add(v)
        elif isinstance(lit, In) and not lit.negated and isinstance(lit.expr, Col):
            if lit.expr.name in equal and equal[lit.expr.name] not in lit.values:
                return True
    return False


def branches(node: Node, limit: int = MAX_BRANCHES) -> list[tuple[Node, ...]] | None:
    """The alternatives (each a tuple of literals) of ``node``, or None past ``limit``;
    alternatives whose literals contradict each other are dropped."""
    def dedupe(alts: list[tuple[Node, ...]]) -> list[tuple[Node, ...]]:
        return [tuple(dict.fromkeys(lits)) for lits in alts]

    def dnf(x: Node) -> list[tuple[Node, ...]] | None:
        if isinstance(x, Or):
            out: list[tuple[Node, ...]] = []
            for a in x.args:
                sub = dnf(a)
                if sub is None or len(out) + len(sub) > limit:
                    return None
                out += sub
            return out
        if isinstance(x, And):
            out = [()]
            for a in x.args:
                sub = dnf(a)
                if sub is None or len(out) * len(sub) > limit * 16:
                    return None
                out = [p + q for p in out for q in sub if not _contradicts(p + q)]
                if len(out) > limit:
                    return None
            return out
        if isinstance(x, Const) and x.value is False:
            return []
        if isinstance(x, Const) and x.value is True:
            return [()]
        return [(x,)]
    out = dnf(_nnf(node))
    return dedupe(out) if out is not None else None


# --- repairing literals -------------------------------------------------------------------

def repair(checks: list[Node], cols: Mapping[str, ColData], n: int, salt: int,
           exempt: list[np.ndarray | None] | np.ndarray | None = None,
           rounds: int = 3, idx: np.ndarray | None = None) -> np.ndarray:
    """Repair the rows where some CHECK in ``checks`` is FALSE, in place; return the mask of
    rows that still fail (empty when every CHECK now holds). ``exempt``: per CHECK, rows it
    does not bind (a partial unique index lets its first row match)."""
    # every choice is a function of the row number, never of the batch: a child recomputing
    # a parent's row must see the very same repair
    idx = np.arange(n, dtype=np.int64) if idx is None else idx
    for c in cols.values():
        c.idx = idx
    none = np.zeros(n, dtype=bool)
    if exempt is None or isinstance(exempt, np.ndarray):
        exempt = [none if exempt is None else exempt] * len(checks)
    exempt = [none if e is None else e for e in exempt]
    checks, exempt = _joined(checks, exempt)
    alts = [branches(c, JOINT_BRANCHES) for c in checks]
    failing = np.zeros(n, dtype=bool)
    for _ in range(rounds):
        failing[:] = False
        for k, (check, options) in enumerate(zip(checks, alts)):
            ok, _ = holds(check, cols, n)
            bad = ~ok & ~exempt[k]
            if not bad.any():
                continue
            if not options:
                failing |= bad
                continue
            costs, fixes = [], []
            for b, lits in enumerate(options):
                total = np.zeros(n)
                plan = []
                domains = branch_domains(lits, cols)
                if domains is None:  # its literals contradict each other
                    total = total + _INF
                for lit in sorted(lits, key=_order):
                    cost, fix = plan_literal(lit, cols, n, domains)
                    total = total + cost
                    plan.append((lit, fix))
                jitter = uniform(salt + 31 * k + b, idx) * 0.4
                costs.append(np.where(bad, total + jitter, _INF))
                fixes.append(plan)
            cost = np.stack(costs)
            choice = np.argmin(cost, axis=0)
            possible = np.isfinite(cost.min(axis=0))
            for b, plan in enumerate(fixes):
                rows = bad & possible & (choice == b)
                if rows.any():
                    for lit, fix in plan:  # only where the literal fails, as it is now
                        if fix is not None:
                            need = rows & ~holds(lit, cols, n)[0]
                            if need.any():
                                fix(need)
            failing |= bad & ~possible
        still = np.zeros(n, dtype=bool)
        for k, check in enumerate(checks):
            ok, _ = holds(check, cols, n)
            still |= ~ok & ~exempt[k]
        if not still.any():
            return still
        failing = still
    return failing


def _joined(checks: list[Node], exempt: list[np.ndarray]) -> tuple[list[Node], list]:
    """CHECKs that share a column repaired as one (their AND), when its alternatives stay
    few: a repair for one then never undoes another (``status`` ruled by two CHECKs). A
    joined partial-index condition then binds its first row too (stricter, still valid)."""
    from .sqlexpr import columns_of
    groups: list[list[int]] = []
    for k, chk in enumerate(checks):
        cols = columns_of(chk)
        touching = [g for g in groups if any(cols & columns_of(checks[j]) for j in g)]
        merged = [k] + [j for g in touching for j in g]
        groups = [g for g in groups if g not in touching] + [sorted(merged)]
    out_checks, out_exempt = [], []
    for g in groups:
        joint = And(tuple(checks[j] for j in g)) if len(g) > 1 else checks[g[0]]
        if len(g) > 1 and branches(joint, JOINT_BRANCHES) is not None:
            free = np.zeros_like(exempt[g[0]])
            for j in g:
                free |= exempt[j]
            out_checks.append(joint)  # the rows a partial index lets match skip it ...
            out_exempt.append(free)
            plain = [checks[j] for j in g if not exempt[j].any()]
            if free.any() and plain:  # ... and keep the CHECKs that bind every row
                out_checks.append(And(tuple(plain)) if len(plain) > 1 else plain[0])
                out_exempt.append(~free)
        else:
            out_checks += [checks[j] for j in g]
            out_exempt += [exempt[j] for j in g]
    return out_checks, out_exempt


def _order(lit: Node) -> int:
    """Constants and NULLs first, then comparisons between columns (which read them)."""
    if isinstance(lit, (IsNull, In)):
        return 0
    if isinstance(lit, Op) and (isinstance(lit.left, Const) or isinstance(lit.right, Const)):
        return 1
    return 2

