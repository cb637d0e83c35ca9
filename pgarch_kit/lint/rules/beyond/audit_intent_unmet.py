"""audit-intent-unmet: tables the design says are audited, with nothing that audits them."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_SHARED_AUDIT = ("audit_log", "audit_logs", "audit_trail", "audit_events", "logged_actions",
                 "history")


class AuditIntentUnmet(Rule):
    """What: a table whose intent says ``audit: true`` that has neither a trigger of its own nor
    an audit table — ``<table>_audit``, ``<table>_history``, ``<table>_log``, the same name in
    an ``audit`` schema, or a shared ``audit_log``/``logged_actions``-style table. Either is
    taken as the mechanism (an application may write the history table itself). Needs: the
    ``audit`` intent; without it the rule is silent.

    Why: the design promises that changes can be traced, but nothing in the schema records
    them; the first incident review finds no trail.

    Fix: an audit table (``CREATE TABLE t_audit (id bigint GENERATED ALWAYS AS IDENTITY,
    op text, old_row jsonb, new_row jsonb, changed_by text DEFAULT current_user, changed_at
    timestamptz DEFAULT now())``) filled by an ``AFTER INSERT OR UPDATE OR DELETE`` row
    trigger writing ``to_jsonb(OLD)``/``to_jsonb(NEW)``; or pgaudit when statement logs
    suffice.
    """

    code = "PGA112"
    slug = "audit-intent-unmet"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        names = {(t.schema, t.name) for t in ctx.design.tables}
        shared = any(n in _SHARED_AUDIT for _, n in names)
        triggered = {(tr.schema, tr.table) for tr in ctx.design.triggers}
        for t in ctx.tables:
            if not t.intent.audit or t.key in triggered or shared:
                continue
            own = {(t.schema, f"{t.name}{suffix}") for suffix in ("_audit", "_history", "_log")}
            if own & names or ("audit", t.name) in names:
                continue
            yield self.finding(
                t, None,
                f"{t.name} is marked as audited, but no trigger and no audit or history table "
                f"records its changes",
                f"CREATE TABLE {t.name}_audit (…, op text, old_row jsonb, new_row jsonb, "
                f"changed_at timestamptz DEFAULT now()); CREATE TRIGGER {t.name}_audit AFTER "
                f"INSERT OR UPDATE OR DELETE ON {t.name} FOR EACH ROW EXECUTE FUNCTION "
                f"audit_row();")
