"""timestamp-mid-index: multi-column B-tree indexes with a timestamp key before the last."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import is_type, table_sql

_TIMESTAMPS = ("timestamp with time zone", "timestamp without time zone")


class TimestampMidIndex(Rule):
    """What: a plain multi-column B-tree index (constraints excluded: their column order
    serves uniqueness) where a ``timestamp``/``timestamptz`` column is a key but not the
    last one, as in ``(account_id, occurred_at, kind)``.

    Why: timestamps are queried by range (``occurred_at >= $1``); a range condition on one
    key stops the B-tree from using the keys after it to narrow the scan, so they are
    only filtered — the index is wider than what it delivers.

    Fix: put equality columns first and the timestamp last:
    ``CREATE INDEX CONCURRENTLY … ON events (account_id, kind, occurred_at);``

    References: pg-index-health indexes_with_timestamp_in_the_middle.
    """

    code = "PGA045"
    slug = "timestamp-mid-index"
    category = "indexes"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for s in ctx.index_shapes(t):
                if s.method != "btree" or s.constraint or len(s.keys) < 2:
                    continue
                mid = [k for k in s.keys[:-1]
                       if not k.startswith("(") and is_type(ctx, t, k, _TIMESTAMPS)]
                if not mid:
                    continue
                order = [k for k in s.keys if k not in mid] + mid
                cols = ", ".join(k if k.startswith("(") else quote_ident(k) for k in order)
                yield self.finding(
                    t, mid[0],
                    f"index {s.name} ({', '.join(s.keys)}) has the timestamp {mid[0]} before "
                    f"its last key: a range on it stops the index using the keys after it",
                    f"CREATE INDEX CONCURRENTLY ON {table_sql(t)} ({cols}); -- then "
                    f"DROP INDEX CONCURRENTLY {quote_ident(s.name)}")
