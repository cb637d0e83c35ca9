"""rls-disabled-tenant-table: tables carrying the tenant key without row level security."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class RlsDisabledTenantTable(Rule):
    """What: a table with a tenant key — declared as the ``tenant_key`` intent, or inferred
    from a ``tenant_id``/``org_id``… column referencing a tenants/organisations table — whose
    row level security is off.

    Why: isolation then rests on every query of every code path remembering
    ``WHERE tenant_id = …``; the one that forgets leaks another tenant's rows. RLS makes the
    database enforce it.

    Fix: ``ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON t USING (tenant_id = current_setting('app.tenant_id')::uuid)
    WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);``
    """

    code = "PGA106"
    slug = "rls-disabled-tenant-table"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            intent, inferred = ctx.intent(t)
            key = intent.tenant_key
            if not key or t.rls_enabled or t.column(key) is None:
                continue
            tab, col = quote_ident(t.name), quote_ident(key)
            yield self.finding(
                t, key,
                f"{t.name} carries the tenant key {key} but row level security is off: one "
                f"query that forgets `WHERE {key} = …` leaks other tenants' rows",
                f"ALTER TABLE {tab} ENABLE ROW LEVEL SECURITY; ALTER TABLE {tab} FORCE ROW "
                f"LEVEL SECURITY; CREATE POLICY tenant_isolation ON {tab} USING ({col} = "
                f"current_setting('app.{key}')::{t.column(key).type}) WITH CHECK ({col} = "
                f"current_setting('app.{key}')::{t.column(key).type});",
                inferred="tenant_key" if "tenant_key" in inferred else None)
