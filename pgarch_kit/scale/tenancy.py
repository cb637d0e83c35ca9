"""Multi-tenant isolation with row-level security, from the design's tenancy key.

Every table that carries the tenant key gets row-level security enabled *and forced* (without
FORCE the table's owner is exempt), and one policy for the application role:
``USING (tenant_id = current_setting('app.tenant_id')::<type>)`` — which rows it can see,
update or delete — with the same ``WITH CHECK`` — which rows it may write, so a tenant can
neither insert into another tenant nor move a row there. Views over tenant tables become
``security_invoker`` (PostgreSQL 15+), so they filter with the caller's rights instead of the
view owner's. The application sets the tenant once per transaction (``SET LOCAL`` or
``set_config('app.tenant_id', …, true)``), which is also what transaction pooling needs.

Existing policies are kept; one without ``WITH CHECK`` gets it. Pure: the isolation matrix
that proves it on a server is :mod:`pgarch_kit.bench.tenancy`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..model.design import Design, Policy, Table
from ..model.names import quote_ident

__all__ = ["TenancyPlan", "tenancy_plan", "tenant_key"]

_INFERRED = ("tenant_id", "org_id", "organization_id", "organisation_id", "account_id",
             "workspace_id", "company_id")


def tenant_key(t: Table) -> str | None:
    """The table's tenancy column: its intent, else a column named like one."""
    if t.intent.tenant_key:
        return t.intent.tenant_key
    return next((c.name for c in t.columns if c.name in _INFERRED), None)


@dataclass
class TenancyPlan:
    design: Design                               # the design with RLS applied
    role: str
    setting: str
    keys: dict[str, str] = field(default_factory=dict)        # table -> tenant column
    changes: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[str]:
        return list(self.keys)

    def grants_sql(self) -> str:
        """Least privilege for the application role: data, not DDL."""
        role = quote_ident(self.role)
        schemas = sorted({t.schema for t in self.design.tables})
        lines = [f"GRANT USAGE ON SCHEMA {quote_ident(s)} TO {role};" for s in schemas]
        for t in self.design.tables:
            if t.partition_of is None:
                lines.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON "
                             f"{quote_ident(t.schema)}.{quote_ident(t.name)} TO {role};")
        lines += [f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote_ident(s)} TO {role};"
                  for s in schemas]
        return "\n".join(lines)

    def session_sql(self, tenant: str = "<tenant id>") -> str:
        return (f"BEGIN;\nSELECT set_config('{self.setting}', '{tenant}', true);  -- this "
                f"transaction only\n-- … the request's queries …\nCOMMIT;")

    def __str__(self) -> str:
        if not self.keys:
            return "no tenancy key in the design: row-level security is not planned"
        lines = [f"row-level security for role {self.role}, tenant from "
                 f"current_setting('{self.setting}'): "
                 + ", ".join(f"{t}.{k}" for t, k in self.keys.items())]
        lines += [f"  - {c}" for c in self.changes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html
        items = "".join(f"<li>{html.escape(c)}</li>" for c in self.changes)
        return (f"<div><b>Tenant isolation</b>: {html.escape(str(self).splitlines()[0])}"
                f"<ul>{items}</ul></div>")


def _cast(t: Table, column: str) -> str:
    col = t.column(column)
    return col.type if col is not None else "text"


def tenancy_plan(design: Design, *, role: str | None = None,
                 setting: str = "app.tenant_id") -> TenancyPlan:
    """Row-level security for every table with a tenancy key (see the module docstring)."""
    role = role or (design.roles[0] if design.roles else "app_user")
    plan = TenancyPlan(design, role, setting)
    tables = []
    for t in design.tables:
        key = tenant_key(t) if t.partition_of is None else None
        if key is None or t.column(key) is None:
            tables.append(t)
            continue
        plan.keys[t.name] = key
        expr = f"{quote_ident(key)} = current_setting('{setting}')::{_cast(t, key)}"
        policies = list(t.policies)
        mine = [p for p in policies if role in p.roles or "public" in p.roles]
        if not mine:
            policies.append(Policy("tenant_isolation", "ALL", True, (role,), expr, expr))
            plan.changes.append(f"{t.name}: policy tenant_isolation for {role} on {key}")
        for i, p in enumerate(policies):
            if p in mine and p.command in ("ALL", "INSERT", "UPDATE") and not p.with_check:
                policies[i] = replace(p, with_check=p.using)
                plan.changes.append(f"{t.name}: policy {p.name} gains WITH CHECK — without "
                                    f"it a tenant could write rows it cannot see")
        if not t.rls_forced:
            plan.changes.append(f"{t.name}: FORCE ROW LEVEL SECURITY — the table's owner "
                                f"is held to the policies too")
        tables.append(replace(t, policies=tuple(policies), rls_enabled=True, rls_forced=True))
    views = []
    tenant_names = set(plan.keys)
    for v in design.views:
        reads = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", v.query)) & tenant_names
        if reads and not v.materialized and not any(o.startswith("security_invoker")
                                                    for o in v.options):
            v = replace(v, options=(*v.options, "security_invoker=true"))
            plan.changes.append(f"view {v.name}: security_invoker — it filters "
                                f"{', '.join(sorted(reads))} with the caller's policies")
        views.append(v)
    roles = design.roles if role in design.roles else (*design.roles, role)
    plan.design = replace(design, tables=tuple(tables), views=tuple(views), roles=roles)
    return plan
