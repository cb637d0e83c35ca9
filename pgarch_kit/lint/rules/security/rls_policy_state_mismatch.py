"""rls-policy-state-mismatch: policies with RLS off, or RLS on with no policy."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class RlsPolicyStateMismatch(Rule):
    """What: a table that has policies while row level security is off, or has RLS enabled
    with no policy at all (partitions are judged through their parent).

    Why: in the first case the policies silently do nothing — every row is visible to
    every role with grants, though the design reads as protected. In the second, every
    non-owner role sees no rows and can write none: usually an unfinished setup.

    Fix: ``ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;`` for the first; for the second add
    the missing policies (``CREATE POLICY … ON s.t FOR SELECT TO role USING (…);``).

    References: Supabase splinter policy_exists_rls_disabled, rls_enabled_no_policy.
    """

    code = "PGA056"
    slug = "rls-policy-state-mismatch"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            q = qualified(t.schema, t.name)
            if t.policies and not t.rls_enabled:
                names = ", ".join(p.name for p in t.policies)
                yield self.finding(
                    t, None, f"table {t.name} has policies ({names}) but row level security is "
                             f"off, so the policies silently do nothing",
                    f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY;")
            elif t.rls_enabled and not t.policies:
                yield self.finding(
                    t, None, f"table {t.name} has row level security enabled but no policy, so "
                             f"every role but the owner sees no rows (an unfinished setup)",
                    f"CREATE POLICY {quote_ident(derive_name(t.name, suffix='select'))} ON {q} "
                    f"FOR SELECT TO … USING (…);")
