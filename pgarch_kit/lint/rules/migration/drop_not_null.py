"""drop-not-null: ALTER COLUMN … DROP NOT NULL."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, alter_cmds, where


class DropNotNull(Rule):
    """What: ``ALTER TABLE … ALTER COLUMN … DROP NOT NULL`` on an existing table.

    Why: readers, reports and PL/pgSQL code written while the column could not be NULL start
    to see NULLs (``=`` comparisons, ``NOT IN``, aggregates and ORM types all change meaning).

    Fix: keep NOT NULL and use an explicit sentinel or a separate state column, or ship the
    reader changes first and drop the constraint in a later release.

    References: squawk ban-drop-not-null.
    """

    code = "PGA080"
    slug = "drop-not-null"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            if cmd.subtype == AT.AT_DropNotNull:
                yield self.finding(
                    where(mig, s.node.relation, table), cmd.name,
                    f"line {s.line}: DROP NOT NULL on {table.name}.{cmd.name} lets NULLs into "
                    f"a column that readers and code assume is always set",
                    "ship reader changes that handle NULL first, or keep NOT NULL with a "
                    "sentinel value", line=s.line)
