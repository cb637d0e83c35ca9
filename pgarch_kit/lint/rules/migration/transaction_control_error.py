"""transaction-control-error: nested, unmatched or unterminated transaction control."""
from __future__ import annotations

from collections.abc import Iterator

from pglast.enums import TransactionStmtKind as K

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_OPEN = (K.TRANS_STMT_BEGIN, K.TRANS_STMT_START)
_CLOSE = (K.TRANS_STMT_COMMIT, K.TRANS_STMT_ROLLBACK)


class TransactionControlError(Rule):
    """What: a ``BEGIN`` inside an open ``BEGIN`` (nested), a ``COMMIT``/``ROLLBACK`` with no
    ``BEGIN``, a ``BEGIN`` never committed, or any ``BEGIN``/``COMMIT`` in a file the migration
    runner already wraps in a transaction (``transactional=True``).

    Why: PostgreSQL only warns on a nested BEGIN and on COMMIT outside a transaction, so the
    mistakes stay hidden: a COMMIT inside a wrapped file ends the runner's transaction early
    (later steps run without it and a failure can't roll them back), and an unterminated
    BEGIN is rolled back when the session ends — those changes silently never apply.

    Fix: one transaction per file, owned by the runner — remove BEGIN/COMMIT from the file; or
    mark the file non-transactional and pair every BEGIN with a COMMIT.

    References: squawk transaction-nesting, ban-uncommitted-transaction.
    """

    code = "PGA092"
    slug = "transaction-control-error"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        open_at = None
        for s in mig.of_kind("TransactionStmt"):
            kind = s.node.kind
            if kind in _OPEN:
                if open_at is not None:
                    yield self.finding(
                        None, None,
                        f"line {s.line}: BEGIN while the transaction opened at line "
                        f"{open_at.line} is still open; PostgreSQL ignores it with a warning",
                        "remove the nested BEGIN (use SAVEPOINT for partial rollback)", line=s.line)
                    continue
                open_at = s
                if mig.transactional:
                    yield self.finding(
                        None, None,
                        f"line {s.line}: BEGIN in a file the migration runner wraps in a "
                        f"transaction (transactional=True): the nesting is ignored and the "
                        f"file's COMMIT ends the runner's transaction early",
                        "remove BEGIN/COMMIT and let the runner own the transaction, or run "
                        "the file with transactional=False", line=s.line)
            elif kind in _CLOSE:
                if open_at is None:
                    where = ("ends the runner's transaction early" if mig.transactional
                             else "has no open transaction (PostgreSQL only warns)")
                    yield self.finding(
                        None, None, f"line {s.line}: {s.text.split()[0].upper()} without a "
                                    f"BEGIN {where}",
                        "remove it, or add the matching BEGIN", line=s.line)
                open_at = None
        if open_at is not None:
            yield self.finding(
                None, None,
                f"line {open_at.line}: BEGIN is never committed: the statements after it are "
                f"rolled back when the session ends (or left holding locks)",
                "add COMMIT; at the end of the transaction", line=open_at.line)
