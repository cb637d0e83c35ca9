"""Helpers the intent-aware rules share: projected volumes, the relations a query pattern
names (tables and materialized views, with their index shapes), and index naming."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from pgarch_kit.model import Table, TableIntent
from pgarch_kit.model.names import derive_name, quote_ident

from ...context import IndexShape, LintContext
from ...queries import QueryBlock, Relation, analyse, canonical_expr, predicate_conjuncts

HORIZON_MONTHS = 24   # how far ahead volume rules look when growth is declared


def projected_rows(ctx: LintContext, intent: TableIntent) -> int | None:
    """Expected rows at launch plus ``growth_per_month`` over the horizon; ``None`` when the
    design says nothing about volume."""
    if intent.rows is None and intent.growth_per_month is None:
        return None
    months = ctx.setting("growth_horizon_months") or HORIZON_MONTHS
    return (intent.rows or 0) + (intent.growth_per_month or 0) * int(months)


def index_name(table: str, keys: list[str], suffix: str = "idx") -> str:
    words = [re.sub(r"\W+", "_", k).strip("_") for k in keys]
    return derive_name(table, *words, suffix=suffix)


def key_sql(key: str) -> str:
    """An index key as SQL: expressions are kept parenthesised, names quoted when needed."""
    return key if key.startswith("(") else quote_ident(key)


@dataclass(frozen=True)
class Target:
    """A relation a query pattern reads: its columns and index shapes (keys canonicalised)."""

    name: str
    table: Table | None             # None: a materialized view
    columns: dict[str, str]         # name -> type
    shapes: tuple[IndexShape, ...]


class PatternIndex:
    """The design's query patterns, parsed once, and the relations they can be checked against."""

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx

    @cached_property
    def targets(self) -> dict[tuple[str, str], Target]:
        out: dict[tuple[str, str], Target] = {}
        for t in self.ctx.tables:
            out[t.key] = Target(t.name, t, {c.name: self.ctx.base_type(c.type) for c in t.columns},
                                tuple(self.ctx.index_shapes(t)))
        for v in self.ctx.design.views:
            if v.materialized:
                shapes = tuple(
                    IndexShape(ix.name, tuple(f"({k.column})" if k.expression else k.column
                                              for k in ix.keys),
                               ix.unique, ix.method, ix.where,
                               tuple(k.opclass for k in ix.keys), False, ix)
                    for ix in v.indexes)
                cols = {k for s in shapes for k in s.keys if not k.startswith("(")}
                out[v.key] = Target(v.name, None, dict.fromkeys(cols, ""), shapes)
        return out

    def target(self, rel: Relation) -> Target | None:
        return self.targets.get((rel.schema or "public", rel.name))

    def columns_of(self, rel: Relation) -> set[str] | None:
        t = self.target(rel)
        return set(t.columns) if t else None

    @cached_property
    def blocks(self) -> list[tuple[object, tuple[QueryBlock, ...]]]:
        return [(q, analyse(q.sql)) for q in self.ctx.design.queries]

    def uses(self, block: QueryBlock
             ) -> Iterator[tuple[Relation, Target, list[str], list[str], list[str]]]:
        """Per relation of ``block`` the design holds: its equality, range and ORDER BY keys
        (in index-key spelling). A joined relation with no filter of its own takes its join
        columns as equality keys (the first relation in FROM is taken as the driving one)."""
        groups: dict[Relation, tuple[list[str], list[str], list[str], list[str]]] = {
            r: ([], [], [], []) for r in block.relations}
        for slot, refs in enumerate((block.equality, block.ranges, block.order_by, block.joins)):
            for ref in refs:
                rel = block.relation_of(ref.qualifier, ref.column, self.columns_of)
                target = self.target(rel) if rel else None
                if target is None or (target.table and ref.column not in target.columns):
                    continue
                if ref.key not in groups[rel][slot]:
                    groups[rel][slot].append(ref.key)
        for i, rel in enumerate(block.relations):
            target = self.target(rel)
            if target is None:
                continue
            eq, rng, order, joins = groups[rel]
            if not (eq or rng) and i > 0:
                eq = joins
            if eq or rng or order:
                yield rel, target, eq, rng, order

    @staticmethod
    def key(shape_key: str) -> str:
        """An index key in the form query refs use: a column, or ``(canonical expression)``."""
        return f"({canonical_expr(shape_key)})" if shape_key.startswith("(") else shape_key

    @staticmethod
    def implied(shape: IndexShape, block: QueryBlock) -> bool:
        """A partial index is usable when every term of its predicate is a term of the query."""
        return shape.where is None or set(predicate_conjuncts(shape.where)) <= set(block.conjuncts)


def pattern_index(ctx: LintContext) -> PatternIndex:
    """The design's parsed query patterns, built once per lint run."""
    return ctx.memo("pattern_index", lambda: PatternIndex(ctx))
