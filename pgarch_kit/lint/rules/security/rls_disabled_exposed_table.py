"""rls-disabled-exposed-table: tables an API exposes with row level security off."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure


class RlsDisabledExposedTable(Rule):
    """What: a table (partitions are judged through their parent) that an API serves to its
    request roles, without ``ENABLE ROW LEVEL SECURITY``. Exposure is the design's intent —
    the schemas its ``exposed_schemas`` setting lists — or, when the design doesn't say, what
    an API leaves in the schema: request roles (``anon``, ``authenticated``, ``web_anon`` or
    the ``api_roles`` setting) named by grants or policies, PostgREST's ``pgrst`` settings,
    Supabase's ``auth.uid()`` helpers or ``storage`` schema; then ``public`` and the schemas
    the request roles hold grants in count as exposed. Grants decide per table: a table
    revoked from every request role, or left out where tables are granted one by one, is not
    exposed. With neither intent nor evidence the rule reports once, as information, that it
    needs ``exposed_schemas`` — an ordinary server application's ``public`` is no API.

    Why: through PostgREST, Supabase or any role with table grants, every row can be read or
    written: RLS is the only per-row barrier.

    Fix: ``ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;`` plus the policies the table needs (or
    revoke the API roles' privileges on it, or move it to a schema the API doesn't expose).

    References: Supabase splinter rls_disabled_in_public; schemalint row-level-security.
    """

    code = "PGA054"
    slug = "rls-disabled-exposed-table"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        api = exposure(ctx)
        if not api.known:
            if ctx.tables:
                yield self.needs_information(
                    "whether an API (PostgREST, Supabase) serves this design's schemas; "
                    "the design declares no exposed_schemas and shows no API roles, pgrst "
                    "settings or Supabase schemas, so row level security is not judged",
                    "set lint.settings.exposed_schemas to the schemas your API serves "
                    "(an empty list says none)")
            return
        for t in ctx.tables:
            if t.rls_enabled or not api.exposes(t.schema, t.name):
                continue
            yield self.finding(
                t, None, f"table {t.name} is in schema {t.schema}, which an API exposes "
                         f"({api.how()}), without row level security, so every request role "
                         f"with table grants reads and writes every row",
                f"ALTER TABLE {qualified(t.schema, t.name)} ENABLE ROW LEVEL SECURITY;")
