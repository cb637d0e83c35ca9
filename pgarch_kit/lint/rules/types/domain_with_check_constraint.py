"""domain-with-check-constraint: domains carrying CHECK constraints."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import typed_columns


class DomainWithCheckConstraint(Rule):
    """What: a domain declared with one or more CHECK constraints (``CREATE DOMAIN … CHECK``
    or ``ALTER DOMAIN … ADD CONSTRAINT``). Domains without checks are fine. Info: a domain
    whose rule never changes (``CHECK (VALUE > 0)``) is a sound way to state it once; the
    cost appears only when the check changes (the migration rules catch that statement).
    Needs only the design.

    Why: adding or changing the domain's check later revalidates every column of every table
    that uses the domain, under lock, with no ``NOT VALID`` + ``VALIDATE`` online path that
    tables enjoy; the rule is also hidden from whoever reads the table.

    Fix: a plain base type with a table-level ``CHECK`` added ``NOT VALID`` and validated
    separately: ``ALTER TABLE t ADD CONSTRAINT c_chk CHECK (…) NOT VALID;``.

    References: squawk ban-create-domain-with-constraint,
    ban-alter-domain-with-add-constraint.
    """

    code = "PGA013"
    slug = "domain-with-check-constraint"
    category = "types"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        domains = [d for d in ctx.design.domains if d.checks]
        if not domains:
            return
        uses = Counter(ty.base for _, _, ty in typed_columns(ctx))
        for d in domains:
            where = d.name if d.schema == "public" else f"{d.schema}.{d.name}"
            n = uses[d.name] + (uses[f"{d.schema}.{d.name}"] if d.schema != "public" else 0)
            exprs = "; ".join(c.expression for c in d.checks)
            yield self.finding(
                where, None,
                f"domain {where} has CHECK {exprs} ({n} column(s) use it): changing the check "
                f"revalidates every such column under lock, with no NOT VALID path",
                f"ALTER TABLE … ALTER COLUMN … TYPE {d.type}; ALTER TABLE … ADD CHECK (…) "
                f"NOT VALID; -- then DROP DOMAIN {qualified(d.schema, d.name)}")
