"""index-on-boolean: B-tree indexes with a boolean key column."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import IndexKey
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import (
    create_index_sql,
    drop_index_sql,
    is_type,
    lost_service,
    reshaped,
    shape_keys,
    table_sql,
)

_WORD = re.compile(r'[a-z_][a-z0-9_$]*')


class IndexOnBoolean(Rule):
    """What: a plain B-tree index (not unique, not behind a constraint) whose *leading* key is
    a boolean column, unless its predicate already mentions that column (the partial-index
    form this rule recommends, ``… WHERE is_archived``). An index on the flag alone is a
    warning; a flag leading other keys is info. A boolean after other keys is not reported:
    ``(user_id, is_read)`` narrows each user's entries well. Unique indexes and constraints
    are left alone: they enforce a rule rather than speed up lookups, and so are framework
    tables (``flyway_schema_history``…). Needs only the design;
    with query patterns, a replacement that would serve one of them worse is not proposed.

    Why: a boolean has two values, so as the first key it barely narrows a search: the index
    is large for what it selects, and the planner prefers a sequential scan for the common
    value anyway.

    Fix: a partial index on the value queries look for (the rare one), keyed on what they
    search or sort by: ``CREATE INDEX CONCURRENTLY … ON t (created_at) WHERE NOT
    is_archived;`` then drop the old index.

    References: pg-index-health indexes_with_boolean.
    """

    code = "PGA042"
    slug = "index-on-boolean"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            if ctx.is_framework_table(t):
                continue  # flyway_schema_history's index is not the designer's to change
            for s in ctx.index_shapes(t):
                if s.method != "btree" or s.unique or s.constraint:
                    continue
                key = s.keys[0]
                if key.startswith("(") or not is_type(ctx, t, key, ("boolean",)):
                    continue
                if key.lower() in set(_WORD.findall((s.where or "").lower())):
                    continue
                keys = shape_keys(s)[1:]
                alone = not keys
                if alone and t.primary_key:  # only the flag: index the rows it picks
                    keys = tuple(IndexKey(c) for c in t.primary_key.columns)
                flag = quote_ident(key)
                where = f"({s.where}) AND {flag}" if s.where else flag
                include = s.index.include if s.index else ()
                if keys:
                    new = reshaped(s, keys, where=where)
                    if lost_service(ctx, t, [s], [new]):
                        continue  # a query pattern needs the flag as a key
                    fix = (f"{create_index_sql(t, keys, include=include, where=where)} "
                           f"{drop_index_sql(t, s)} -- or WHERE NOT {flag}: the value queries "
                           f"look for")
                else:
                    fix = (f"CREATE INDEX CONCURRENTLY ON {table_sql(t)} (<searched column>) "
                           f"WHERE {flag}; -- or WHERE NOT {flag}: the value queries look for")
                yield self.finding(
                    t, key,
                    f"index {s.name} has the boolean {key} as its "
                    f"{'only' if alone else 'first'} key: two values barely narrow a search, "
                    f"so the index is large for what it selects",
                    fix, severity=None if alone else "info")
