"""What the design says about each column, read once per table: its type (domains resolved
to their base type), the rules its CHECKs and domain checks impose, and the column sets that
must be unique (primary key, UNIQUE constraints, unique indexes on columns or on
``lower(col)``-style expressions).
"""
from __future__ import annotations

import re

from ..model.design import Column, Design, Table
from ..model.types import PgType, parse_type
from .checks import ColumnRule, parse_check

__all__ = ["column_rules", "column_type", "unique_sets"]


def column_type(c: Column, design: Design | None = None) -> PgType:
    """The column's type; a domain is read as its base type (its checks are rules)."""
    try:
        typ = parse_type(c.type)
    except ValueError:
        return PgType("text")
    for d in design.domains if design else ():
        if typ.base in (d.name, f"{d.schema}.{d.name}") and not typ.is_array:
            return column_type(Column(c.name, d.type))
    return typ


def column_rules(design: Design, t: Table, warnings: list[str]) -> dict[str, ColumnRule]:
    rules: dict[str, ColumnRule] = {}
    for chk in t.checks:
        for term in parse_check(chk.expression, rules):
            warnings.append(f"{t.name}: check {chk.name or chk.expression!r} not understood "
                            f"({term}); its columns get default generators")
    domains = {d.name: d for d in design.domains} | {f"{d.schema}.{d.name}": d
                                                      for d in design.domains}
    for c in t.columns:
        dom = domains.get(c.type)
        for dchk in dom.checks if dom else ():
            for term in parse_check(dchk.expression, rules, value_name=c.name):
                warnings.append(f"{t.name}.{c.name}: domain check not understood ({term})")
    return rules


def unique_sets(t: Table) -> list[tuple[str, ...]]:
    sets = [t.primary_key.columns] if t.primary_key else []
    sets += [u.columns for u in t.uniques]
    for ix in t.indexes:
        if ix.unique:
            cols = []
            for k in ix.keys:
                m = re.fullmatch(r"(?:lower|upper|btrim)\(\s*(\w+)\s*\)|(\w+)", k.column.strip())
                if m is None:
                    break
                cols.append(m[1] or m[2])
            else:
                sets.append(tuple(cols))
    return sets
