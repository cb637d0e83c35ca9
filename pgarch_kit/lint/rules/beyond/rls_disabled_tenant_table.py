"""rls-disabled-tenant-table: tables carrying the tenant key without row level security."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table


class RlsDisabledTenantTable(Rule):
    """What: a table with a tenant key whose row level security is off, where the design
    shows it relies on the database for isolation: the ``tenant_key`` intent is declared, or
    some table of the design has row level security on. A tenant key merely inferred (a
    ``tenant_id``/``org_id``/``account_id`` … column referencing a tenants/organisations/
    accounts table) in a design that uses no RLS at all is an application that isolates
    tenants in its queries — a legitimate choice (and ``account`` is as often a ledger
    account as a customer): the rule then says once that it needs the intent. Needs: the
    ``tenant_key`` intent, or RLS elsewhere in the design.

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
        uses_rls = any(t.rls_enabled for t in ctx.design.tables)
        for t in ctx.tables:
            intent, inferred = ctx.intent(t)
            key = intent.tenant_key
            if not key or t.rls_enabled or t.column(key) is None:
                continue
            if "tenant_key" in inferred and not uses_rls:
                yield self.needs_information(
                    "whether the design isolates tenants with row level security: tenant "
                    "keys were only inferred (columns like tenant_id or organization_id) and "
                    "no table uses RLS, so isolation is taken to be the application's",
                    "declare intent tenant_key on the tables the database must isolate")
                continue
            tab, col = sql_table(t), quote_ident(key)
            yield self.finding(
                t, key,
                f"{t.name} carries the tenant key {key} but row level security is off: one "
                f"query that forgets `WHERE {key} = …` leaks other tenants' rows",
                f"ALTER TABLE {tab} ENABLE ROW LEVEL SECURITY; ALTER TABLE {tab} FORCE ROW "
                f"LEVEL SECURITY; CREATE POLICY tenant_isolation ON {tab} USING ({col} = "
                f"current_setting('app.{key}')::{t.column(key).type}) WITH CHECK ({col} = "
                f"current_setting('app.{key}')::{t.column(key).type});",
                inferred="tenant_key" if "tenant_key" in inferred else None)
