"""rls-not-forced: RLS enabled but not forced, so the table owner bypasses it."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class RlsNotForced(Rule):
    """What: a table with row level security enabled but not ``FORCE``d. An info by default
    — many setups connect the application as a non-owner role, where forcing changes
    nothing — and a warning when the design sets ``require_rls_forced: true`` (the
    enforcement schemalint's ``row-level-security {enforced: true}`` configures).

    Why: the table owner, often the application's own role, bypasses every policy unless
    RLS is forced, so a query run as the owner sees all tenants' rows.

    Fix: ``ALTER TABLE s.t FORCE ROW LEVEL SECURITY;``

    References: schemalint row-level-security ``{enforced: true}``.
    """

    code = "PGA055"
    slug = "rls-not-forced"
    category = "security/RLS"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        severity = "warning" if ctx.setting("require_rls_forced") else "info"
        for t in ctx.tables:
            if t.rls_enabled and not t.rls_forced:
                yield self.finding(
                    t, None, f"table {t.name} has row level security enabled but not forced, "
                             f"so its owner (often the application role) bypasses the policies",
                    f"ALTER TABLE {qualified(t.schema, t.name)} FORCE ROW LEVEL SECURITY;",
                    severity=severity)
