"""unique-index-duplicate-risk: a new unique index or constraint on a table that may hold
duplicates."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import Statement, render
from ...rule import Rule
from ._common import AT, CT, alter_cmds, names, q, where


class UniqueIndexDuplicateRisk(Rule):
    """What: a new unique index (``CREATE UNIQUE INDEX``) or a new ``UNIQUE`` / ``PRIMARY KEY``
    constraint on a table that already holds rows.

    Why: if the rows already contain duplicates the statement fails partway through the
    deploy, and a failed ``CREATE UNIQUE INDEX CONCURRENTLY`` leaves an INVALID index behind
    that still slows writes until it is dropped.

    Fix: check first — ``SELECT cols, count(*) FROM t GROUP BY cols HAVING count(*) > 1;`` —
    and deduplicate in an earlier migration (or make the check a pre-migration step).

    References: Atlas MF101, MF102.
    """

    code = "PGA075"
    slug = "unique-index-duplicate-risk"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig.of_kind("IndexStmt"):
            table = mig.existing(s.node.relation, s)
            if not s.node.unique or table is None:
                continue
            keys = [p.name if p.name else f"({render(p.expr)})" for p in s.node.indexParams]
            yield self._finding(s, where(mig, s.node.relation, table), table.name, keys,
                                f"unique index {s.node.idxname or ''}".strip())
        for s, cmd, table in alter_cmds(mig):
            t = where(mig, s.node.relation, table)
            if (cmd.subtype == AT.AT_AddConstraint and not cmd.def_.indexname
                    and cmd.def_.contype in (CT.CONSTR_UNIQUE, CT.CONSTR_PRIMARY)):
                kind = "UNIQUE" if cmd.def_.contype == CT.CONSTR_UNIQUE else "PRIMARY KEY"
                yield self._finding(s, t, table.name, list(names(cmd.def_.keys)),
                                    f"{kind} constraint {cmd.def_.conname or ''}".strip())

    def _finding(self, s: Statement, t: str, tname: str, keys: list[str],
                 what: str) -> Finding:
        cols = ", ".join(k if k.startswith("(") else q(k) for k in keys)
        return self.finding(
            t, keys[0] if len(keys) == 1 and not keys[0].startswith("(") else None,
            f"line {s.line}: {what} on existing table {tname} fails the deploy if the rows "
            f"already hold duplicates of ({', '.join(keys)})",
            f"SELECT {cols}, count(*) FROM {q(tname)} GROUP BY {cols} HAVING count(*) > 1;  "
            f"-- must return nothing before this migration runs", line=s.line)
