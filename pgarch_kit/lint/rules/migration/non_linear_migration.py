"""non-linear-migration: a new migration file ordered before already-applied files."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class NonLinearMigration(Rule):
    """What: a migration whose file name (``Migration.file_name``) sorts before the last of the
    files already applied (``Migration.applied``), and is not one of them. Names compare
    naturally, so ``V2__x.sql`` sorts before ``V10__y.sql``.

    Why: environments that already ran the later files skip it silently, or the runner refuses
    it ("out of order"), and the environments' schemas drift apart.

    Fix: rename or rebase the file so it sorts after every applied migration.

    References: Atlas non_linear analyzer (migrate lint).
    """

    code = "PGA094"
    slug = "non-linear-migration"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        if not mig.is_non_linear():
            return
        last = mig.last_applied
        yield self.finding(
            None, None,
            f"line 1: migration {mig.file_name} sorts before {last}, which is already applied; "
            f"environments that ran {last} skip it",
            f"rename {mig.file_name} so it sorts after {last}", line=1)
