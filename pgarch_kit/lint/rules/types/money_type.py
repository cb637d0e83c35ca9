"""money-type: the locale-dependent money type."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns


class MoneyType(Rule):
    """What: columns typed ``money`` (arrays included). Needs only the design.

    Why: ``money`` has a fixed fractional precision and its input and output depend on the
    ``lc_monetary`` setting, so a dump restored on a server with another locale reads the
    amounts with a different meaning; it also cannot hold a currency.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE numeric(12,2) USING c::numeric`` plus a
    ``currency char(3)``-style currency-code column (stored as text).

    References: PostgreSQL wiki Don't Do This; pg-index-health columns_with_money_type.
    """

    code = "PGA005"
    slug = "money-type"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base != "money":
                continue
            target = "numeric(12,2)" + ("[]" if ty.is_array else "")
            yield self.finding(
                t, c.name,
                f"{c.name} is money: its precision and meaning depend on the lc_monetary "
                f"locale, so amounts can change meaning when moved between servers",
                alter_type(t, c.name, target, f"{c.name}::numeric{'[]' if ty.is_array else ''}")
                + " -- and add a currency-code text column")
