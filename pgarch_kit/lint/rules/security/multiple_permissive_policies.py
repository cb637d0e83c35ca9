"""multiple-permissive-policies: several permissive policies for one role and command."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


class MultiplePermissivePolicies(Rule):
    """What: a table where more than one PERMISSIVE policy applies to the same role and
    command. ``FOR ALL`` counts for each of SELECT, INSERT, UPDATE and DELETE, and a policy
    ``TO public`` applies to every role, so it joins each named role's set.

    Why: PostgreSQL evaluates every applicable permissive policy for every row and ORs the
    results, which costs time on each query, and access is then the union of several
    predicates that must be read together to audit.

    Fix: merge them into one policy: ``CREATE POLICY … USING ((a) OR (b));`` then drop the
    others (or make the narrowing ones ``AS RESTRICTIVE``).

    References: Supabase splinter multiple_permissive_policies.
    """

    code = "PGA057"
    slug = "multiple-permissive-policies"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            permissive = [p for p in t.policies if p.permissive]
            if len(permissive) < 2:
                continue
            roles = sorted({r for p in permissive for r in p.roles})
            groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
            for command in _COMMANDS:
                for role in roles:
                    names = tuple(p.name for p in permissive
                                  if p.command in (command, "ALL")
                                  and (role in p.roles or "public" in p.roles))
                    if len(names) > 1:
                        groups.setdefault((command, names), []).append(role)
            for (command, names), who in groups.items():
                q = qualified(t.schema, t.name)
                yield self.finding(
                    t, None,
                    f"policies {', '.join(names)} are all permissive for {command} by "
                    f"{', '.join(who)}, so each runs for every row and access is their OR",
                    f"CREATE POLICY {quote_ident(t.name[:40] + '_' + command.lower())} ON {q} "
                    f"FOR {command} TO {', '.join(quote_ident(r) for r in who)} USING (… OR …); "
                    + " ".join(f"DROP POLICY {quote_ident(n)} ON {q};" for n in names))
