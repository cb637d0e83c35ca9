"""rls-policy-always-true: write policies whose predicate is a literal true."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import literal_true

_OWNER_COLUMNS = ("owner_id", "owner", "user_id", "created_by", "author_id", "account_id")


class RlsPolicyAlwaysTrue(Rule):
    """What: a policy for INSERT, UPDATE, DELETE or ALL whose ``USING`` or ``WITH CHECK`` is
    the literal ``true`` (parentheses aside). SELECT policies are left alone: public read
    access is a legitimate choice, and the catalog's concern is writes. An UPDATE or ALL
    policy without ``WITH CHECK`` reuses its ``USING``, so ``USING (true)`` counts for both.

    Why: RLS is effectively off for writes — every role the policy names can change or
    delete every row, or insert rows on anyone's behalf.

    Fix: a real ownership predicate (the fix guesses the owner column from common names), e.g.
    ``ALTER POLICY p ON t USING (owner_id = (select auth.uid()))
    WITH CHECK (owner_id = (select auth.uid()));``

    References: Supabase splinter rls_policy_always_true.
    """

    code = "PGA059"
    slug = "rls-policy-always-true"
    category = "security/RLS"
    severity = "error"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.design.tables:
            for p in t.policies:
                if p.command == "SELECT":
                    continue
                clauses = [kw for kw, e in (("USING", p.using), ("WITH CHECK", p.with_check))
                           if literal_true(e)]
                if not clauses:
                    continue
                owner = next((c for c in _OWNER_COLUMNS if t.column(c)), "owner_id")
                verb = "writes" if p.command == "ALL" else p.command
                roles = ", ".join(p.roles)
                yield self.finding(
                    t, None,
                    f"policy {p.name} ({p.command}) has {' and '.join(clauses)} (true), so RLS "
                    f"is effectively off for {verb} by {roles}",
                    f"ALTER POLICY {quote_ident(p.name)} ON {qualified(t.schema, t.name)} "
                    + " ".join(f"{kw} ({quote_ident(owner)} = (select auth.uid()))"
                               for kw in clauses) + ";")
