"""timestamp-without-tz: wall-clock timestamps, and the doubtful timetz."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns

_FLAGGED = {"timestamp without time zone": "timestamp with time zone",
            "time with time zone": "time without time zone"}


class TimestampWithoutTz(Rule):
    """What: columns typed ``timestamp`` (without time zone) or ``timetz`` (time with time
    zone), arrays included.

    Why: a ``timestamp`` stores a wall-clock reading, not an instant: the offset of the value
    written is silently dropped, so rows written from sessions in different zones (or across a
    DST change) cannot be compared. ``timetz`` keeps an offset without a date, which cannot
    account for daylight saving and is of doubtful use.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE timestamptz`` (no rewrite on PG12+ when the
    session time zone is UTC); ``time`` plus a zone column instead of ``timetz``.

    References: PostgreSQL wiki Don't Do This; squawk prefer-timestamptz; schemalint
    prefer-timestamptz-to-timestamp; pg-index-health columns_with_timestamp_or_timetz_type.
    """

    code = "PGA001"
    slug = "timestamp-without-tz"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base not in _FLAGGED:
                continue
            target = "timestamptz" if ty.base.startswith("timestamp") else "time"
            target += "[]" if ty.is_array else ""
            if ty.base.startswith("timestamp"):
                msg = (f"{c.name} is {c.type}: it stores a wall-clock reading without its "
                       f"offset, so values from different time zones cannot be compared")
                fix = alter_type(t, c.name, target)
            else:
                msg = (f"{c.name} is {c.type}: an offset without a date cannot follow daylight "
                       f"saving, so the stored zone is soon wrong")
                fix = alter_type(t, c.name, target) + " -- and keep the IANA zone in a text column"
            yield self.finding(t, c.name, msg, fix)
