"""rls-policy-state-mismatch: policies with RLS off, policies that admit no row, and RLS on
with no policy in a schema an API serves."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Policy
from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure


def missing_clause(p: Policy) -> str | None:
    """The clause a policy lacks for its command, which PostgreSQL then reads as false for a
    permissive policy (it admits no row) and as no restriction for a restrictive one: USING
    for the commands that read existing rows, WITH CHECK for INSERT (UPDATE and ALL fall
    back to USING for new rows)."""
    if p.command == "INSERT":
        return None if p.with_check is not None else "WITH CHECK"
    if p.using is None and (p.command != "ALL" or p.with_check is None):
        return "USING"
    return None


class RlsPolicyStateMismatch(Rule):
    """What: a table (partitions are judged through their parent) whose row level security
    and policies disagree: policies while RLS is off; a permissive policy without the clause
    its command needs — an INSERT policy without ``WITH CHECK``, or a SELECT, UPDATE, DELETE
    or ALL policy without ``USING`` — which PostgreSQL reads as false, so it admits no row;
    or RLS on with no policy at all in a schema an API exposes (see
    rls-disabled-exposed-table), reported as information only: denying every request role
    is a valid choice for a table only the server's own role (or a BYPASSRLS role) touches,
    and outside an API's schemas it is not reported.

    Why: in the first case the policies silently do nothing — every row is visible to every
    role with grants, though the design reads as protected. In the second, the writes or
    reads the policy was written to allow fail (an INSERT policy's ``USING`` is not allowed,
    so a forgotten ``WITH CHECK`` leaves it empty). In the third, the API's roles see no
    rows, which is worth knowing if it wasn't meant.

    Fix: ``ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;`` for the first; ``ALTER POLICY p ON
    s.t WITH CHECK (…);`` (or ``USING (…)``) with the predicate the policy meant for the
    second; for the third, nothing if deny-all is intended (say so in the table's comment),
    else policies scoped to the rows each role may see — never a blanket ``USING (true)``.

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
                api = exposure(ctx)
                if api.exposes(t.schema, t.name):
                    yield self.finding(
                        t, None, f"table {t.name} has row level security enabled and no policy, "
                                 f"so the API's roles ({', '.join(sorted(api.roles))}) see and "
                                 f"write no rows — right for a server-only table, a gap if "
                                 f"the API should reach it",
                        f"COMMENT ON TABLE {q} IS 'deny-all to API roles: server-side only';  "
                        f"-- or add policies scoped to the rows each role may see",
                        severity="info")
            for p in t.policies if t.rls_enabled else ():
                clause = missing_clause(p)
                if clause is None or not p.permissive:
                    continue
                what = "new row" if clause == "WITH CHECK" else "row"
                yield self.finding(
                    t, None, f"permissive policy {p.name} ({p.command}) has no {clause}, which "
                             f"PostgreSQL reads as false: it admits no {what}, so the "
                             f"{p.command.lower() if p.command != 'ALL' else 'access'} it was "
                             f"written to allow fails unless another policy admits it",
                    f"ALTER POLICY {quote_ident(p.name)} ON {q} {clause} (…);  "
                    f"-- the predicate the policy meant")
