"""timestamp-mid-index: a timestamp key ranged over before keys a query compares by equality."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import IndexShape, LintContext
from ...finding import Finding
from ...rule import Rule
from ..beyond._shared import pattern_index
from ._shared import (
    create_index_sql,
    drop_index_sql,
    index_service,
    is_type,
    lost_service,
    reshaped,
    shape_keys,
)

_TIMESTAMPS = ("timestamp with time zone", "timestamp without time zone")


class TimestampMidIndex(Rule):
    """What: a plain multi-column B-tree index (unique indexes and constraints excluded: their
    column order serves uniqueness) with a ``timestamp``/``timestamptz`` key before its last,
    as in ``(account_id, occurred_at, kind)``, when a query pattern of the design (``queries:``)
    compares the keys before the timestamp by equality, ranges over the timestamp and compares
    a key after it by equality — so the index seeks on fewer keys than it could.

    Preconditions: query patterns that read the table. Without them the rule cannot tell a
    range (``occurred_at >= $1``) from a sort (``ORDER BY occurred_at DESC, id DESC``: keyset
    pagination needs exactly that order) or an ``IS NULL`` test, so it stays silent and says
    once that it needs them. A reorder is proposed only when no other index already serves
    the pattern as well, and when it keeps every query pattern (and every foreign key) served
    as well as before — ORDER BY and sort directions included; otherwise nothing is proposed.

    Why: a range condition on one key stops the B-tree from using the keys after it to narrow
    the scan: they are only filtered, so the pattern reads every entry in the time range.

    Fix: the same index with the equality keys before the timestamp, each key keeping its
    direction, NULLS placement, opclass and collation:
    ``CREATE INDEX CONCURRENTLY … ON events (account_id, kind, occurred_at);`` then drop the
    old one.

    References: pg-index-health indexes_with_timestamp_in_the_middle.
    """

    code = "PGA045"
    slug = "timestamp-mid-index"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        pi = pattern_index(ctx)
        uses: dict[tuple[str, str], list] = {}
        for q, blocks in pi.blocks:
            for block in blocks:
                for pu in pi.uses(block):
                    if pu.target.table is not None:
                        uses.setdefault(pu.target.table.key, []).append(
                            (q, pu.use, pu.eq, pu.rng))
        unjudged = []
        for t in ctx.tables:
            for s in ctx.index_shapes(t):
                if s.method != "btree" or s.unique or s.constraint or len(s.keys) < 2:
                    continue
                mids = [i for i, k in enumerate(s.keys[:-1])
                        if not k.startswith("(") and is_type(ctx, t, k, _TIMESTAMPS)]
                if not mids:
                    continue
                if t.key not in uses:
                    unjudged.append(t.name)
                    continue
                finding = self._judge(ctx, t, s, mids, uses[t.key])
                if finding is not None:
                    yield finding
        if unjudged:
            names = ", ".join(dict.fromkeys(unjudged[:5])) + (", …" if len(unjudged) > 5 else "")
            yield self.needs_information(
                f"query patterns reading the tables whose multi-column indexes have a timestamp "
                f"key before the last ({names}): only they tell a range on the timestamp from "
                f"a sort by it",
                "declare the application's queries in the design (queries:); the rule then "
                "judges each index's key order against them")

    def _judge(self, ctx: LintContext, t, s: IndexShape, mids: list[int],
               uses: list) -> Finding | None:
        tk = ctx.intent(t)[0].tenant_key
        for q, use, eq, rng in uses:
            for i in mids:
                ts = s.keys[i]
                if ts not in rng or not set(s.keys[:i]) <= set(eq):
                    continue
                moved = [j for j in range(i + 1, len(s.keys)) if s.keys[j] in eq]
                if not moved:
                    continue
                keys = shape_keys(s)
                order_ix = [*range(i), *moved, *(j for j in range(i, len(keys)) if j not in moved)]
                new = reshaped(s, tuple(keys[j] for j in order_ix))
                best = max(index_service(x, use, tk)[0] for x in ctx.index_shapes(t))
                if index_service(new, use, tk)[0] <= best:
                    continue  # another index already serves the pattern as well
                if lost_service(ctx, t, [s], [new]):
                    return None  # the reorder would cost another pattern or a foreign key
                ix = s.index
                create = create_index_sql(t, new.index.keys, include=ix.include if ix else (),
                                          where=s.where)
                return self.finding(
                    t, ts,
                    f"index {s.name} ({', '.join(s.keys)}) has the timestamp {ts} before "
                    f"{', '.join(s.keys[j] for j in moved)}: query pattern {q.name!r} ranges "
                    f"over {ts} and compares {', '.join(s.keys[j] for j in moved)} by equality, "
                    f"so the index cannot seek on the keys after the range",
                    f"{create} {drop_index_sql(t, s)}")
        return None
