"""enum-value-change: ALTER TYPE … RENAME VALUE, or ADD VALUE without a position."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import names


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class EnumValueChange(Rule):
    """What: ``ALTER TYPE … RENAME VALUE`` (a warning), or ``ALTER TYPE … ADD VALUE`` without
    ``BEFORE``/``AFTER`` (info).

    Why: a renamed label breaks every application, stored query and comparison that still
    uses the old text; a value added without a position lands last, which breaks enums whose
    sort order means something (``ORDER BY status``, ``status < 'shipped'``).

    Fix: add the new value with an explicit position (``ADD VALUE 'x' AFTER 'y'``), backfill
    rows to it, and stop using the old value — never rename in place.

    References: strong_migrations rename_enum_value; squawk require-enum-value-ordering.
    """

    code = "PGA089"
    slug = "enum-value-change"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        for s in ctx.migration.of_kind("AlterEnumStmt"):
            n = s.node
            typ = ".".join(names(n.typeName))
            qtyp = ".".join(quote_ident(p) for p in names(n.typeName))
            if n.oldVal:
                yield self.finding(
                    None, None,
                    f"line {s.line}: RENAME VALUE {n.oldVal!r} → {n.newVal!r} on enum {typ} "
                    f"breaks every app version and query still using {n.oldVal!r}",
                    f"ALTER TYPE {qtyp} ADD VALUE {_lit(n.newVal)} AFTER {_lit(n.oldVal)}; "
                    f"-- backfill rows to it, then stop using {_lit(n.oldVal)}", line=s.line)
            elif n.newVal and not n.newValNeighbor:
                yield self.finding(
                    None, None,
                    f"line {s.line}: ADD VALUE {n.newVal!r} to enum {typ} without BEFORE/AFTER "
                    f"puts it last in the enum's sort order",
                    f"ALTER TYPE {qtyp} ADD VALUE IF NOT EXISTS {_lit(n.newVal)} "
                    f"AFTER '<the value it follows>';", severity="info", line=s.line)
