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
           "has", "is_concurrent", "locked_table", "maintenance_target", "names", "option_on",
           "q", "tx_note", "waits_for_lock", "where"]

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


_FALSE = ("false", "off", "no", "0")


def option_on(options: Any, name: str) -> bool:
    """True when a statement's option list (``VACUUM (FULL)``, ``REINDEX (CONCURRENTLY
    false)``) turns ``name`` on, read as PostgreSQL's defGetBoolean reads it: no value, TRUE,
    ON, 1 mean on; FALSE, OFF, 0 mean off. The last mention wins."""
    value = False
    for d in options or ():
        if d.defname != name:
            continue
        arg = d.arg
        if arg is None:
            value = True
        elif hasattr(arg, "boolval"):
            value = bool(arg.boolval)
        elif hasattr(arg, "ival"):
            value = arg.ival != 0
        else:
            value = str(getattr(arg, "sval", "")).lower() not in _FALSE
    return value


def is_concurrent(s: Statement) -> bool:
    """The statement runs CONCURRENTLY (index builds and drops, REINDEX, partition detach)."""
    n = s.node
    if s.kind in ("IndexStmt", "DropStmt"):
        return bool(n.concurrent)
    if s.kind == "ReindexStmt":
        return option_on(n.params, "concurrently")
    if s.kind == "AlterTableStmt":
        return any(c.subtype == AT.AT_DetachPartition and c.def_ is not None
                   and c.def_.concurrent for c in n.cmds or ())
    return False


def maintenance_target(mig: Migration, s: Statement) -> tuple[str, bool] | None:
    """(what, on an existing table) for REINDEX, VACUUM FULL and CLUSTER: the table label
    (a REINDEX INDEX names its index's table when the prior design knows it), or a phrase
    for the ones that cover many tables (``CLUSTER;``, ``REINDEX SCHEMA s``); None for other
    statements and plain VACUUM. ``on an existing table`` is False for a table the script
    created earlier, whose rewrite costs nothing."""
    n, k = s.node, s.kind
    if k == "VacuumStmt":
        if not option_on(n.options, "full"):
            return None
        rels = [v.relation for v in n.rels or () if v.relation is not None]
        if not rels:
            return ("every table of the database", True)
        rel = rels[0]
    elif k == "ClusterStmt":
        if n.relation is None:
            return ("every table clustered before", True)
        rel = n.relation
    elif k == "ReindexStmt":
        from pglast.enums import ReindexObjectType as R
        if n.kind == R.REINDEX_OBJECT_INDEX:
            made = mig.created_indexes.get(n.relation.relname)
            if made is not None and made.index < s.index:
                return None
            table = mig.index_table(n.relation.relname, n.relation.schemaname)
            return (label(table) if table is not None
                    else f"the table of index {n.relation.relname}", True)
        if n.relation is None:
            return ({R.REINDEX_OBJECT_SCHEMA: f"every table of schema {n.name}",
                     R.REINDEX_OBJECT_SYSTEM: "the system catalogs"}.get(
                         n.kind, "every table of the database"), True)
        rel = n.relation
    else:
        return None
    table = mig.existing(rel, s)
    return (where(mig, rel, table), table is not None)


def locked_table(mig: Migration, s: Statement) -> str | None:
    """The existing table a statement locks in a way that queues other sessions (a lock
    stronger than what plain reads and writes take), or None."""
    n, k = s.node, s.kind
    rel = None
    if k in ("ReindexStmt", "ClusterStmt", "VacuumStmt"):
        target = maintenance_target(mig, s)
        if target is None or not target[1] or is_concurrent(s):
            return None
        return target[0]
    if k == "AlterTableStmt" and n.objtype == ObjectType.OBJECT_INDEX:
        t = mig.index_table(n.relation.relname, n.relation.schemaname)
        return label(t) if t is not None else None  # ALTER INDEX: its table, when known
    if k == "AlterTableStmt" and n.objtype not in (ObjectType.OBJECT_TABLE,
                                                   ObjectType.OBJECT_MATVIEW):
        return None  # ALTER VIEW / SEQUENCE / FOREIGN TABLE: no table rows to queue on
    if k in ("AlterTableStmt", "IndexStmt", "CreateTrigStmt"):
        rel = getattr(n, "relation", None)
    elif k == "RenameStmt" and n.renameType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_COLUMN):
        rel = n.relation
    elif k == "TruncateStmt":
        rel = (n.relations or (None,))[0]
    elif k == "DropStmt" and n.removeType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_INDEX):
        for obj in n.objects or ():
            parts = names(obj)
            if n.removeType == ObjectType.OBJECT_TABLE:
                from pglast.ast import RangeVar
                rv = RangeVar(relname=parts[-1], schemaname=parts[0] if len(parts) > 1 else None)
                if mig.existing(rv, s) is not None:
                    return mig.where(rv)
            elif not is_concurrent(s):
                made = mig.created_indexes.get(parts[-1])
                if made is not None and made.index < s.index:
                    continue
                t = mig.index_table(parts[-1], parts[0] if len(parts) > 1 else None)
                return label(t) if t is not None else f"the table of index {parts[-1]}"
        return None
    if rel is None or (k == "IndexStmt" and is_concurrent(s)):
        return None
    if k == "AlterTableStmt" and is_concurrent(s):
        return None
    table = mig.existing(rel, s)
    return label(table) if table is not None else None


def waits_for_lock(mig: Migration, s: Statement) -> tuple[str, str] | None:
    """(what, how) for a statement that may wait for a lock on something that already exists:
    the locking statements of :func:`locked_table`, and those whose own lock lets reads and
    writes go on but that still wait — behind long transactions, or for an exclusive lock
    at the end — with DDL and vacuum queueing behind them: CREATE/DROP INDEX CONCURRENTLY,
    REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, ALTER TYPE … ADD VALUE."""
    table = locked_table(mig, s)
    if table is not None:
        return table, "locking DDL"
    n, k = s.node, s.kind
    if k == "AlterEnumStmt":
        return "type " + ".".join(names(n.typeName)), "ALTER TYPE"
    if not is_concurrent(s):
        return None
    if k == "ReindexStmt":
        target = maintenance_target(mig, s)
        return (target[0], "REINDEX CONCURRENTLY") if target and target[1] else None
    if k == "DropStmt":
        for obj in n.objects or ():
            parts = names(obj)
            made = mig.created_indexes.get(parts[-1])
            if made is None or made.index > s.index:
                t = mig.index_table(parts[-1], parts[0] if len(parts) > 1 else None)
                return (label(t) if t is not None else f"the table of index {parts[-1]}",
                        "DROP INDEX CONCURRENTLY")
        return None
    rel = getattr(n, "relation", None)
    table = mig.existing(rel, s) if rel is not None else None
    if table is None:
        return None
    how = "CREATE INDEX CONCURRENTLY" if k == "IndexStmt" else "DETACH PARTITION CONCURRENTLY"
    return label(table), how
