"""query-pattern-without-index: declared query patterns no index serves."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.query import Block, RelationUse

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import PatternIndex, Target, index_name, key_sql, projected_rows


class QueryPatternWithoutIndex(Rule):
    """What: a query pattern of the design (``queries:``) that reads a table (or an indexed
    materialized view) filtering by equality, range or sort columns that no index serves. A
    B-tree serves the pattern when it leads with one of its equality columns — or, with none
    left, its range or ORDER BY column (an ORDER BY is read in the index's directions and
    NULLS placement, or all of them reversed); an expression index serves ``lower(email) =
    …`` when the expressions match; a partial index counts only when the query implies its
    WHERE (repeats each term, narrows its IN list, or compares a column it requires NOT
    NULL), and what the WHERE fixes then needs no key. On a tenant table an index whose only
    matching key is the tenant key does not count when the pattern filters on more: every
    query filters by tenant, so that alone scans the tenant's whole share. For a joined
    relation with no filter of its own, the join column counts as its equality column (the
    first relation in FROM is taken as the driving one). JSONB operators are
    jsonb-queried-without-gin's job; plain views and relations the design does not hold are
    skipped. The SQL is read, and indexes matched with it, by
    :mod:`pgarch_kit.model.query`.

    Why: the pattern then reads the whole table on every call; it passes review at launch
    size and breaks its latency budget as the table grows. The severity is error for
    patterns marked ``critical``.

    Fix: the index the pattern needs — B-tree, equality columns first (the tenant key first
    of all), then the range or sort column: ``CREATE INDEX CONCURRENTLY … ON t (tenant_id,
    project_id, created_at);`` partial (``WHERE deleted_at IS NULL``) when the pattern reads
    live rows only, with ``INCLUDE`` columns when that saves heap reads.
    """

    code = "PGA110"
    slug = "query-pattern-without-index"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        pi = PatternIndex(ctx)
        for q, blocks in pi.blocks:
            seen: set[str] = set()
            for block in blocks:
                for use, target in pi.uses(block):
                    if target.name in seen:
                        continue
                    eq, rng, order = self._needs(use, target)
                    if not (eq or rng or order):
                        continue
                    tk = ctx.intent(target.table)[0].tenant_key if target.table else None
                    if pi.served(target, use, tk) is not None:
                        continue
                    seen.add(target.name)
                    yield self._finding(ctx, q, block, target, tk, eq, rng, order)

    @staticmethod
    def _needs(use: RelationUse, target: Target) -> tuple[list[str], list[str], list[str]]:
        """The equality, range and ORDER BY keys ``use`` needs an index for: JSON paths are
        jsonb-queried-without-gin's; a joined relation with no filter of its own is reached
        through its join columns."""
        def known(keys) -> list[str]:
            return [k for k in keys if k not in use.paths
                    and (target.table is None or k.startswith("(") or k in target.columns)]
        eq, rng, order = known(use.eq), known(use.rng), known(use.order_keys)
        if not (eq or rng) and not use.driving:
            eq = known(use.joins)
        return eq, rng, order

    def _finding(self, ctx: LintContext, q, block: Block, target: Target, tk: str | None,
                 eq: list[str], rng: list[str], order: list[str]) -> Finding:
        keys = ([tk] if tk in eq else []) + [k for k in eq if k != tk]
        last = rng[:1] or [k for k in order if k not in keys][:1]
        keys += last
        where = ""
        if target.table is not None:
            sd = ctx.intent(target.table)[0].soft_delete
            if sd and f"{sd}isnull" in block.conjuncts:
                where = f" WHERE {sd} IS NULL"
        parts = []
        if eq:
            parts.append(f"equality on {', '.join(eq)}")
        if rng:
            parts.append(f"a range on {', '.join(rng)}")
        if order and not (eq or rng):
            parts.append(f"ORDER BY {', '.join(order)}")
        rows = projected_rows(ctx, ctx.intent(target.table)[0]) if target.table else None
        scale = f" (about {rows:,} rows expected within two years)" if rows else ""
        return self.finding(
            target.table or target.name, None,
            f"query pattern {q.name!r} reads {target.name} with {' and '.join(parts)}, but no "
            f"index serves it: every call scans {target.name}{scale}",
            f"CREATE INDEX CONCURRENTLY {index_name(target.name, keys)} ON "
            f"{key_sql(target.name)} ({', '.join(key_sql(k) for k in keys)}){where};",
            severity="error" if q.critical else None)
