"""index-on-boolean: B-tree indexes with a boolean key column."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import is_type, table_sql

_WORD = re.compile(r'[a-z_][a-z0-9_$]*')


class IndexOnBoolean(Rule):
    """What: a plain B-tree index (not unique, not behind a constraint) with a boolean column
    among its keys, unless its predicate already mentions that column (the partial-index
    form this rule recommends, ``… WHERE is_archived``). Unique indexes and constraints
    are left alone: they enforce a rule rather than speed up lookups.

    Why: a boolean has two values, so the key barely narrows a search: the index is large
    for what it selects, and the planner usually prefers a sequential scan for the common
    value anyway.

    Fix: a partial index on what is actually searched:
    ``CREATE INDEX CONCURRENTLY … ON t (created_at) WHERE NOT is_archived;``

    References: pg-index-health indexes_with_boolean.
    """

    code = "PGA042"
    slug = "index-on-boolean"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for s in ctx.index_shapes(t):
                if s.method != "btree" or s.unique or s.constraint:
                    continue
                mentioned = set(_WORD.findall((s.where or "").lower()))
                for key in s.keys:
                    if key.startswith("(") or not is_type(ctx, t, key, ("boolean",)):
                        continue
                    if key.lower() in mentioned:
                        continue
                    rest = [k for k in s.keys if k != key]
                    if not rest and t.primary_key:  # only the flag: index the rows it picks
                        rest = list(t.primary_key.columns)
                    target = ", ".join(quote_ident(k) if not k.startswith("(") else k
                                       for k in rest) or "<searched column>"
                    yield self.finding(
                        t, key,
                        f"index {s.name} has the boolean {key} as a key: two values barely "
                        f"narrow a search, so the index is large for what it selects",
                        f"CREATE INDEX CONCURRENTLY ON {table_sql(t)} ({target}) "
                        f"WHERE {quote_ident(key)}; -- then DROP INDEX CONCURRENTLY "
                        f"{quote_ident(s.name)}")
