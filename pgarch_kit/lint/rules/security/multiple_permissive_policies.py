"""multiple-permissive-policies: several permissive policies for one role and command."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Policy, Table
from pgarch_kit.model.names import derive_name, qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


def _merge(t: Table, command: str, policies: list[Policy]) -> str | None:
    """A merge that keeps every command's access, or None when there is none to propose: of
    the policies for this one command (a ``FOR ALL`` policy, which also grants the other
    commands, stays as it is — permissive policies are ORed, so a subset can merge), at least
    two, for the same roles, each with the clauses the command reads. ``USING`` is their OR,
    ``WITH CHECK`` the OR of each one's check (an UPDATE policy without one checks its
    USING), as PostgreSQL combines permissive policies — in one transaction, so a failing
    CREATE drops nothing."""
    policies = [p for p in policies if p.command == command]
    if len(policies) < 2:
        return None
    roles = policies[0].roles
    if any(set(p.roles) != set(roles) for p in policies):
        return None
    using = [p.using for p in policies]
    check = [p.with_check or (p.using if command == "UPDATE" else None) for p in policies]
    needs_using, needs_check = command != "INSERT", command in ("INSERT", "UPDATE")
    if (needs_using and None in using) or (needs_check and None in check):
        return None
    taken = {p.name for p in t.policies}
    name = derive_name(t.name, command.lower())
    n = 2
    while name in taken:
        name, n = derive_name(t.name, command.lower(), str(n)), n + 1
    q = qualified(t.schema, t.name)
    clauses = ""
    if needs_using:
        clauses += " USING (" + " OR ".join(f"({e})" for e in using) + ")"
    if needs_check:
        clauses += " WITH CHECK (" + " OR ".join(f"({e})" for e in check) + ")"
    return (f"BEGIN; CREATE POLICY {quote_ident(name)} ON {q} FOR {command} TO "
            f"{', '.join('PUBLIC' if r == 'public' else quote_ident(r) for r in roles)}"
            f"{clauses}; "
            + " ".join(f"DROP POLICY {quote_ident(p.name)} ON {q};" for p in policies)
            + " COMMIT;")


class MultiplePermissivePolicies(Rule):
    """What: a table where more than one PERMISSIVE policy applies to the same role and
    command. ``FOR ALL`` counts for each of SELECT, INSERT, UPDATE and DELETE, and a policy
    ``TO public`` applies to every role, so it joins each named role's set. Info: worth
    knowing when auditing, not a defect.

    Why: PostgreSQL ORs the applicable permissive policies into one filter anyway, so
    merging them by hand gains no speed; access is the union of several predicates that
    must be read together to audit, which is the only cost (one policy per case is often the
    clearer design).

    Fix: usually keep them. Where one merged policy reads better and every policy is for
    that one command and the same roles, merge in one transaction: ``BEGIN; CREATE POLICY
    … FOR SELECT TO r USING ((a) OR (b)); DROP POLICY …; COMMIT;`` — never by dropping a
    ``FOR ALL`` policy, whose other commands would lose their access.

    References: Supabase splinter multiple_permissive_policies.
    """

    code = "PGA057"
    slug = "multiple-permissive-policies"
    category = "security/RLS"
    severity = "info"
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
                policies = [p for p in permissive if p.name in names]
                fix = _merge(t, command, policies) or (
                    "keep them: PostgreSQL already ORs permissive policies into one filter; "
                    "merge only for readability, one command at a time, keeping what a "
                    "FOR ALL policy grants the other commands")
                yield self.finding(
                    t, None,
                    f"policies {', '.join(names)} are all permissive for {command} by "
                    f"{', '.join(who)}: PostgreSQL ORs them, so access is their union — read "
                    f"them together when auditing",
                    fix)
