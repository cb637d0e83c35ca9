"""non-idempotent-ddl: DDL without IF [NOT] EXISTS (or OR REPLACE) that runs outside a
transaction, where a re-run after a partial failure stops on it."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...context import LintContext
from ...finding import Finding
from ...migration import Migration, Statement
from ...rule import Rule
from ._common import AT, ObjectType, names

_TYPES = (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN)


def _obj_name(o: Any) -> str:
    """The last name of a DROP target (a name list, a TypeName or ObjectWithArgs)."""
    if isinstance(o, tuple):
        return names(o)[-1]
    if type(o).__name__ == "TypeName":
        return names(o.names)[-1]
    if type(o).__name__ == "ObjectWithArgs":
        return names(o.objname)[-1]
    return getattr(o, "sval", "…")


def _created(mig: Migration, before: Statement) -> set[str]:
    """Names of what the script created before ``before``: its scratch objects."""
    out: set[str] = set()
    for s in mig.statements[:before.index]:
        n, k = s.node, s.kind
        if k == "CreateStmt":
            out.add(n.relation.relname)
        elif k == "ViewStmt":
            out.add(n.view.relname)
        elif k == "CreateTableAsStmt":
            out.add(n.into.rel.relname)
        elif k == "IndexStmt" and n.idxname:
            out.add(n.idxname)
        elif k == "CreateSeqStmt":
            out.add(n.sequence.relname)
        elif k == "CreateEnumStmt":
            out.add(names(n.typeName)[-1])
        elif k == "CreateDomainStmt":
            out.add(names(n.domainname)[-1])
        elif k == "CompositeTypeStmt":
            out.add(n.typevar.relname)
        elif k == "CreateFunctionStmt":
            out.add(names(n.funcname)[-1])
        elif k == "CreateTrigStmt":
            out.add(n.trigname)
    return out


def _unguarded(mig: Migration, s: Statement) -> list[tuple[str, str]]:
    """(what the statement does, the guard it lacks) for each unguarded step."""
    n, k = s.node, s.kind
    if k == "CreateStmt":
        if n.if_not_exists or n.relation.relpersistence == "t":
            return []  # a TEMP table lives and dies with the session: a re-run starts afresh
        return [(f"CREATE TABLE {mig.where(n.relation)}", "IF NOT EXISTS")]
    if k in ("CreateSeqStmt", "CreateSchemaStmt", "CreateExtensionStmt") \
            and not n.if_not_exists:
        return [(s.text.split("(")[0].strip()[:60], "IF NOT EXISTS")]
    if k == "IndexStmt" and not n.if_not_exists:
        if n.idxname:
            return [(f"CREATE INDEX {n.idxname}", "IF NOT EXISTS")]
        if n.concurrent:  # each failed run leaves another INVALID index with a fresh name
            return [("CREATE INDEX CONCURRENTLY without a name", "a name and IF NOT EXISTS")]
        return []
    if k in ("ViewStmt", "CreateFunctionStmt", "CreateTrigStmt") and not n.replace:
        what = {"ViewStmt": "CREATE VIEW", "CreateFunctionStmt": "CREATE FUNCTION",
                "CreateTrigStmt": "CREATE TRIGGER"}[k]
        return [(what, "OR REPLACE")]
    if k == "DropStmt" and not n.missing_ok:
        mine = _created(mig, s)
        objs = [o for o in n.objects or () if _obj_name(o) not in mine]
        if not objs:
            return []  # dropping the script's own scratch objects
        what = n.removeType.name.removeprefix("OBJECT_").replace("_", " ")
        listed = ", ".join(_obj_name(o) for o in objs)
        return [(f"DROP {what} {listed}".strip(), "IF EXISTS")]
    if k == "AlterTableStmt" and n.objtype == ObjectType.OBJECT_TABLE:
        out = []
        dropped = _dropped_constraints(mig, s)
        for c in n.cmds or ():
            if c.subtype == AT.AT_AddColumn and not c.missing_ok:
                out.append((f"ADD COLUMN {c.def_.colname}", "IF NOT EXISTS"))
            elif c.subtype in (AT.AT_DropColumn, AT.AT_DropConstraint) and not c.missing_ok:
                kind = "COLUMN" if c.subtype == AT.AT_DropColumn else "CONSTRAINT"
                out.append((f"DROP {kind} {c.name}", "IF EXISTS"))
            elif (c.subtype == AT.AT_AddConstraint and c.def_.conname
                  and c.def_.conname not in dropped):
                # ADD CONSTRAINT has no IF NOT EXISTS: DROP CONSTRAINT IF EXISTS first
                out.append((f"ADD CONSTRAINT {c.def_.conname}",
                            "DROP CONSTRAINT IF EXISTS before it"))
        return out
    if k == "AlterEnumStmt" and n.newVal and not n.oldVal and not n.skipIfNewValExists:
        return [(f"ADD VALUE {n.newVal!r}", "IF NOT EXISTS")]
    return []


def _dropped_constraints(mig: Migration, s: Statement) -> set[str]:
    """Constraints dropped on the same table earlier in the script (or the statement)."""
    out: set[str] = set()
    for e in mig.statements[:s.index + 1]:
        if e.kind == "AlterTableStmt" and e.node.relation.relname == s.node.relation.relname:
            for c in e.node.cmds or ():
                if c.subtype == AT.AT_DropConstraint:
                    out.add(c.name)
                if e is s and c.subtype == AT.AT_AddConstraint:
                    break
    return out


class NonIdempotentDdl(Rule):
    """What: a statement that runs outside a transaction (``psql -f`` runs each statement in
    its own unless the script says ``BEGIN``) without the guard that makes it re-runnable:
    ``CREATE TABLE/INDEX/SEQUENCE/SCHEMA/EXTENSION`` without ``IF NOT EXISTS``, ``CREATE
    VIEW/FUNCTION/TRIGGER`` without ``OR REPLACE``, ``DROP …`` without ``IF EXISTS``, ``ADD
    COLUMN`` without ``IF NOT EXISTS``, ``DROP COLUMN/CONSTRAINT`` without ``IF EXISTS``,
    ``ADD CONSTRAINT`` not preceded by ``DROP CONSTRAINT IF EXISTS``, ``ADD VALUE`` without
    ``IF NOT EXISTS``, and an unnamed ``CREATE INDEX CONCURRENTLY``. Not reported: statements
    inside a transaction (a failure rolls the whole transaction back), TEMP tables, and drops
    of objects the script itself created earlier.

    Why: when the migration stops halfway — or the connection drops after a statement
    committed but before the tool recorded the migration as applied — re-running it fails on
    the steps that already happened; a failed CONCURRENTLY build also leaves an INVALID index
    behind under its name (or, unnamed, another one on every attempt).

    Fix: guard each step: ``CREATE … IF NOT EXISTS``, ``CREATE OR REPLACE …``, ``DROP … IF
    EXISTS``, ``ADD COLUMN IF NOT EXISTS``, ``DROP CONSTRAINT IF EXISTS c`` before ``ADD
    CONSTRAINT c``; name concurrent indexes — or run the steps in one transaction.

    References: squawk prefer-robust-stmts.
    """

    code = "PGA091"
    slug = "non-idempotent-ddl"
    category = "migration-safety"
    severity = "info"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig:
            if s.in_transaction:
                continue
            for what, guard in _unguarded(mig, s):
                rel = getattr(s.node, "relation", None)
                yield self.finding(
                    mig.where(rel) if rel is not None else None, None,
                    f"line {s.line}: {what} runs outside a transaction without {guard}, so "
                    f"re-running the migration after a partial failure fails here",
                    _FIXES.get(guard, f"add {guard} to {what}").format(what=what),
                    line=s.line)


_FIXES = {
    "DROP CONSTRAINT IF EXISTS before it":
        "ALTER TABLE … DROP CONSTRAINT IF EXISTS <name>; before the {what}",
    "a name and IF NOT EXISTS":
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS <name> ON …;  -- a named, guarded build",
}
