"""security-definer-view: exposed views that run with their owner's rights."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure

_TRUE = ("true", "on", "1", "yes")


def invoker(options: tuple[str, ...]) -> bool:
    for opt in options:
        key, _, value = opt.partition("=")
        if key.strip().lower() == "security_invoker":
            return value.strip().strip("'").lower() in _TRUE
    return False


class SecurityDefinerView(Rule):
    """What: a (non-materialized) view an API exposes, without the ``security_invoker =
    true`` option. Exposure — declared in ``exposed_schemas`` or inferred from the API's
    roles, settings and grants — is judged as for rls-disabled-exposed-table; without it the
    rule is silent.

    Why: by default a view reads its tables with the view owner's rights, so the caller's
    row level security policies are skipped — an exposed view over an RLS table hands
    every row to anyone who may select from the view.

    Fix: ``ALTER VIEW s.v SET (security_invoker = true);`` (PostgreSQL 15+), or move the view
    to a schema the API doesn't expose.

    References: Supabase splinter security_definer_view.
    """

    code = "PGA061"
    slug = "security-definer-view"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        api = exposure(ctx)
        for v in ctx.design.views:
            if v.materialized or not api.exposes(v.schema, v.name) or invoker(v.options):
                continue
            where = v.name if v.schema == "public" else f"{v.schema}.{v.name}"
            yield self.finding(
                where, None,
                f"view {v.name} in exposed schema {v.schema} ({api.how()}) runs with its "
                f"owner's rights, so callers bypass the row level security of the tables it "
                f"reads",
                f"ALTER VIEW {qualified(v.schema, v.name)} SET (security_invoker = true);")
