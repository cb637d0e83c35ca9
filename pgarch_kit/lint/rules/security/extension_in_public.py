"""extension-in-public: extensions installed into public (or another exposed schema)."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import api_evident, is_exposed


class ExtensionInPublic(Rule):
    """What: an extension whose objects live in ``public`` or another schema listed in
    ``exposed_schemas``. An extension declared without a schema is not judged: where it
    lands depends on the server's search_path.

    The severity drops to info when nothing in the design shows an API serves the schema
    (no declared roles, no RLS or policy anywhere), as for rls-disabled-exposed-table.

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
        exposed = ctx.setting("exposed_schemas")
        severity = "warning" if api_evident(ctx.design) else "info"
        for e in ctx.design.extensions:
            if e.schema is None or not (e.schema == "public" or is_exposed(e.schema, exposed)):
                continue
            yield self.finding(      # named by the extension, so it can be suppressed alone
                e.name, None,
                f"extension {e.name} is installed in schema {e.schema}, so its objects are "
                f"exposed through the API and mix with application objects",
                f"CREATE SCHEMA IF NOT EXISTS extensions; "
                f"ALTER EXTENSION {quote_ident(e.name)} SET SCHEMA extensions;",
                severity=severity)
