"""object-exposed-to-api-roles: objects in exposed schemas that can't carry RLS."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import api_evident, is_exposed

_AUTH_USERS = re.compile(r"\bauth\s*\.\s*users\b", re.IGNORECASE)


class ObjectExposedToApiRoles(Rule):
    """What: in a schema listed in ``exposed_schemas``, a materialized view (it can't have
    row level security), or a view that reads ``auth.users`` (Supabase's private user
    table). The design holds no grants, so the rule assumes the API roles can read what
    sits in an exposed schema; foreign tables and queues aren't part of the design model.

    The severity drops to info when nothing in the design shows an API serves the schema
    (no declared roles, no RLS or policy anywhere), as for rls-disabled-exposed-table.

    Why: these objects can't carry row level security, or shouldn't be public at all: any
    anonymous or signed-in API caller reads every row.

    Fix: ``REVOKE SELECT ON s.mv FROM anon, authenticated;`` or move the object out of the
    exposed schema (``ALTER MATERIALIZED VIEW s.mv SET SCHEMA private;``).

    References: Supabase splinter materialized_view_in_api, auth_users_exposed,
    foreign_table_in_api, pg_graphql_anon_table_exposed.
    """

    code = "PGA066"
    slug = "object-exposed-to-api-roles"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        exposed = ctx.setting("exposed_schemas")
        severity = "warning" if api_evident(ctx.design) else "info"
        for v in ctx.design.views:
            if not is_exposed(v.schema, exposed):
                continue
            where = v.name if v.schema == "public" else f"{v.schema}.{v.name}"
            q = qualified(v.schema, v.name)
            if v.materialized:
                yield self.finding(
                    where, None,
                    f"materialized view {v.name} is in exposed schema {v.schema} and can't "
                    f"have row level security, so API roles read all of it",
                    f"ALTER MATERIALIZED VIEW {q} SET SCHEMA private;  "
                    f"-- or REVOKE SELECT ON {q} FROM anon, authenticated;",
                    severity=severity)
            elif _AUTH_USERS.search(v.query):
                yield self.finding(
                    where, None,
                    f"view {v.name} in exposed schema {v.schema} reads auth.users, so the "
                    f"private user records reach API roles",
                    f"REVOKE SELECT ON {q} FROM anon, authenticated;",
                    severity=severity)
