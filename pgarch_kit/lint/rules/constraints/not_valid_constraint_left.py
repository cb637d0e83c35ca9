"""not-valid-constraint-left: constraints added NOT VALID and never validated."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule
from ..types._common import live_rows

_QUERY = """
SELECT n.nspname, c.relname, k.conname,
       CASE k.contype WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' ELSE k.contype::text END
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT k.convalidated
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 1, 2, 3
"""


class NotValidConstraintLeft(Rule):
    """What: a CHECK or foreign-key constraint added ``NOT VALID`` and never validated
    (``pg_constraint.convalidated = false``). The design does not record validation state, so
    this is a live check; the design alone gives no finding. Needs: a live database.

    Why: ``NOT VALID`` is half of the safe two-step migration. Until ``VALIDATE CONSTRAINT``
    runs, rows that existed before are unchecked (they may violate it), and the planner
    cannot use the constraint (no constraint exclusion, no join removal).

    Fix: ``ALTER TABLE t VALIDATE CONSTRAINT c;`` in its own transaction (it takes only a
    SHARE UPDATE EXCLUSIVE lock); fix the violating rows first if it fails.

    References: pg-index-health not_valid_constraints; DBV c1001.
    """

    code = "PGA023"
    slug = "not-valid-constraint-left"
    category = "constraints"
    severity = "warning"
    mode = "S/L"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        return iter(())  # the design holds no validation state

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for schema, table, name, kind in live_rows(ctx, _QUERY):
            where = where_of(schema, table)
            tbl = quote_ident(table) if schema == "public" else qualified(schema, table)
            yield self.finding(
                where, None,
                f"{kind} constraint {name} on {where} was added NOT VALID and never validated: "
                f"existing rows are unchecked and the planner cannot rely on it",
                f"ALTER TABLE {tbl} VALIDATE CONSTRAINT {quote_ident(name)};")
