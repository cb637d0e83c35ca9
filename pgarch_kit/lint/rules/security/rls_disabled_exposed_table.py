"""rls-disabled-exposed-table: tables an API exposes with row level security off."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import api_evident, is_exposed


class RlsDisabledExposedTable(Rule):
    """What: a table (partitions are judged through their parent) in a schema listed in the
    ``exposed_schemas`` setting (default ``public``) without ``ENABLE ROW LEVEL SECURITY``.
    A warning when the design shows it relies on RLS — it declares roles, or some table has
    RLS or policies — since then an API serves these schemas; otherwise an info, because in
    an ordinary application ``public`` is not an API and grants alone protect it.

    Why: through PostgREST, Supabase or any role with table grants, every row can be read or
    written: RLS is the only per-row barrier.

    Fix: ``ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;`` plus the policies the table needs (or
    move the table to a schema the API doesn't expose).

    References: Supabase splinter rls_disabled_in_public; schemalint row-level-security.
    """

    code = "PGA054"
    slug = "rls-disabled-exposed-table"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        exposed = ctx.setting("exposed_schemas")
        severity = "warning" if api_evident(ctx.design) else "info"
        for t in ctx.tables:
            if t.rls_enabled or not is_exposed(t.schema, exposed):
                continue
            yield self.finding(
                t, None, f"table {t.name} is in the API-exposed schema {t.schema} without row "
                         f"level security, so any role with table grants reads and writes "
                         f"every row",
                f"ALTER TABLE {qualified(t.schema, t.name)} ENABLE ROW LEVEL SECURITY;",
                severity=severity)
