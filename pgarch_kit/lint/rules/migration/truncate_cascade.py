"""truncate-cascade: TRUNCATE … CASCADE."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import DropBehavior, q


class TruncateCascade(Rule):
    """What: ``TRUNCATE … CASCADE``.

    Why: it also empties every table with a foreign key to the target — transitively — which
    may be far more data than the author had in mind.

    Fix: list every table to empty explicitly: ``TRUNCATE a, b, c;`` (it then fails loudly if
    another table still references them).

    References: squawk ban-truncate-cascade.
    """

    code = "PGA087"
    slug = "truncate-cascade"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig.of_kind("TruncateStmt"):
            if s.node.behavior != DropBehavior.DROP_CASCADE:
                continue
            rels = s.node.relations or ()
            listed = ", ".join(q(r.relname) for r in rels)
            yield self.finding(
                mig.where(rels[0]) if rels else None, None,
                f"line {s.line}: TRUNCATE … CASCADE also empties every table that references "
                f"{listed}, transitively",
                f"TRUNCATE {listed}, <each referencing table to empty>;  -- without CASCADE",
                line=s.line)
