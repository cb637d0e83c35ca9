"""non-idempotent-ddl: CREATE/DROP/ADD without IF [NOT] EXISTS in a multi-step migration."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import Statement
from ...rule import Rule
from ._common import AT, ObjectType, names


def _unguarded(s: Statement) -> list[str]:
    """What the statement does without a guard it could have."""
    n, k = s.node, s.kind
    if k in ("CreateStmt", "CreateSeqStmt", "CreateSchemaStmt", "CreateExtensionStmt") \
            and not n.if_not_exists:
        return [s.text.split("(")[0].strip()[:60]]
    if k == "IndexStmt" and n.idxname and not n.if_not_exists:
        return [f"CREATE INDEX {n.idxname}"]
    if k == "DropStmt" and not n.missing_ok:
        what = n.removeType.name.removeprefix("OBJECT_").replace("_", " ")
        objs = ", ".join(".".join(names(o)) if isinstance(o, tuple) else getattr(o, "sval", "…")
                         for o in n.objects or ())
        return [f"DROP {what} {objs}".strip()]
    if k == "AlterTableStmt" and n.objtype == ObjectType.OBJECT_TABLE:
        out = []
        for c in n.cmds or ():
            if c.subtype == AT.AT_AddColumn and not c.missing_ok:
                out.append(f"ADD COLUMN {c.def_.colname}")
            elif c.subtype in (AT.AT_DropColumn, AT.AT_DropConstraint) and not c.missing_ok:
                out.append(f"DROP {'COLUMN' if c.subtype == AT.AT_DropColumn else 'CONSTRAINT'}"
                           f" {c.name}")
        return out
    if k == "AlterEnumStmt" and n.newVal and not n.oldVal and not n.skipIfNewValExists:
        return [f"ADD VALUE {n.newVal!r}"]
    return []


class NonIdempotentDdl(Rule):
    """What: in a migration of more than one statement, ``CREATE TABLE/INDEX/SEQUENCE/SCHEMA/
    EXTENSION`` without ``IF NOT EXISTS``, ``DROP …`` without ``IF EXISTS``, ``ADD COLUMN``
    without ``IF NOT EXISTS``, ``DROP COLUMN/CONSTRAINT`` without ``IF EXISTS``, ``ADD VALUE``
    without ``IF NOT EXISTS``.

    Why: when a migration stops halfway (a non-transactional step, a lock timeout, a
    CONCURRENTLY build that failed) re-running it fails on the steps that already happened.

    Fix: guard each step: ``CREATE … IF NOT EXISTS``, ``DROP … IF EXISTS``, ``ADD COLUMN IF
    NOT EXISTS``.

    References: squawk prefer-robust-stmts.
    """

    code = "PGA091"
    slug = "non-idempotent-ddl"
    category = "migration-safety"
    severity = "info"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        steps = [s for s in mig if s.kind not in ("TransactionStmt", "VariableSetStmt")]
        if len(steps) < 2:
            return
        for s in steps:
            for what in _unguarded(s):
                rel = getattr(s.node, "relation", None)
                guard = "IF EXISTS" if what.upper().startswith("DROP") else "IF NOT EXISTS"
                yield self.finding(
                    mig.where(rel) if rel is not None else None, None,
                    f"line {s.line}: {what} has no {guard} guard, so re-running the migration "
                    f"after a partial failure fails here",
                    f"add {guard} to {what}", line=s.line)
