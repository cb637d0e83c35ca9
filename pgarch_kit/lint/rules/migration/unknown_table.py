"""unknown-table: a migration statement on a table the prior design does not know."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast.ast import RangeVar

from ...context import LintContext
from ...finding import Finding
from ...migration import Migration, Statement
from ...rule import Rule
from ._common import AT, CT, ObjectType, names


def touched(s: Statement) -> Iterator[tuple[Any, bool]]:
    """(RangeVar, guarded by IF EXISTS) of each table a statement needs to exist."""
    n, k = s.node, s.kind
    if k == "AlterTableStmt" and n.objtype == ObjectType.OBJECT_TABLE:
        yield n.relation, bool(n.missing_ok)
        for c in n.cmds or ():
            con = c.def_ if c.subtype == AT.AT_AddConstraint else None
            if con is not None and con.contype == CT.CONSTR_FOREIGN:
                yield con.pktable, False
    elif k in ("IndexStmt", "CreateTrigStmt", "UpdateStmt", "DeleteStmt", "InsertStmt"):
        yield n.relation, False
    elif k == "RenameStmt" and n.renameType in (ObjectType.OBJECT_TABLE,
                                                ObjectType.OBJECT_COLUMN) \
            and n.relationType in (None, ObjectType.OBJECT_TABLE):
        yield n.relation, bool(n.missing_ok)
    elif k in ("TruncateStmt", "LockStmt"):
        for r in n.relations or ():
            yield r, False
    elif k == "DropStmt" and n.removeType == ObjectType.OBJECT_TABLE:
        for obj in n.objects or ():
            parts = names(obj)
            yield (RangeVar(relname=parts[-1], schemaname=parts[0] if len(parts) > 1 else None),
                   bool(n.missing_ok))
    elif k == "CreateStmt":
        for r in n.inhRelations or ():  # PARTITION OF / INHERITS: the parent must exist
            yield r, False
    elif k in ("ClusterStmt", "ReindexStmt") and getattr(n, "relation", None) is not None:
        from pglast.enums import ReindexObjectType as R
        if k == "ClusterStmt" or n.kind == R.REINDEX_OBJECT_TABLE:
            yield n.relation, False
    elif k == "VacuumStmt":
        for v in n.rels or ():
            if v.relation is not None:
                yield v.relation, False


def unknown(mig: Migration) -> list[tuple[str, Statement]]:
    """Each table the script needs but neither the prior design nor the script itself has,
    with the first statement that names it (IF EXISTS forms expect it may be missing)."""
    seen: dict[str, Statement] = {}
    for s in mig:
        for rel, guarded in touched(s):
            if rel is None or guarded or mig.is_known(rel, s):
                continue
            seen.setdefault(mig.where(rel), s)
    return list(seen.items())


class UnknownTable(Rule):
    """What: a statement on a table (ALTER, CREATE INDEX ON, DROP, TRUNCATE, UPDATE/INSERT/
    DELETE, a foreign key's target, a partition's parent …) that neither the prior design
    (``--against DESIGN`` or ``--dsn URL``) nor an earlier statement of the script has; one
    finding per table, at its first use. ``IF EXISTS`` forms are not reported. Without a prior
    design, one "needs information" note instead.

    Why: the other migration rules judge such a table as an existing one with rows (the
    cautious reading: the script expects it to be there), but cannot check what they would
    need its definition for — its columns' types, its constraints and indexes. Either the
    design is out of date (another migration created the table), or the script names a table
    that does not exist and fails at deploy time.

    Fix: lint against the design or database the migration really applies to, bring the
    design up to date, or correct the table name.
    """

    code = "PGA116"
    slug = "unknown-table"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        missing = unknown(mig)
        if not missing:
            return
        if not mig.prior.tables and not mig.prior.views:
            listed = ", ".join(name for name, _ in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            yield self.needs_information(
                f"no prior design, so every table the script touches ({listed}{more}) is "
                f"assumed to exist and hold rows",
                "lint against what the migration applies to: --against DESIGN.yaml or "
                "schema.sql, or --dsn URL of the database")
            return
        for name, s in missing:
            yield self.finding(
                name, None,
                f"line {s.line}: {name} is not in the prior design: it is judged as an "
                f"existing table with rows, but nothing about its columns, constraints or "
                f"indexes can be checked — an outdated design, or a table that does not exist",
                "bring the design up to date (or lint against the live database with --dsn), "
                "or correct the table name", line=s.line)
