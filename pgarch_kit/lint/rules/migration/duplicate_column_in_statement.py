"""duplicate-column-in-statement: one column named twice in a statement, which PostgreSQL
rejects."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import Statement
from ...rule import Rule
from ._common import AT, names


def _named(s: Statement) -> tuple[str, list[str]]:
    """(what the list is, the column names it gives) for statements that list columns."""
    n, k = s.node, s.kind
    if k == "CreateStmt":
        return "CREATE TABLE", [e.colname for e in n.tableElts or ()
                                if type(e).__name__ == "ColumnDef"]
    if k == "ViewStmt":
        if n.aliases:
            return "the view's column list", list(names(n.aliases))
        targets = getattr(n.query, "targetList", None) or ()
        return "the view's SELECT list", [t.name for t in targets if t.name]
    if k == "UpdateStmt":
        # a[1] = …, a[2] = … assign parts of one column: PostgreSQL allows that
        return "SET", [t.name for t in n.targetList or () if not t.indirection]
    if k == "InsertStmt":
        return "the INSERT column list", [t.name for t in n.cols or ()]
    if k == "AlterTableStmt":
        return "ADD COLUMN", [c.def_.colname for c in n.cmds or ()
                              if c.subtype == AT.AT_AddColumn and c.def_ is not None]
    return "", []


class DuplicateColumnInStatement(Rule):
    """What: a column named twice in one statement: ``CREATE TABLE t (a int, a text)``, a
    view's column list or SELECT list (``CREATE VIEW v (a, a)``), ``UPDATE … SET a = 1, a =
    2``, ``INSERT INTO t (a, a)``, or two ``ADD COLUMN a`` in one ALTER TABLE.

    Why: PostgreSQL rejects the statement ("column specified more than once", "multiple
    assignments to same column"), so the migration fails at deploy time.

    Fix: remove or rename the duplicate.

    References: squawk ban-duplicate-column-assignments.
    """

    code = "PGA118"
    slug = "duplicate-column-in-statement"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig:
            what, cols = _named(s)
            for col, n in Counter(cols).items():
                if n < 2:
                    continue
                rel = getattr(s.node, "relation", None) or getattr(s.node, "view", None)
                yield self.finding(
                    mig.where(rel) if rel is not None else None, col,
                    f"line {s.line}: column {col} appears {n} times in {what}: PostgreSQL "
                    f"rejects the statement and the migration fails",
                    f"keep one {col} in {what}", line=s.line)
