"""schema-privileges-unsafe: schemas where every role may create objects."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_LIVE = """
    SELECT n.nspname FROM pg_catalog.pg_namespace n
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      AND pg_catalog.has_schema_privilege('public', n.oid, 'CREATE')
    ORDER BY 1"""


class SchemaPrivilegesUnsafe(Rule):
    """What: a schema on which PUBLIC (every role) has the CREATE privilege, checked on the
    live database with ``has_schema_privilege('public', schema, 'CREATE')``. PostgreSQL 15
    and later revoke CREATE on ``public`` from PUBLIC by default, so there it fires only
    where someone granted it back (or the database was upgraded from an older release). The
    rule is live only: a design holds no grants. The catalog's other items (default
    privileges, mixed or superuser owners) are not checked — in a sandbox every object is
    owned by the superuser that built it, so they would only be noise.

    Why: any login can plant functions or tables that shadow real ones for everyone whose
    search_path includes the schema (the CVE-2018-1058 attack).

    Fix: ``REVOKE CREATE ON SCHEMA public FROM PUBLIC;``

    References: pglinter S001, S003; PostgreSQL docs "Usage Patterns" (5.10.6).
    """

    code = "PGA067"
    slug = "schema-privileges-unsafe"
    category = "security/RLS"
    severity = "warning"
    mode = "L"

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for (schema,) in ctx.conn.execute(_LIVE).fetchall():
            yield self.finding(
                schema, None,
                f"every role (PUBLIC) may create objects in schema {schema}, so any login can "
                f"plant objects that shadow real ones on others' search_path",
                f"REVOKE CREATE ON SCHEMA {quote_ident(schema)} FROM PUBLIC;")
