"""query-pattern-without-index: declared query patterns no index serves."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...queries import QueryBlock, Relation
from ...rule import Rule
from ._shared import PatternIndex, Target, index_name, key_sql, projected_rows


class QueryPatternWithoutIndex(Rule):
    """What: a query pattern of the design (``queries:``) that reads a table (or an indexed
    materialized view) filtering by equality, range or sort columns that no index serves. A
    B-tree serves the pattern when it leads with one of its equality columns — or, with none
    left, its range or ORDER BY column; an expression index serves ``lower(email) = …`` when
    the expressions match; a partial index counts only when the query repeats every term of
    its WHERE, and those terms then need no key. On a tenant table an index whose only
    matching key is the tenant key does not count when the pattern filters on more: every
    query filters by tenant, so that alone scans the tenant's whole share. For a joined
    relation with no filter of its own, the join column counts as its equality column (the
    first relation in FROM is taken as the driving one). JSONB operators are
    jsonb-queried-without-gin's job; plain views and relations the design does not hold are
    skipped. The SQL is read by :mod:`pgarch_kit.lint.queries`.

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
                for _rel, target, eq, rng, order in self._uses(pi, block):
                    if target.name in seen:
                        continue
                    tk = ctx.intent(target.table)[0].tenant_key if target.table else None
                    if self._served(pi, block, target, tk, eq, rng, order):
                        continue
                    seen.add(target.name)
                    yield self._finding(ctx, q, block, target, tk, eq, rng, order)

    @staticmethod
    def _uses(pi: PatternIndex, block: QueryBlock
              ) -> Iterator[tuple[Relation, Target, list[str], list[str], list[str]]]:
        groups: dict[Relation, tuple[list[str], list[str], list[str], list[str]]] = {
            r: ([], [], [], []) for r in block.relations}
        for slot, refs in enumerate((block.equality, block.ranges, block.order_by, block.joins)):
            for ref in refs:
                rel = block.relation_of(ref.qualifier, ref.column, pi.columns_of)
                target = pi.target(rel) if rel else None
                if target is None or (target.table and ref.column not in target.columns):
                    continue
                if ref.key not in groups[rel][slot]:
                    groups[rel][slot].append(ref.key)
        for i, rel in enumerate(block.relations):
            target = pi.target(rel)
            if target is None:
                continue
            eq, rng, order, joins = groups[rel]
            if not (eq or rng) and i > 0:
                eq = joins
            if eq or rng or order:
                yield rel, target, eq, rng, order

    @staticmethod
    def _served(pi: PatternIndex, block: QueryBlock, target: Target, tk: str | None,
                eq: list[str], rng: list[str], order: list[str]) -> bool:
        for s in target.shapes:
            keys = [pi.key(k) for k in s.keys]
            if s.method == "hash":
                if keys[0] in eq and pi.implied(s, block):
                    return True
                continue
            if s.method != "btree" or not pi.implied(s, block):
                continue
            pinned = set(re.findall(r"[a-z_][a-z0-9_]*", (s.where or "").lower()))
            e = [k for k in eq if k not in pinned]
            r = [k for k in rng if k not in pinned]
            if s.where and not (e or r or order):
                return True
            matched = 0
            while matched < len(keys) and keys[matched] in e:
                matched += 1
            if matched < len(keys):   # then one range key, or the sort key
                k = keys[matched]
                if k in r or (k in order and (matched or not (e or r))):
                    matched += 1
            need = 2 if tk and keys[0] == tk and set(e + r + order) - {tk} else 1
            if matched >= need:
                return True
        return False

    def _finding(self, ctx: LintContext, q, block: QueryBlock, target: Target, tk: str | None,
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
