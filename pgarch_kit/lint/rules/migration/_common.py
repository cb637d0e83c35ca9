"""What the migration rules share: walking ALTER TABLE commands, reading column definitions,
and deciding which statements take locks on tables that already hold rows."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast.enums import AlterTableType as AT
from pglast.enums import ConstrType as CT
from pglast.enums import DropBehavior, ObjectType

from pgarch_kit.model import Table
from pgarch_kit.model.names import quote_ident

from ...context import label
from ...migration import Migration, Statement, render

__all__ = ["AT", "CT", "DropBehavior", "ObjectType", "alter_cmds", "col_type", "constraints",
           "has", "locked_table", "names", "q", "tx_note", "where"]

q = quote_ident


def where(mig: Migration, rangevar: Any, table: Table | None) -> str:
    """The finding's table: the prior table's label, else the name as written."""
    return label(table) if table is not None else mig.where(rangevar)


def alter_cmds(mig: Migration, *, existing_only: bool = True
               ) -> Iterator[tuple[Statement, Any, Table | None]]:
    """(statement, AlterTableCmd, prior table) for every ALTER TABLE command; by default only
    on tables that already exist (in the prior design, not created by the script)."""
    for s in mig.of_kind("AlterTableStmt"):
        if s.node.objtype != ObjectType.OBJECT_TABLE:
            continue
        table = mig.existing(s.node.relation, s)
        if existing_only and table is None:
            continue
        for cmd in s.node.cmds or ():
            yield s, cmd, table


def constraints(coldef: Any) -> tuple[Any, ...]:
    return tuple(coldef.constraints or ()) if coldef is not None else ()


def has(coldef: Any, *types: Any) -> Any:
    """The first inline constraint of one of ``types`` on a ColumnDef, or None."""
    return next((c for c in constraints(coldef) if c.contype in types), None)


def names(strings: Any) -> tuple[str, ...]:
    return tuple(x.sval for x in strings or ())


def col_type(coldef: Any) -> str:
    """A ColumnDef's type as SQL text (``varchar(20)``, ``bigserial``)."""
    return render(coldef.typeName) if coldef is not None and coldef.typeName else ""


def tx_note(stmt: Statement) -> str:
    if stmt.explicit:
        return "inside the script's BEGIN … COMMIT block"
    return "inside the transaction the migration runner wraps the file in (transactional=True)"


def _is_concurrent(s: Statement) -> bool:
    n = s.node
    if s.kind in ("IndexStmt", "DropStmt"):
        return bool(n.concurrent)
    if s.kind == "ReindexStmt":
        return any(d.defname == "concurrently" for d in n.params or ())
    return False


def locked_table(mig: Migration, s: Statement) -> str | None:
    """The existing table a statement locks in a way that queues other sessions (a lock
    stronger than what plain reads and writes take), or None."""
    n, k = s.node, s.kind
    rel = None
    if k in ("AlterTableStmt", "IndexStmt", "ClusterStmt", "ReindexStmt", "CreateTrigStmt"):
        rel = getattr(n, "relation", None)
    elif k == "RenameStmt" and n.renameType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_COLUMN):
        rel = n.relation
    elif k == "TruncateStmt":
        rel = (n.relations or (None,))[0]
    elif k == "VacuumStmt" and any(d.defname == "full" for d in n.options or ()):
        rel = next((v.relation for v in n.rels or ()), None)
    elif k == "DropStmt" and n.removeType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_INDEX):
        for obj in n.objects or ():
            parts = names(obj)
            if n.removeType == ObjectType.OBJECT_TABLE:
                from pglast.ast import RangeVar
                rv = RangeVar(relname=parts[-1], schemaname=parts[0] if len(parts) > 1 else None)
                if mig.existing(rv, s) is not None:
                    return mig.where(rv)
            else:
                t = mig.index_table(parts[-1])
                if t is not None and not _is_concurrent(s):
                    return label(t)
        return None
    if rel is None or (k == "IndexStmt" and _is_concurrent(s)):
        return None
    table = mig.existing(rel, s)
    return label(table) if table is not None else None
