"""timestamp-without-tz: wall-clock timestamps judged against the design's own convention,
and the doubtful timetz."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Column, Table

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns

_NO_TZ = "timestamp without time zone"
_TZ = "timestamp with time zone"
# Defaults that read the clock: cast to a timestamp they store the session TimeZone's
# local time, while application writers usually send UTC.
_NOW = re.compile(r"\b(now\s*\(|current_timestamp\b|transaction_timestamp\s*\(|"
                  r"statement_timestamp\s*\(|clock_timestamp\s*\()", re.IGNORECASE)
_PIN = "ALTER DATABASE <database> SET timezone TO 'UTC';"
# timestamp → timestamptz reads the stored values in the session's zone: say which it is.
_READ_AS = "SET timezone TO 'UTC'; "


def _shown(cols: list[tuple[Table, Column]], n: int = 4) -> str:
    more = f" and {len(cols) - n} more" if len(cols) > n else ""
    return ", ".join(f"{label(t)}.{c.name}" for t, c in cols[:n]) + more


class TimestampWithoutTz(Rule):
    """What: ``timestamp`` (without time zone) columns judged against the design's own
    convention, and every ``timetz`` column. Where most timestamps are ``timestamptz``, each
    ``timestamp`` column is a deviation: a warning. Where ``timestamp`` is the convention (as
    Rails, Django without ``USE_TZ`` or Prisma write it) the design is judged once, at info
    level (rewriting a convention is a project; pinning the clock is the fix worth doing
    now): naming the mix when it also has ``timestamptz`` columns or fills ``timestamp``
    columns with ``now()``/``CURRENT_TIMESTAMP`` defaults, else a "needs information" asking
    whether every writer stores UTC. Columns a migration script defines now (``pgarch lint
    --migration``) are new choices: each is a warning. Arrays included. Needs only the
    design; whether writers use UTC it cannot see.

    Why: a ``timestamp`` stores a wall-clock reading, not an instant: the offset of the value
    written is silently dropped, so rows written from sessions in different zones (or across
    a DST change) cannot be compared, and comparing a ``timestamp`` with a ``timestamptz``
    converts through the session's TimeZone. ``timetz`` keeps an offset without a date, which
    cannot account for daylight saving and is of doubtful use.

    Fix: ``SET timezone TO 'UTC'`` (the zone the values were written in: the conversion reads
    them in the session's zone; a column filled by ``now()`` was written in the server's
    zone, so its fix keeps the session's) and ``ALTER TABLE t ALTER COLUMN c TYPE timestamptz`` (no
    rewrite on PG12+ when that zone is UTC); where ``timestamp`` is the house convention,
    pin every writer to UTC (``ALTER DATABASE db SET timezone TO 'UTC'``); ``time`` plus a
    zone column instead of ``timetz``.

    References: PostgreSQL wiki Don't Do This; squawk prefer-timestamptz; schemalint
    prefer-timestamptz-to-timestamp; pg-index-health columns_with_timestamp_or_timetz_type.
    """

    code = "PGA001"
    slug = "timestamp-without-tz"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        wall: list[tuple[Table, Column]] = []
        zoned = 0
        for t, c, ty in typed_columns(ctx):
            if ty.base == "time with time zone":
                yield self.finding(
                    t, c.name,
                    f"{c.name} is {c.type}: an offset without a date cannot follow daylight "
                    f"saving, so the stored zone is soon wrong",
                    alter_type(t, c.name, "time[]" if ty.is_array else "time")
                    + " -- and keep the IANA zone in a text column")
            elif ty.base == _NO_TZ:
                wall.append((t, c))
            elif ty.base == _TZ:
                zoned += 1
        if not wall:
            return
        if ctx.setting("new_definitions"):   # columns a migration defines now: a new choice
            for t, c in wall:
                yield self.finding(
                    t, c.name,
                    f"{c.name} is defined as {c.type}: it stores a wall-clock reading without "
                    f"its offset, so values written from different time zones cannot be "
                    f"compared; timestamptz costs the same 8 bytes",
                    alter_type(t, c.name, "timestamptz" + ("[]" if "[]" in c.type else "")))
            return
        if zoned >= len(wall):
            for t, c in wall:
                yield self._deviating(t, c, zoned)
            return
        yield from self._convention(wall, zoned)

    def _deviating(self, t: Table, c: Column, zoned: int) -> Finding:
        """One column that breaks the design's timestamptz convention. A clock default
        (``now()``) stored the session TimeZone's local time, so the fix converts in that
        zone; other values are read as UTC, what applications usually write."""
        target = "timestamptz" + ("[]" if "[]" in c.type else "")
        if c.default and _NOW.search(c.default):
            how = ("its values come from a clock default, i.e. the session TimeZone's local "
                   "time: run the fix in a session with the server's default TimeZone so they "
                   "are read in the zone they were written in")
            fix = alter_type(t, c.name, target)
        else:
            how = "the fix reads the stored values as UTC"
            fix = _READ_AS + alter_type(t, c.name, target)
        # a clock-filled column is consistent in itself (the reviewers judged it minor):
        # info; a column the application writes loses the writer's offset: warning
        clock = bool(c.default and _NOW.search(c.default))
        return self.finding(
            t, c.name,
            f"{c.name} is {c.type} where the design's other {zoned} timestamp(s) are "
            f"timestamptz: it drops the offset of what is written, and comparing it with them "
            f"converts through the session's TimeZone ({how})", fix,
            severity="info" if clock else None)

    def _convention(self, wall: list[tuple[Table, Column]], zoned: int) -> Iterator[Finding]:
        """The design stores wall-clock timestamps by convention: judged once."""
        clock = [(t, c) for t, c in wall if c.default and _NOW.search(c.default)]
        problems = []
        if zoned:
            problems.append(f"it also has {zoned} timestamptz column(s), so comparisons across "
                            f"the two kinds convert through the session's TimeZone")
        if clock:
            problems.append(f"{len(clock)} of them default to the clock ({_shown(clock)}), "
                            f"which stores the session TimeZone's local time next to values "
                            f"the application may write in UTC")
        if not problems:
            yield self.needs_information(
                f"whether every writer stores UTC in the design's {len(wall)} timestamp "
                f"(without time zone) columns ({_shown(wall)}): the design uses them "
                f"consistently, a fine convention while all writers use UTC",
                f"confirm, and pin it: {_PIN} — or move to timestamptz")
            return
        first_t, first_c = (clock or wall)[0]
        # info: rewriting a whole convention's columns is a project, not a fix; the pin is
        # what is worth doing now
        yield self.finding(
            None, None,
            f"{len(wall)} timestamp column(s) store wall-clock time without an offset by "
            f"convention, but " + "; and ".join(problems),
            _READ_AS + alter_type(first_t, first_c.name, "timestamptz")
            + f" -- and so on for each column (values read as UTC); until then pin the clock: "
              f"{_PIN}", severity="info")
