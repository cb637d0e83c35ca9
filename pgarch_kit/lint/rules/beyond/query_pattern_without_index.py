"""query-pattern-without-index: declared query patterns no index serves."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.query import Block

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import Target, index_name, key_sql, pattern_index, projected_rows


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
    skipped. The SQL is read, and whether an index serves a pattern decided, by
    :mod:`pgarch_kit.model.query` (``serve.service``). Preconditions: the design's query
    patterns; without them the rule has nothing to judge and says nothing.

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
        pi = pattern_index(ctx)
        for q, blocks in pi.blocks:
            seen: set[str] = set()
            for block in blocks:
                for pu in pi.uses(block):
                    target = pu.target
                    if target.name in seen:
                        continue
                    tk = ctx.intent(target.table)[0].tenant_key if target.table else None
                    if pi.served(target, pu.use, tk) is not None:
                        continue
                    seen.add(target.name)
                    yield self._finding(ctx, q, block, target, tk, pu.eq, pu.rng, pu.order)

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
