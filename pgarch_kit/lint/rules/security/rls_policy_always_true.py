"""rls-policy-always-true: write policies whose predicate is a literal true, and restrictive
policies with no predicate at all."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import literal_true
from .rls_policy_state_mismatch import missing_clause

_OWNER_COLUMNS = ("owner_id", "owner", "user_id", "created_by", "author_id", "account_id")


class RlsPolicyAlwaysTrue(Rule):
    """What: a policy for INSERT, UPDATE, DELETE or ALL whose ``USING`` or ``WITH CHECK`` is
    the literal ``true`` (parentheses aside); and a restrictive policy (any command) without
    the clause its command needs — ``WITH CHECK`` for INSERT, ``USING`` otherwise — which
    PostgreSQL skips, so it restricts nothing. Permissive SELECT policies are left alone:
    public read access is a legitimate choice, and the catalog's concern is writes. An
    UPDATE or ALL policy without ``WITH CHECK`` reuses its ``USING``, so ``USING (true)``
    counts for both. An error where the policy lets any role change or delete every row
    (UPDATE, DELETE, ALL); a warning where it only lets rows in (INSERT) or a restriction
    does nothing.

    Why: RLS is effectively off for writes — every role the policy names can change or
    delete every row, or insert rows on anyone's behalf; a restrictive policy without a
    predicate reads as a guard but guards nothing.

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
                owner = next((c for c in _OWNER_COLUMNS if t.column(c)), "owner_id")
                predicate = f"{quote_ident(owner)} = (select auth.uid())"
                target = f"ALTER POLICY {quote_ident(p.name)} ON {qualified(t.schema, t.name)}"
                roles = ", ".join(p.roles)
                if not p.permissive:
                    clause = missing_clause(p)
                    if clause:
                        yield self.finding(
                            t, None,
                            f"restrictive policy {p.name} ({p.command}) has no {clause}, which "
                            f"PostgreSQL skips, so it restricts nothing for {roles}",
                            f"{target} {clause} ({predicate});", severity="warning")
                    continue
                if p.command == "SELECT":
                    continue
                clauses = [kw for kw, e in (("USING", p.using), ("WITH CHECK", p.with_check))
                           if literal_true(e)]
                if not clauses:
                    continue
                verb = "writes" if p.command == "ALL" else p.command
                yield self.finding(
                    t, None,
                    f"policy {p.name} ({p.command}) has {' and '.join(clauses)} (true), so RLS "
                    f"is effectively off for {verb} by {roles}",
                    f"{target} " + " ".join(f"{kw} ({predicate})" for kw in clauses) + ";",
                    severity="warning" if p.command == "INSERT" else "error")
