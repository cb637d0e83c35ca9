"""drop-column: ALTER TABLE … DROP COLUMN on a table with data."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import AT, alter_cmds, where


class DropColumn(Rule):
    """What: ``ALTER TABLE … DROP COLUMN`` on an existing table.

    Why: the column's data is gone for good, and running application versions — or ORMs that
    cached the column list (Rails, Django, Hibernate) — fail on their next query.

    Fix: stop using the column first (tell the ORM to ignore it) and deploy; back it up if it
    may be needed; drop it in a later release with ``DROP COLUMN IF EXISTS``.

    References: squawk ban-drop-column; strong_migrations remove_column; Atlas DS103.
    """

    code = "PGA084"
    slug = "drop-column"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s, cmd, table in alter_cmds(mig):
            if cmd.subtype == AT.AT_DropColumn:
                yield self.finding(
                    where(mig, s.node.relation, table), cmd.name,
                    f"line {s.line}: DROP COLUMN {cmd.name} deletes its data from {table.name}, "
                    f"and app versions or ORM caches still using it break",
                    "remove every use of the column and deploy first (ORM: ignore the column); "
                    "then drop it in a later release", line=s.line)
