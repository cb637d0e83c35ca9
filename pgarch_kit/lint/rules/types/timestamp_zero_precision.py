"""timestamp-zero-precision: fractional-second precision that rounds time values away."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.types import PgType, short_type

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import TIME_TYPES, alter_type, typed_columns

_MAX_PRECISION = 6   # microseconds: what PostgreSQL stores anyway; (6) changes nothing
_UNIT = {0: "a second", 1: "0.1 s", 2: "10 ms", 3: "a millisecond", 4: "100 µs", 5: "10 µs"}


class TimestampZeroPrecision(Rule):
    """What: ``timestamp(p)``, ``timestamptz(p)``, ``time(p)`` or ``timetz(p)`` columns
    (arrays included) whose precision ``p`` is below 6, the microseconds PostgreSQL stores
    anyway — ``(6)`` is the default spelled out (Rails 7 writes it) and is never reported. A
    warning for ``(0)``, which rounds to whole seconds; info for 1–5 (``timestamp(3)`` is what
    Prisma and JavaScript's millisecond ``Date`` write: nothing is lost when every writer has
    that precision, only the database's own ``now()`` is rounded). Needs only the design.

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
        for t, c, ty in typed_columns(ctx):
            if ty.base not in TIME_TYPES or not ty.params or ty.params[0] >= _MAX_PRECISION:
                continue
            p = ty.params[0]
            plain = short_type(str(PgType(ty.base, (), ty.is_array)))
            half = "half a second" if p == 0 else f"half of {_UNIT[p]}"
            yield self.finding(
                t, c.name,
                f"{c.name} is {c.type}: values are rounded (not truncated) to {_UNIT[p]}, so "
                f"finer values lose digits and now() can be stored up to {half} in the future"
                + ("" if p == 0 else "; harmless when every writer already has that "
                                     "precision"),
                alter_type(t, c.name, plain) + " -- use date_trunc('second', …) to truncate",
                severity=None if p == 0 else "info")
