"""reg-type-column: OID-alias columns that block pg_upgrade."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns

# pg_upgrade refuses these in user tables; regclass, regtype and regrole are carried over.
_BLOCKING = frozenset({"regproc", "regprocedure", "regoper", "regoperator", "regconfig",
                       "regdictionary", "regnamespace", "regcollation"})


class RegTypeColumn(Rule):
    """What: user columns typed ``regproc``, ``regprocedure``, ``regoper``, ``regoperator``,
    ``regconfig``, ``regdictionary``, ``regnamespace`` or ``regcollation`` (arrays included).
    ``regclass``, ``regtype`` and ``regrole`` are allowed. Needs only the design.

    Why: these types store OIDs that pg_upgrade cannot carry across versions, so pg_upgrade
    refuses to run while such a column exists; a dump and restore also gives the objects new
    OIDs.

    Fix: store the name instead: ``ALTER TABLE t ALTER COLUMN c TYPE text USING c::text``.

    References: Supabase splinter unsupported_reg_types; pg_upgrade's
    check_for_reg_data_type_usage.
    """

    code = "PGA012"
    slug = "reg-type-column"
    category = "types"
    severity = "error"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base.lower() not in _BLOCKING:
                continue
            arr = "[]" if ty.is_array else ""
            yield self.finding(
                t, c.name,
                f"{c.name} is {c.type}, which stores OIDs pg_upgrade cannot carry over, so "
                f"the upgrade refuses to run",
                alter_type(t, c.name, "text" + arr, f"{quote_ident(c.name)}::text{arr}"))
