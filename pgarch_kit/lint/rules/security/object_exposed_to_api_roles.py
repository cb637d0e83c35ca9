"""object-exposed-to-api-roles: objects in exposed schemas that can't carry RLS."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure

_AUTH_USERS = re.compile(r"\bauth\s*\.\s*users\b", re.IGNORECASE)


class ObjectExposedToApiRoles(Rule):
    """What: a materialized view (it can't have row level security), or a view that reads
    ``auth.users`` (Supabase's private user table), that an API exposes. Exposure — declared
    in ``exposed_schemas`` or inferred from the API's roles, settings and grants, with a
    revoke from every request role hiding an object — is judged as for
    rls-disabled-exposed-table; without it the rule is silent. Foreign tables and queues
    aren't part of the design model.

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
        api = exposure(ctx)
        roles = ", ".join(quote_ident(r) for r in sorted(api.roles))
        for v in ctx.design.views:
            if not api.exposes(v.schema, v.name):
                continue
            where = v.name if v.schema == "public" else f"{v.schema}.{v.name}"
            q = qualified(v.schema, v.name)
            if v.materialized:
                yield self.finding(
                    where, None,
                    f"materialized view {v.name} is in exposed schema {v.schema} "
                    f"({api.how()}) and can't have row level security, so API roles read "
                    f"all of it",
                    f"REVOKE SELECT ON {q} FROM {roles};  -- or move it out of the exposed "
                    f"schema: ALTER MATERIALIZED VIEW {q} SET SCHEMA private;")
            elif _AUTH_USERS.search(v.query):
                yield self.finding(
                    where, None,
                    f"view {v.name} in exposed schema {v.schema} ({api.how()}) reads "
                    f"auth.users, so the private user records reach API roles",
                    f"REVOKE SELECT ON {q} FROM {roles};")
