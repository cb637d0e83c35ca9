"""Say why PostgreSQL rejected generated rows: the constraint it names, the strategy the plan
chose for that constraint, and where each of its columns' values came from.

The server's error carries the table, the constraint and (for NOT NULL) the column; the plan
knows the strategy of every constraint (:attr:`TablePlan.strategies`) and the source of every
column. Warnings are filtered to the table at fault, so a hint never blames another table.
"""
from __future__ import annotations

import re

from .plan import DataPlan, TablePlan

__all__ = ["describe_source", "explain_rejection"]


def _table(dp: DataPlan, name: str | None) -> TablePlan | None:
    if not name:
        return None
    for tp in dp.tables.values():
        if tp.table.name == name:
            return tp
    for t in dp.design.tables:  # a partition: the rows came through its parent
        if t.name == name and t.partition_of:
            return _table(dp, t.partition_of)
    for p in dp.partitions:
        if p.name == name:
            return _table(dp, p.parent)
    return None


def describe_source(tp: TablePlan, col: str) -> str:
    """Where one column's values come from, in words."""
    src = tp.sources.get(col)
    if src is None:
        return "not generated (a generated column or unknown to the plan)"
    t = tp.table
    words = {
        "serial": "the row number (1..n)",
        "uuid": "a uuid derived from the row number",
        "position": "its position 1..k within the parent's group",
        "override": "your override",
        "null": "NULL: no generator for its type",
        "range": "consecutive non-overlapping ranges (one slot per row)",
    }.get(src.kind)
    if src.kind == "fk" and src.fk is not None:
        fk = t.foreign_keys[src.fk]
        dist = tp.fk_dist.get(src.fk)
        how = "one-to-one" if src.fk in tp.one_to_one else type(dist).__name__.lower()
        late = ", filled after the load" if src.fk in tp.deferred else ""
        words = f"foreign key to {fk.ref_table} ({how} fan-out{late})"
    elif src.kind == "time":
        words = f"a {src.time_kind}" + (f" after {src.time_base}" if src.time_base else "") + (
            ", distinct per row" if src.unique else "")
    elif words is None:
        words = f"a value generator for {tp.resolved_type(col)}" + (
            ", unique by construction" if src.unique else "")
    if src.null_ratio:
        words += f", {src.null_ratio:.0%} NULL"
    if col in tp.repair_cols:
        names = [c.name for c in tp.checks if c.tree is not None and col in _cols(c)]
        words += f"; then repaired for {', '.join(names)}"
    return words


def _cols(chk) -> set[str]:
    from .sqlexpr import columns_of
    return columns_of(chk.tree) if chk.tree is not None else set()


def _constraint_columns(tp: TablePlan, name: str) -> tuple[str, ...]:
    t = tp.table
    if t.primary_key and (t.primary_key.name or f"{t.name}_pkey") == name:
        return tuple(t.primary_key.columns)
    for u in t.uniques:
        if u.name == name:
            return tuple(u.columns)
    for fk in t.foreign_keys:
        if fk.name == name:
            return tuple(fk.columns)
    for ix in t.indexes:
        if ix.name == name:
            return tuple(k.column for k in ix.keys)
    for chk in tp.checks:
        if chk.name == name:
            return tuple(sorted(_cols(chk)))
    for x in t.exclusions:
        if x.name == name:
            return tuple(e.expression for e in x.elements)
    return ()


def explain_rejection(dp: object, *, table: str | None = None, constraint: str | None = None,
                      column: str | None = None, message: str = "") -> str:
    """The hint appended to a rejected load: constraint, strategy, column sources."""
    if not isinstance(dp, DataPlan):
        return ""
    if constraint is None and message:  # "could not create unique index "x"" and the like
        m = re.search(r'(?:index|constraint) "([^"]+)"', message)
        constraint = m[1] if m else None
    tp = _table(dp, table)
    if tp is None and constraint:
        tp = next((p for p in dp.tables.values() if constraint in p.strategies
                   or _constraint_columns(p, constraint)), None)
    lines = []
    if tp is not None:
        t = tp.table
        if constraint:
            strategy = tp.strategies.get(constraint, "no strategy: the plan does not model it")
            chk = next((c for c in tp.checks if c.name == constraint), None)
            what = f" {chk.kind} ({chk.expression})" if chk is not None else ""
            lines.append(f"constraint {constraint!r} on {t.name}{what}: {strategy}")
            cols = _constraint_columns(tp, constraint)
        else:
            cols = (column,) if column else ()
        for c in cols:
            if c in tp.sources:
                lines.append(f"  {c}: {describe_source(tp, c)}")
        if column and column not in cols and column in tp.sources:
            lines.append(f"  {column}: {describe_source(tp, column)}")
        own = [w for w in dp.warnings if w.startswith((f"{t.name}:", f"{t.name}."))]
        lines += [f"  plan warning: {w}" for w in own[:8]]
    elif dp.warnings:
        lines += ["the data plan warned (no table could be matched to the error):"]
        lines += [f"  - {w}" for w in dp.warnings[:10]]
    if not lines:
        return ""
    return ("\nHow the generator made these rows:\n" + "\n".join(lines) +
            "\nFix: override the column's generator (plan(..., overrides={'table.column': "
            "[...values...]})), or tell the kit's maintainers which constraint it missed.")
