"""missing-lock-and-statement-timeout: locking DDL with no lock_timeout set before it."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import waits_for_lock


class MissingLockAndStatementTimeout(Rule):
    """What: a migration that runs locking DDL on an existing table — or a statement that
    waits for locks even though it lets reads and writes go on: ``CREATE``/``DROP INDEX
    CONCURRENTLY``, ``REINDEX CONCURRENTLY``, ``DETACH PARTITION CONCURRENTLY``, ``ALTER TYPE
    … ADD VALUE`` — with no ``SET lock_timeout`` in effect (one finding per script; a ``SET
    LOCAL`` lasts until its transaction ends, ``RESET`` or ``= 0`` turns it off); info when
    only ``statement_timeout`` is missing.

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
        seen: dict[str, object] = {}   # setting -> "session", or the txn of a SET LOCAL
        told_statement = False
        for s in mig:
            if s.kind == "VariableSetStmt" and s.node.name in _TIMEOUTS:
                if _turns_off(s.node):
                    seen.pop(s.node.name, None)
                elif s.node.is_local and s.txn is None:
                    pass  # SET LOCAL outside a transaction only warns: it sets nothing
                else:
                    seen[s.node.name] = s.txn if s.node.is_local else "session"
                continue
            wait = waits_for_lock(mig, s)
            if wait is None:
                continue
            table, how = wait
            have = {k for k, v in seen.items() if v == "session" or v == s.txn}
            if "lock_timeout" not in have:
                yield self.finding(
                    _label(table), None,
                    f"line {s.line}: {how} on {table} runs with no lock_timeout set earlier "
                    f"in the script: while it waits for its lock, "
                    + ("every query on it queues behind it" if how == "locking DDL" else
                       "it can wait indefinitely, with DDL and vacuum queueing behind it")
                    + ("" if "statement_timeout" in have else " (statement_timeout is not "
                       "set either)"),
                    "SET lock_timeout = '5s';\nSET statement_timeout = '15min';  -- at the top "
                    "of the migration; retry on lock timeout", line=s.line)
                return  # once per script: the first statement that waits unprotected
            if "statement_timeout" not in have and not told_statement:
                told_statement = True
                yield self.finding(
                    _label(table), None,
                    f"line {s.line}: {how} on {table} runs with lock_timeout but no "
                    f"statement_timeout: a runaway statement holds its lock indefinitely",
                    "SET statement_timeout = '15min';  -- at the top of the migration",
                    severity="info", line=s.line)


_TIMEOUTS = ("lock_timeout", "statement_timeout")


def _label(target: str) -> str | None:
    """The finding's table: None when the target is a phrase, not a table."""
    return None if target.startswith(("the ", "type ", "every ")) else target


def _turns_off(node: Any) -> bool:
    """RESET, SET … TO DEFAULT and SET … = 0 leave the statement without a timeout."""
    from pglast.enums import VariableSetKind as V
    if node.kind != V.VAR_SET_VALUE:
        return True
    arg = (node.args or (None,))[0]
    val = getattr(arg, "val", None)
    raw = getattr(val, "ival", None)
    if raw is None:
        raw = getattr(val, "sval", None)
    return str(raw).strip() in ("0", "0ms", "0s")
