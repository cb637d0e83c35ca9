"""timestamp-zero-precision: fractional-second precision that rounds time values away."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Column, Table
from pgarch_kit.model.types import PgType, short_type

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import TIME_TYPES, alter_type, pg_type, typed_columns

_MAX_PRECISION = 6   # microseconds: what PostgreSQL stores anyway; (6) changes nothing
_NOW = re.compile(r"\b(now\s*\(|current_timestamp\b|current_time\b|localtimestamp\b)",
                  re.IGNORECASE)
_UNIT = {0: "a second", 1: "0.1 s", 2: "10 ms", 3: "a millisecond", 4: "100 µs", 5: "10 µs"}


class TimestampZeroPrecision(Rule):
    """What: ``timestamp(p)``, ``timestamptz(p)``, ``time(p)`` or ``timetz(p)`` columns
    (arrays included) whose precision ``p`` is below 6, the microseconds PostgreSQL stores
    anyway — ``(6)`` is the default spelled out (Rails 7 writes it) and is never reported. A
    warning per ``(0)`` column, which rounds to whole seconds; one info for the design's
    columns of precision 1–5 (``timestamp(3)`` is what Prisma writes for JavaScript's
    millisecond ``Date``: nothing is lost when every writer has that precision, only the
    database's own ``now()`` is rounded). Needs only the design.

    Why: PostgreSQL rounds to the declared precision instead of truncating, so ``now()``
    stored in a ``timestamp(0)`` can lie up to half a second in the future: rows appear to be
    written after they were read, ``created_at <= now()`` checks fail, and events within one
    second lose their order.

    Fix: drop the precision (``ALTER TABLE t ALTER COLUMN c TYPE timestamptz`` — widening the
    precision does not rewrite the table) and use ``date_trunc('second', …)`` where truncation
    is really wanted.

    References: PostgreSQL wiki Don't Do This ("Don't use timestamp(0) or timestamptz(0)").
    """

    code = "PGA002"
    slug = "timestamp-zero-precision"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        fine: list[tuple[Table, Column, int]] = []
        for t, c, ty in typed_columns(ctx):
            if ty.base not in TIME_TYPES or not ty.params or ty.params[0] >= _MAX_PRECISION:
                continue
            p = ty.params[0]
            if p:
                fine.append((t, c, p))
                continue
            plain = short_type(str(PgType(ty.base, (), ty.is_array)))
            yield self.finding(
                t, c.name,
                f"{c.name} is {c.type}: values are rounded (not truncated) to a second, so "
                f"finer values lose digits and now() can be stored up to half a second in the "
                f"future",
                alter_type(t, c.name, plain) + " -- use date_trunc('second', …) to truncate")
        if fine:
            yield self._convention(fine)

    def _convention(self, cols: list[tuple[Table, Column, int]]) -> Finding:
        """Precisions 1–5 are a convention (Prisma's millisecond ``timestamp(3)``): said once."""
        units = sorted({p for _, _, p in cols})
        clock = sum(bool(c.default and _NOW.search(c.default)) for _, c, _ in cols)
        shown = ", ".join(f"{label(t)}.{c.name}" for t, c, _ in cols[:4])
        more = f" and {len(cols) - 4} more" if len(cols) > 4 else ""
        t0, c0, _ = cols[0]
        ty = pg_type(c0.type)
        plain = short_type(str(PgType(ty.base, (), ty.is_array))) if ty else "timestamptz"
        return self.finding(
            None, None,
            f"{len(cols)} column(s) round time values to {' or '.join(_UNIT[p] for p in units)} "
            f"({shown}{more}): harmless when every writer already has that precision (a "
            f"JavaScript Date has milliseconds); finer values lose digits"
            + (f", and the {clock} now()-style default(s) can store a time up to half a unit "
               f"in the future" if clock else ""),
            alter_type(t0, c0.name, plain) + " -- and so on, to keep microseconds",
            severity="info")
