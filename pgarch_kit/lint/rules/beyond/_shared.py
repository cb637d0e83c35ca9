"""Helpers the intent-aware rules share: projected volumes, the relations a query pattern
names (tables and materialized views, with their indexes), and index naming. The patterns
themselves are read, and indexes matched with them, by :mod:`pgarch_kit.model.query`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from pgarch_kit.model import Index, IndexKey, QueryPattern, Table, TableIntent
from pgarch_kit.model.names import derive_name, quote_ident
from pgarch_kit.model.query import (
    Block,
    Relation,
    RelationUse,
    Service,
    query_shape,
    relation_uses,
    service,
)

from ...context import IndexShape, LintContext

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
    """A relation a query pattern reads: its columns, index shapes and indexes (those behind
    PRIMARY KEY and UNIQUE constraints included)."""

    name: str
    table: Table | None             # None: a materialized view
    columns: dict[str, str]         # name -> type
    shapes: tuple[IndexShape, ...]
    indexes: tuple[Index, ...] = ()


def shape_index(table: Table | None, shape: IndexShape) -> Index:
    """The index an index shape stands for: its own, or the one behind its constraint."""
    if shape.index is not None:
        return shape.index
    include: tuple[str, ...] = ()
    if table is not None:
        keys = [k for k in ([table.primary_key] if table.primary_key else [])
                + list(table.uniques) if tuple(k.columns) == shape.keys]
        include = tuple(keys[0].include) if keys else ()
    return Index(shape.name, tuple(IndexKey(k) for k in shape.keys), shape.method,
                 shape.unique, include=include)


class PatternIndex:
    """The design's query patterns, parsed once, and the relations they can be checked against."""

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx

    @cached_property
    def targets(self) -> dict[tuple[str, str], Target]:
        out: dict[tuple[str, str], Target] = {}
        for t in self.ctx.tables:
            shapes = tuple(self.ctx.index_shapes(t))
            out[t.key] = Target(t.name, t, {c.name: self.ctx.base_type(c.type) for c in t.columns},
                                shapes, tuple(shape_index(t, s) for s in shapes))
        for v in self.ctx.design.views:
            if v.materialized:
                shapes = tuple(
                    IndexShape(ix.name, tuple(f"({k.column})" if k.expression else k.column
                                              for k in ix.keys),
                               ix.unique, ix.method, ix.where,
                               tuple(k.opclass for k in ix.keys), False, ix)
                    for ix in v.indexes)
                cols = {k for s in shapes for k in s.keys if not k.startswith("(")}
                out[v.key] = Target(v.name, None, dict.fromkeys(cols, ""), shapes,
                                    tuple(v.indexes))
        return out

    def target(self, rel: Relation) -> Target | None:
        if rel.derived:
            return None
        found = self.targets.get((rel.schema or "public", rel.name))
        if found is None and rel.schema is None:  # unqualified: any schema that has it
            found = next((t for (_, n), t in sorted(self.targets.items()) if n == rel.name),
                         None)
        return found

    def columns_of(self, rel: Relation) -> set[str] | None:
        t = self.target(rel)
        return set(t.columns) if t else None

    @cached_property
    def blocks(self) -> list[tuple[QueryPattern, tuple[Block, ...]]]:
        return [(q, query_shape(q.sql).blocks) for q in self.ctx.design.queries]

    def uses(self, block: Block) -> list[PatternUse]:
        """Per relation of ``block`` the design holds and the block needs an index on: what
        it asks (:class:`~pgarch_kit.model.query.RelationUse`) and its equality, range and
        ORDER BY keys in index-key spelling. JSON paths are jsonb-queried-without-gin's; a
        joined relation with no filter of its own takes its join columns as equality keys
        (the first relation in FROM is taken as the driving one)."""
        out = []
        for use, target in self.relation_uses(block):
            def known(keys, target=target, use=use) -> list[str]:
                return [k for k in keys if k not in use.paths and (
                    target.table is None or k.startswith("(") or k in target.columns)]
            eq, rng, order = known(use.eq), known(use.rng), known(use.order_keys)
            if not (eq or rng) and not use.driving:
                eq = known(use.joins)
            if eq or rng or order:
                out.append(PatternUse(use.relation, target, eq, rng, order, use))
        return out

    def relation_uses(self, block: Block) -> list[tuple[RelationUse, Target]]:
        """What ``block`` asks of each relation the design holds."""
        return [(u, t) for u in relation_uses(block, self.columns_of)
                if (t := self.target(u.relation)) is not None]

    @staticmethod
    def served(target: Target, use: RelationUse, tenant_key: str | None = None
               ) -> Service | None:
        """The best way one of the target's indexes serves ``use`` (None: none does)."""
        found = [s for ix in target.indexes
                 if (s := service(ix, use, tenant_key=tenant_key)) is not None]
        return max(found, key=lambda s: (s.matched, s.sorted, s.index_only), default=None)


@dataclass(frozen=True)
class PatternUse:
    """One relation a query block needs an index on; unpacks as ``(relation, target, eq,
    rng, order)``."""

    relation: Relation
    target: Target
    eq: list[str]
    rng: list[str]
    order: list[str]
    use: RelationUse

    def __iter__(self):
        return iter((self.relation, self.target, self.eq, self.rng, self.order))


def pattern_index(ctx: LintContext) -> PatternIndex:
    """The design's parsed query patterns, built once per lint run."""
    return ctx.memo("pattern_index", lambda: PatternIndex(ctx))
