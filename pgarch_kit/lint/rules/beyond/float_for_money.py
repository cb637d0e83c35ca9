"""float-for-money: binary floating point on columns whose name says money."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table

# ``discount`` and ``tax`` are left out: as often a rate (0.05) as an amount.
_MONEY = re.compile(r"^(amount|price|total|cost|fee|balance|subtotal|"
                    r".+_(amount|price|total|cost|fee|balance))$", re.IGNORECASE)


class FloatForMoney(Rule):
    """What: a ``real`` or ``double precision`` column named like money — amount, price,
    total, cost, fee, balance, subtotal, or ending in ``_amount``, ``_price`` and so on
    (``discount`` and ``tax`` are as often rates, and are left out). Needs only the design:
    the name is the evidence, so a float ``total`` of something else can be a false alarm.

    Why: binary floating point cannot represent most decimal fractions (0.10 is stored as
    0.1000000000000000055…), so sums and comparisons drift by cents and reconciliation with
    the payment provider fails.

    Fix: ``ALTER TABLE t ALTER COLUMN price TYPE numeric(12,2)`` (a rewrite: do it while the
    table is small), or store integer minor units (``bigint`` cents) with a currency column.
    """

    code = "PGA102"
    slug = "float-for-money"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for c in t.columns:
                if (ctx.base_type(c.type) in ("real", "double precision")
                        and _MONEY.match(c.name)):
                    yield self.finding(
                        t, c.name,
                        f"{c.name} holds money in {ctx.base_type(c.type)}: binary floating "
                        f"point cannot store cents exactly, so sums drift",
                        f"ALTER TABLE {sql_table(t)} ALTER COLUMN {quote_ident(c.name)} "
                        f"TYPE numeric(12,2);  -- a rewrite; fails unchanged on larger values")
