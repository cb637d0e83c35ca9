"""duplicate-column-definition: a column name declared twice in one table."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule


class DuplicateColumnDefinition(Rule):
    """What: the same column name declared twice in a table (partitions included) or a composite
    type. A database cannot hold this, but a design built in code or edited by hand can, and its
    CREATE statement would then fail. Needs only the design.

    Why: ``CREATE TABLE`` / ``ADD COLUMN`` fails with "column specified more than once", so
    the design cannot be deployed; which of the two definitions was meant is unclear.

    Fix: remove the duplicate, or rename one of them.

    References: squawk ban-duplicate-column-assignments.
    """

    code = "PGA027"
    slug = "duplicate-column-definition"
    category = "constraints"
    severity = "error"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.design.tables:
            yield from self._dupes(label(t), [c.name for c in t.columns], "table")
        for ct in ctx.design.composites:
            where = ct.name if ct.schema == "public" else f"{ct.schema}.{ct.name}"
            yield from self._dupes(where, [a[0] for a in ct.attributes], "composite type")

    def _dupes(self, where: str, names: list[str], kind: str) -> Iterator[Finding]:
        counts = Counter(names)
        for name, n in counts.items():
            if n > 1:
                yield self.finding(
                    where, name,
                    f"column {name} is declared {n} times in {kind} {where}: "
                    f"the CREATE statement fails with 'column specified more than once'",
                    f"remove or rename the extra {name} definition")
