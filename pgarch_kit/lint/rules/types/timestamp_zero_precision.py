"""timestamp-zero-precision: fractional-second precision on time and timestamp columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.types import PgType, short_type

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import TIME_TYPES, alter_type, typed_columns


class TimestampZeroPrecision(Rule):
    """What: ``timestamp(p)``, ``timestamptz(p)``, ``time(p)`` or ``timetz(p)`` columns — any
    explicit precision, ``(0)`` being the usual one — arrays included.

    Why: PostgreSQL rounds to the declared precision instead of truncating, so ``now()`` stored
    in a ``timestamp(0)`` can lie up to half a second in the future: rows appear to be written
    after they were read, and ``created_at <= now()`` checks fail.

    Fix: drop the precision (``ALTER TABLE t ALTER COLUMN c TYPE timestamptz``) and use
    ``date_trunc('second', …)`` where truncation is really wanted.

    References: PostgreSQL wiki Don't Do This ("Don't use timestamp(0) or timestamptz(0)").
    """

    code = "PGA002"
    slug = "timestamp-zero-precision"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base not in TIME_TYPES or not ty.params:
                continue
            plain = short_type(str(PgType(ty.base, (), ty.is_array)))
            yield self.finding(
                t, c.name,
                f"{c.name} is {c.type}: the precision rounds rather than truncates, so now() "
                f"can be stored up to half a unit in the future",
                alter_type(t, c.name, plain) + " -- use date_trunc('second', …) to truncate")
