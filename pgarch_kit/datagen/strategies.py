"""What the plan records about each constraint once a table's columns have their sources:
the strategy that keeps each key, CHECK and partial index (shown by
:func:`~pgarch_kit.datagen.plan_constraints`, named in a rejected load's hint), which columns
a repair reads and may change, and which CHECKs on a single foreign key column choose the
parents it may point at.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..model.design import Table
from ._columns import column_rules
from .constraints import plan_checks
from .evaluate import unreadable
from .multicheck import branches
from .sqlexpr import Col, columns_of, parse_expr, substitute

if TYPE_CHECKING:
    from .plan import DataPlan, TablePlan

__all__ = ["record_constraints", "unique_name"]


def unique_name(t: Table, cols: tuple[str, ...]) -> str:
    if t.primary_key and tuple(t.primary_key.columns) == tuple(cols):
        return t.primary_key.name or f"{t.name}_pkey"
    for u in t.uniques:
        if tuple(u.columns) == tuple(cols):
            return u.name or f"{t.name}_{'_'.join(cols)}_key"
    for ix in t.indexes:
        if ix.unique and tuple(k.column for k in ix.keys) == tuple(cols):
            return ix.name
    return f"unique ({', '.join(cols)})"


def _unique_how(tp: TablePlan, cols: tuple[str, ...], make_unique: set[str]) -> str:
    for c in cols:
        src = tp.sources.get(c)
        if src is not None and src.kind in ("serial", "uuid"):
            return f"{c} numbered by row ({src.kind})"
        if src is not None and src.kind == "position":
            return f"{c} counts 1..k within each parent"
        if c in make_unique:
            return f"{c} made unique by construction (the row number is spelled in it)"
    if tp.pair_fk is not None:
        return "junction rows: each parent's partners never repeat"
    return "not guaranteed by the generator (see the plan's warnings)"


def record_constraints(dp: DataPlan, tp: TablePlan, unknown: dict, partial_plans: list,
                      uniques: list, make_unique: set[str], unique_cols: set[str],
                      pk: set[str], referenced: set, resolved: dict,
                      bounds: str | None = None) -> None:
    """Record each constraint's strategy; the repaired ones name the columns to repair."""
    t = tp.table
    names = {c.name for c in t.columns}
    for cols in uniques:
        tp.strategies.setdefault(unique_name(t, cols), _unique_how(tp, cols, make_unique))
    tp.checks = plan_checks(dp.design, t, unknown, bounds) + partial_plans
    for i, fk in enumerate(t.foreign_keys):  # CHECKs on a one-column key choose its parents
        if len(fk.columns) != 1:
            continue
        col = fk.columns[0]
        trees = [substitute(parse_expr(c.expression), {col: Col("__col__")})
                 for c in t.checks if columns_of(parse_expr(c.expression)) == {col}]
        trees += [parse_expr(e, "__col__") for e in resolved[col].checks] if col in resolved \
            else []
        trees = [x for x in trees if not unreadable(x)]
        if trees:
            tp.fk_filters[i] = trees
    for chk in tp.checks:
        tp.strategies[chk.name] = chk.strategy
        if chk.strategy.startswith("not "):
            dp.warnings.append(f"{t.name}: {chk.kind} {chk.name!r} ({chk.expression}) "
                               f"{chk.strategy}")
    repair = set()
    for chk in tp.checks:
        if chk.tree is not None:
            repair |= columns_of(chk.tree) & names
    for k, chk in enumerate(tp.checks):  # a repair may move a column a rule had shaped:
        # the rule's CHECK is then checked (and repaired) with the others
        tree = None if chk.tree is not None else parse_expr(chk.expression)
        if tree is not None and columns_of(tree) & repair and not unreadable(tree) \
                and chk.kind == "check" and branches(tree) is not None:
            tp.checks[k] = replace(chk, tree=tree,
                                   strategy=chk.strategy + "; checked again after repairs")
            tp.strategies[chk.name] = tp.checks[k].strategy
    tp.repair_cols = frozenset(c for c in repair if c in tp.sources)
    tp.fixed_cols = frozenset(c for c, s in tp.sources.items()
                              if s.kind in ("serial", "uuid", "position", "fk", "range",
                                            "null", "sibling")
                              or (tp.siblings is not None and c in tp.siblings.same)
                              or c in pk)
    tp.unique_cols = frozenset(unique_cols | make_unique | {c for cols in uniques
                                                            if len(cols) == 1 for c in cols})
    tp.types = {c: r.type for c, r in resolved.items()}
    rules = column_rules(dp.design, t)
    tp.choices = {c: tuple(rules[c].allowed) if c in rules and rules[c].allowed is not None
                  else r.enum for c, r in resolved.items()
                  if (c in rules and rules[c].allowed is not None) or r.enum}
    tp.no_null_cols = frozenset(
        c.name for c in t.columns if not c.nullable or c.name in pk
        or (t.schema, t.name, c.name) in referenced or resolved[c.name].not_null)
