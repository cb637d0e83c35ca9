"""missing-lock-and-statement-timeout: locking DDL with no lock_timeout set before it."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import locked_table


class MissingLockAndStatementTimeout(Rule):
    """What: a migration that runs locking DDL on an existing table with no ``SET
    lock_timeout`` earlier in the script (one finding per script); info when only
    ``statement_timeout`` is missing.

    Why: a DDL statement waiting for its lock (behind one long transaction) makes every later
    query on the table queue behind it — a brief migration becomes an outage. Without a
    statement timeout a runaway rewrite holds its lock indefinitely.

    Fix: ``SET lock_timeout = '5s'; SET statement_timeout = '15min';`` at the top of the
    migration, and retry the migration when the lock timeout fires.

    References: squawk require-lock-timeout, require-statement-timeout; strong_migrations
    lock_timeout / statement_timeout settings.
    """

    code = "PGA090"
    slug = "missing-lock-and-statement-timeout"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        seen: set[str] = set()
        for s in mig:
            if s.kind == "VariableSetStmt" and s.node.name in ("lock_timeout",
                                                                 "statement_timeout"):
                seen.add(s.node.name)
                continue
            table = locked_table(mig, s)
            if table is None:
                continue
            if "lock_timeout" not in seen:
                yield self.finding(
                    table, None,
                    f"line {s.line}: locking DDL on {table} runs with no lock_timeout set "
                    f"earlier in the script: while it waits for its lock, every query on "
                    f"{table} queues behind it"
                    + ("" if "statement_timeout" in seen else " (statement_timeout is not set "
                       "either)"),
                    "SET lock_timeout = '5s';\nSET statement_timeout = '15min';  -- at the top "
                    "of the migration; retry on lock timeout", line=s.line)
            elif "statement_timeout" not in seen:
                yield self.finding(
                    table, None,
                    f"line {s.line}: locking DDL on {table} runs with lock_timeout but no "
                    f"statement_timeout: a runaway statement holds its lock indefinitely",
                    "SET statement_timeout = '15min';  -- at the top of the migration",
                    severity="info", line=s.line)
            return
