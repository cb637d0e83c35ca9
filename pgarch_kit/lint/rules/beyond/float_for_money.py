"""float-for-money: binary floating point on columns whose name says money."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_MONEY = re.compile(r"^(amount|price|total|cost|fee|balance|discount|tax|subtotal|"
                    r".+_(amount|price|total|cost|fee|balance|discount|tax))$")


class FloatForMoney(Rule):
    """What: a ``real`` or ``double precision`` column named like money — amount, price,
    total, cost, fee, balance, discount, tax, or ending in ``_amount``, ``_price`` and so on.

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
                        f"ALTER TABLE {quote_ident(t.name)} ALTER COLUMN {quote_ident(c.name)} "
                        f"TYPE numeric(12,2);")
