"""Which strategy keeps each CHECK, domain check and partial unique index true.

* a CHECK on one column that :mod:`.checks` understands is honoured by the generator itself
  ("generator rules");
* anything else — several columns, ``CASE``, ``num_nonnulls``, a term the rules do not read —
  is *repaired*: generated first, then each failing row takes the cheapest alternative of the
  CHECK (:mod:`.multicheck`);
* a partial unique index whose key cannot be unique by construction (a boolean, an enum, a
  foreign key) keeps every row but the first out of its predicate: ``UNIQUE (is_default)
  WHERE is_default`` then holds with one default row (``WHERE key IS NOT NULL`` is a plain
  unique key: NULLs never collide);
* the bounds of existing RANGE partitions are one more repaired CHECK (rows must land in a
  partition); a generated column inside a CHECK is replaced by its expression.

The plan keeps one :class:`CheckPlan` per constraint so the plan summary and a rejected
load's hint can say which strategy each constraint got.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model.design import Design, Table
from ._columns import index_columns, resolve
from .evaluate import unreadable
from .multicheck import branches
from .sqlexpr import Node, Not, Opaque, columns_of, parse_expr, substitute

__all__ = ["CheckPlan", "finite_domain", "partial_unique_plans", "plan_checks"]


@dataclass(frozen=True)
class CheckPlan:
    name: str
    kind: str                    # "check" | "domain check" | "partial unique index"
    expression: str
    strategy: str
    tree: Node | None = None     # evaluated (and repaired) per batch when set
    exempt_first: bool = False   # row 0 may keep the predicate true (one row per index)
    exempt_last_of_group: bool = False  # the last row of each parent's group may (grouped fk)
    table: str = ""

    @property
    def repaired(self) -> bool:
        return self.tree is not None


def _strategy(tree: Node, unknown: bool, ncols: int) -> tuple[str, bool]:
    if isinstance(tree, Opaque) and (unknown or ncols > 1):
        return "not read (PostgreSQL's parser or the generator cannot use it): left to the " \
               "server", False
    if not unknown and ncols <= 1:
        if "~" in repr(getattr(tree, "op", "")) or any(
                getattr(a, "op", "").startswith(("~", "!~")) for a in getattr(tree, "args", ())):
            return "generator rules (one column): strings generated to match the pattern", False
        return "generator rules (one column)", False
    if parts := unreadable(tree):
        return (f"not evaluated by the generator ({', '.join(dict.fromkeys(parts))}): left "
                "to the server", False)
    alts = branches(tree)
    if alts is None:
        return "evaluated after generation; too many alternatives to repair", True
    return (f"repair: each failing row takes the cheapest of {len(alts)} alternative(s)",
            True)


def plan_checks(design: Design, t: Table, unknown: dict[str, list[str]],
                bounds: str | None = None) -> list[CheckPlan]:
    """One plan per table CHECK and per domain check of a column, and one for the existing
    RANGE partitions' bounds (``bounds``: rows outside every partition are refused)."""
    names = {c.name for c in t.columns}
    generated = {c.name: parse_expr(c.generated) for c in t.columns if c.generated}
    out = []
    if bounds:
        tree = parse_expr(bounds)
        strategy, repaired = _strategy(tree, True, 2)
        out.append(CheckPlan(f"partitions of {t.name}", "partition bounds", bounds,
                             strategy.replace("repair:", "repair (rows kept inside the "
                                              "existing partitions):"),
                             tree if repaired else None, table=t.name))
    for chk in t.checks:
        label = chk.name or chk.expression
        tree = substitute(parse_expr(chk.expression), generated)
        cols = columns_of(tree) & names
        strategy, repaired = _strategy(tree, label in unknown, len(cols))
        out.append(CheckPlan(label, "check", chk.expression, strategy,
                             tree if repaired else None, table=t.name))
    for c in t.columns:
        for expr in resolve(c.type, design).checks:
            tree = parse_expr(expr, c.name)
            label = f"domain check of {c.name}: {expr}"
            strategy, repaired = _strategy(tree, label in unknown, 1)
            out.append(CheckPlan(f"{c.type} on {c.name}", "domain check", expr, strategy,
                                 tree if repaired else None, table=t.name))
    return out


def _only_not_null(pred: Node, cols: set[str]) -> bool:
    from .sqlexpr import And, Col, IsNull
    parts = pred.args if isinstance(pred, And) else (pred,)
    return all(isinstance(p, IsNull) and p.negated and isinstance(p.expr, Col)
               and p.expr.name in cols for p in parts)


def partial_unique_plans(t: Table, constructible, junction, group_by=None) -> tuple[
        list[tuple[str, ...]], list[CheckPlan]]:
    """Split partial unique indexes: keys the plan can make unique (returned as unique sets:
    stronger than the index needs, and free) and the others (kept out of the predicate).
    ``group_by(cols)`` lays the rows out grouped by a foreign key made of exactly ``cols``
    and says whether it could: ``UNIQUE (copy_id) WHERE returned_at IS NULL`` then keeps the
    last loan of each copy open and returns the others."""
    sets, plans = [], []
    for ix in t.indexes:
        if not (ix.unique and ix.where):
            continue
        cols = index_columns(ix)
        pred = parse_expr(ix.where)
        if cols is not None and (any(constructible(c) for c in cols) or junction(cols)
                                 or _only_not_null(pred, set(cols))):
            # WHERE key IS NOT NULL adds nothing: NULLs never collide in a unique index
            sets.append(cols)
            continue
        if isinstance(pred, Opaque) or branches(Not(pred)) is None:
            plans.append(CheckPlan(ix.name, "partial unique index", ix.where,
                                   "not handled: its predicate cannot be negated by the "
                                   "generator", None, table=t.name))
            continue
        if cols is not None and group_by is not None and group_by(cols):
            plans.append(CheckPlan(ix.name, "partial unique index", ix.where,
                                   "rows grouped by their parent; all but the last of each "
                                   "group kept out of the index predicate", Not(pred),
                                   exempt_last_of_group=True, table=t.name))
            continue
        plans.append(CheckPlan(ix.name, "partial unique index", ix.where,
                               "every row but the first kept out of the index predicate "
                               "(its key cannot be unique by construction)", Not(pred),
                               exempt_first=True, table=t.name))
    return sets, plans


def finite_domain(design: Design, t: Table, col: str, allowed: tuple[str, ...] | None
                  ) -> tuple[str, ...] | None:
    """The values a column can take when they are few (an IN list, an enum, a boolean),
    filtered through the CHECKs on that column alone: ``singleton boolean UNIQUE CHECK
    (singleton)`` leaves ('t',), so the table gets one row."""
    import numpy as np

    from .evaluate import ColData, holds
    c = t.column(col)
    if c is None:
        return None
    res = resolve(c.type, design)
    if res.type.is_array:
        return None
    if allowed is None:
        allowed = res.enum if res.enum is not None else ("t", "f") \
            if res.type.base == "boolean" else None
    if allowed is None:
        return None
    exprs = [parse_expr(chk.expression) for chk in t.checks]
    exprs += [parse_expr(e, col) for e in res.checks]
    exprs = [e for e in exprs if columns_of(e) == {col} and not isinstance(e, Opaque)]
    values = np.array(allowed, dtype=np.str_)
    if res.type.base == "boolean":
        data = ColData("bool", np.isin(values, ("t", "true")), np.zeros(len(values), bool))
    else:
        data = ColData("text", values, np.zeros(len(values), dtype=bool))
    keep = np.ones(len(values), dtype=bool)
    for e in exprs:
        ok, _ = holds(e, {col: data}, len(values))
        keep &= ok
    return tuple(values[keep].tolist())
