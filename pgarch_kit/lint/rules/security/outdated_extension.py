"""outdated-extension: installed extensions older than the version the server ships."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_LIVE = """
    SELECT e.extname, e.extversion, a.default_version
    FROM pg_catalog.pg_extension e
    JOIN pg_catalog.pg_available_extensions a ON a.name = e.extname
    WHERE a.default_version IS DISTINCT FROM e.extversion
    ORDER BY 1"""


class OutdatedExtension(Rule):
    """What: on a live database, an installed extension whose version differs from the
    default version the server's packages ship (``pg_available_extensions``) — after an
    upgrade of the server or its packages, the SQL side of an extension stays at the old
    version until someone runs ``ALTER EXTENSION … UPDATE``.

    Why: the newer version's security and bug fixes (and sometimes the C library's
    expectations) are not in effect.

    Fix: ``ALTER EXTENSION x UPDATE;`` (test it first: updates can change behaviour).

    References: Supabase splinter extension_versions_outdated.
    """

    code = "PGA069"
    slug = "outdated-extension"
    category = "security/RLS"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for name, installed, default in ctx.conn.execute(_LIVE).fetchall():
            yield self.finding(
                name, None,
                f"extension {name} is at version {installed} while the server ships "
                f"{default}, so that version's security and bug fixes are not in effect",
                f"ALTER EXTENSION {quote_ident(name)} UPDATE;")
