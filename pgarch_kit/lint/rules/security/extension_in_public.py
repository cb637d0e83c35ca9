"""extension-in-public: extensions installed into public (or another exposed schema)."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure


class ExtensionInPublic(Rule):
    """What: an extension whose objects live in ``public`` or in a schema an API exposes.
    A warning when the schema is exposed (declared in ``exposed_schemas`` or inferred from
    the API's roles, settings and grants, as for rls-disabled-exposed-table); an info for
    ``public`` that no API is known to serve, where only the mixing is a concern. An
    extension declared without a schema is not judged: where it lands depends on the
    server's search_path.

    Why: the extension's functions, types and tables become visible through the API and
    clutter ``public``; they can shadow or be shadowed by user objects, and dumps and
    upgrades mix extension and application objects.

    Fix: ``CREATE SCHEMA IF NOT EXISTS extensions; ALTER EXTENSION x SET SCHEMA extensions;``
    (for relocatable extensions; otherwise drop and recreate it there).

    References: Supabase splinter extension_in_public.
    """

    code = "PGA064"
    slug = "extension-in-public"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        api = exposure(ctx)
        for e in ctx.design.extensions:
            exposed = e.schema is not None and e.schema in api.schemas
            if e.schema is None or not (e.schema == "public" or exposed):
                continue
            effect = (f"exposed through the API ({api.how()}) and mix" if exposed
                      else "mixed")
            yield self.finding(      # named by the extension, so it can be suppressed alone
                e.name, None,
                f"extension {e.name} is installed in schema {e.schema}, so its objects are "
                f"{effect} with application objects",
                f"CREATE SCHEMA IF NOT EXISTS extensions; "
                f"ALTER EXTENSION {quote_ident(e.name)} SET SCHEMA extensions;",
                severity="warning" if exposed else "info")
