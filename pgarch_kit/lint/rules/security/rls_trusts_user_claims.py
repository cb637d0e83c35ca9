"""rls-trusts-user-claims: policies that read user-editable metadata claims."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_USER_CLAIMS = re.compile(r"user_metadata|raw_user_meta_data", re.IGNORECASE)


class RlsTrustsUserClaims(Rule):
    """What: a policy whose ``USING`` or ``WITH CHECK`` mentions ``user_metadata`` (the JWT
    claim) or ``raw_user_meta_data`` (the Supabase ``auth.users`` column) — data the signed-in
    user can edit through the auth API.

    Why: users can grant themselves access: setting ``{"role": "admin"}`` in their own
    metadata satisfies the policy.

    Fix: base the policy on server-controlled data — ``app_metadata``, a roles table the
    user can't write, or ``auth.uid()`` ownership.

    References: Supabase splinter rls_references_user_metadata.
    """

    code = "PGA060"
    slug = "rls-trusts-user-claims"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.design.tables:
            for p in t.policies:
                text = " ".join(e for e in (p.using, p.with_check) if e)
                m = _USER_CLAIMS.search(text)
                if m:
                    yield self.finding(
                        t, None,
                        f"policy {p.name} reads {m.group(0)}, which users can edit themselves, "
                        f"so they can grant themselves access",
                        f"ALTER POLICY {quote_ident(p.name)} ON {qualified(t.schema, t.name)} "
                        f"USING (…app_metadata or a server-owned table…);")
