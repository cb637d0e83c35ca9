"""Soft deletes, audit trails, ``updated_at``, temporal history and archival, generated into
the design from its intents — the patterns the brief asks for, as DDL that runs.

* **Soft delete** (``intent.soft_delete``): unique constraints become partial unique indexes
  over live rows only (else a deleted row blocks re-creating its key), and a
  ``<table>_live`` view (``security_invoker``) shows what the application should read.
* **Audit** (``intent.audit``): one ``audit_log`` table (JSONB old and new row, operation, who,
  when) filled by a generic trigger function on each audited table — unless the table
  already has an audit trigger of its own.
* **updated_at**: a ``BEFORE UPDATE`` trigger sets it on every table that has the column, so
  no application path can forget it.
* **Temporal history** (tables you name): a ``sys_period tstzrange`` column, a
  ``<table>_history`` table that receives each old version with the period it was current,
  and a ``<table>_as_of(timestamptz)`` function for point-in-time reads.
* **Archival** (``intent.retention_months`` on a table that is not partitioned): a
  ``<table>_archive`` table and a procedure that moves expired rows in batches, committing
  after each so locks and WAL stay small.

Pure: returns a new design and says what it changed; the tests apply it to a server.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..model.default_names import constraint_names
from ..model.design import (
    Column,
    Design,
    Index,
    IndexKey,
    PrimaryKey,
    Routine,
    Table,
    TableIntent,
    Trigger,
    View,
)
from ..model.names import derive_name, quote_ident

__all__ = ["HistoryPlan", "history_plan"]

_TIME = ("timestamp with time zone", "timestamp without time zone", "date")


@dataclass
class HistoryPlan:
    design: Design
    changes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.changes:
            return "history, audit and soft delete: nothing to add"
        return "\n".join(["history, audit and soft delete:", *(f"  - {c}" for c in
                                                                self.changes)])

    def _repr_html_(self) -> str:
        import html
        items = "".join(f"<li>{html.escape(c)}</li>" for c in self.changes)
        return f"<div><b>Soft delete, audit, history, archival</b><ul>{items}</ul></div>"


def _q(name: str) -> str:
    return quote_ident(name)


def _rel(t: Table) -> str:
    return f"{_q(t.schema)}.{_q(t.name)}"


def _has_audit_trigger(design: Design, t: Table) -> bool:
    return any(tr.table == t.name and tr.schema == t.schema and "audit" in tr.name.lower()
               for tr in design.triggers)


def _soft_delete(design: Design, t: Table, changes: list[str]) -> tuple[Table, list[View]]:
    col = t.intent.soft_delete
    assert col is not None
    if t.column(col) is None:
        t = replace(t, columns=(*t.columns, Column(col, "timestamp with time zone")))
        changes.append(f"{t.name}: column {col} timestamptz (NULL while the row is live)")
    live = f"{_q(col)} IS NULL"
    indexes = list(t.indexes)
    uniques = []
    referenced = {fk.ref_columns for other in design.tables for fk in other.foreign_keys
                  if fk.ref_table == t.name}
    for u in t.uniques:
        if u.columns in referenced:  # a foreign key needs the full constraint: keep it
            uniques.append(u)
            changes.append(f"{t.name}: UNIQUE ({', '.join(u.columns)}) kept whole — a "
                           f"foreign key references it")
            continue
        name = constraint_names(t).of(t, u)
        indexes.append(Index(name, tuple(IndexKey(c) for c in u.columns), unique=True,
                             where=live))
        changes.append(f"{t.name}: UNIQUE ({', '.join(u.columns)}) → unique index over live "
                       f"rows (WHERE {col} IS NULL): a deleted row no longer blocks its key")
    for i, ix in enumerate(indexes):
        if ix.unique and not ix.where:
            indexes[i] = replace(ix, where=live)
            changes.append(f"{t.name}: unique index {ix.name} covers live rows only")
    t = replace(t, uniques=tuple(uniques), indexes=tuple(indexes))
    view = View(derive_name(t.name, suffix="live"), f"SELECT * FROM {_rel(t)} WHERE {live}",
                schema=t.schema,
                options=("security_invoker=true",),
                comment=f"The live rows of {t.name}: what the application reads.")
    changes.append(f"view {view.name}: the live rows of {t.name}")
    return t, [view]


_AUDIT_TABLE = Table(
    "audit_log",
    columns=(Column("id", "bigint", nullable=False, identity="always"),
             Column("table_name", "text", nullable=False),
             Column("operation", "text", nullable=False),
             Column("changed_at", "timestamp with time zone", nullable=False,
                    default="now()"),
             Column("changed_by", "text", nullable=False, default="CURRENT_USER"),
             Column("old_row", "jsonb"), Column("new_row", "jsonb")),
    primary_key=PrimaryKey(("id",)),
    comment="Every change to the audited tables, as JSONB before and after images.",
    intent=TableIntent(notes="append-only: written by audit_row(), never updated"),
)

_AUDIT_FUNCTION = """CREATE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public
AS $$
BEGIN
    INSERT INTO audit_log (table_name, operation, old_row, new_row)
    VALUES (TG_TABLE_NAME, TG_OP,
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END
$$"""

_UPDATED_AT_FUNCTION = """CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$"""


def _history(t: Table, changes: list[str]) -> tuple[Table, Table, list[Routine], Trigger]:
    """The system-period column, the history table, its trigger and the as-of function."""
    t = replace(t, columns=(*t.columns, Column("sys_period", "tstzrange", nullable=False,
                                               default="tstzrange(now(), NULL)")))
    hist = Table(derive_name(t.name, suffix="history"), schema=t.schema,
                 columns=tuple(replace(c, identity=None, default=None, generated=None,
                                       nullable=True if c.name != "sys_period" else False)
                               for c in t.columns),
                 indexes=(Index(derive_name(t.name, suffix="history_period"),
                                (IndexKey("sys_period"),), method="gist"),),
                 comment=f"Earlier versions of {t.name} rows, each with the period it was "
                         f"current.")
    cols = ", ".join(_q(c.name) for c in t.columns if c.name != "sys_period")
    versioning = _q(derive_name(t.name, suffix="versioning"))
    fn = Routine(derive_name(t.name, suffix="versioning"), "",
                 f"""CREATE FUNCTION {versioning}() RETURNS trigger
LANGUAGE plpgsql
SET search_path = {_q(t.schema)}
AS $$
BEGIN
    INSERT INTO {_q(hist.name)} ({cols}, sys_period)
    VALUES ({', '.join('OLD.' + _q(c.name) for c in t.columns if c.name != 'sys_period')},
            tstzrange(lower(OLD.sys_period), now()));
    IF TG_OP = 'UPDATE' THEN
        NEW.sys_period := tstzrange(now(), NULL);
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$""", schema=t.schema)
    as_of_name = derive_name(t.name, suffix="as_of")
    head = f"CREATE FUNCTION {_q(as_of_name)}(as_of_time timestamptz)"
    as_of = Routine(as_of_name, "as_of_time timestamp with time zone", f"""{head}
RETURNS SETOF {_rel(t)}
LANGUAGE sql STABLE
SET search_path = {_q(t.schema)}
AS $$
    SELECT * FROM {_q(t.name)} WHERE sys_period @> as_of_time
    UNION ALL
    SELECT {', '.join(_q(c.name) for c in t.columns)} FROM {_q(hist.name)}
    WHERE sys_period @> as_of_time
$$""", schema=t.schema)
    trig = Trigger(derive_name(t.name, suffix="versioning"), t.name,
                   f"CREATE TRIGGER {_q(fn.name)} BEFORE UPDATE OR DELETE ON "
                   f"{_rel(t)} FOR EACH ROW EXECUTE FUNCTION {_q(fn.name)}()", schema=t.schema)
    changes.append(f"{t.name}: temporal history — sys_period, {hist.name}, trigger "
                   f"{trig.name}, function {as_of.name}(timestamptz)")
    return t, hist, [fn, as_of], trig


def _archive(t: Table, column: str, months: int, changes: list[str]
             ) -> tuple[Table, Routine]:
    arch = replace(t, name=derive_name(t.name, suffix="archive"), indexes=(), uniques=(),
                   foreign_keys=(), checks=(), exclusions=(), policies=(), rls_enabled=False,
                   rls_forced=False,
                   intent=TableIntent(notes=f"rows of {t.name} older than {months} months"),
                   columns=tuple(replace(c, identity=None, default=None, generated=None)
                                 for c in t.columns),
                   comment=f"Archived rows of {t.name}.")
    cols = ", ".join(_q(c.name) for c in t.columns)
    head = f"CREATE PROCEDURE {_q(derive_name('archive', t.name))}(batch integer DEFAULT 10000)"
    # no SET search_path here: a procedure with a SET clause may not COMMIT
    src, dst = _rel(t), f"{_q(t.schema)}.{_q(arch.name)}"
    proc = Routine(derive_name("archive", t.name), "batch integer", f"""{head}
LANGUAGE plpgsql
AS $$
DECLARE moved bigint;
BEGIN
    LOOP
        WITH expired AS (
            DELETE FROM {src} WHERE ctid IN (
                SELECT ctid FROM {src}
                WHERE {_q(column)} < now() - interval '{months} months'
                LIMIT batch)
            RETURNING {cols})
        INSERT INTO {dst} ({cols}) SELECT {cols} FROM expired;
        GET DIAGNOSTICS moved = ROW_COUNT;
        COMMIT;
        EXIT WHEN moved < batch;
    END LOOP;
END
$$""", schema=t.schema, kind="procedure")
    changes.append(f"{t.name}: archival — {arch.name} and CALL {proc.name}() moves rows "
                   f"older than {months} months in committed batches")
    return arch, proc


def history_plan(design: Design, *, history: list[str] | tuple[str, ...] = (),
                 updated_at: list[str] | tuple[str, ...] = ()) -> HistoryPlan:
    """``design`` with soft delete, audit, ``updated_at`` triggers (on tables that have the
    column, plus the ``updated_at`` tables, which gain it), temporal history (the
    ``history`` tables) and archival, from the intents (see the module docstring)."""
    changes: list[str] = []
    tables: list[Table] = []
    views = list(design.views)
    routines = list(design.routines)
    triggers = list(design.triggers)
    audited = []
    stamped = []
    for t in design.tables:
        if t.partition_of is not None:
            tables.append(t)
            continue
        if t.intent.soft_delete:
            t, new_views = _soft_delete(design, t, changes)
            views += new_views
        if t.intent.audit and not _has_audit_trigger(design, t):
            audited.append(t)
        if t.name in updated_at and t.column("updated_at") is None:
            t = replace(t, columns=(*t.columns, Column("updated_at", "timestamp with time zone",
                                                       nullable=False, default="now()")))
            changes.append(f"{t.name}: column updated_at")
        if t.column("updated_at") is not None and not any(
                tr.table == t.name and re.search(r"updated", tr.name) for tr in triggers):
            stamped.append(t)
        if t.name in history:
            t, hist, fns, trig = _history(t, changes)
            tables.append(t)
            tables.append(hist)
            routines += fns
            triggers.append(trig)
            continue
        if t.intent.retention_months and t.partition_by is None:
            time_col = next((c.name for c in t.columns if c.type in _TIME and not c.nullable),
                            None)
            if time_col is not None:
                arch, proc = _archive(t, time_col, t.intent.retention_months, changes)
                tables.append(arch)
                routines.append(proc)
        tables.append(t)
    if audited:
        if not any(t.name == "audit_log" for t in tables):
            tables.append(replace(_AUDIT_TABLE, indexes=(
                Index("audit_log_table_changed", (IndexKey("table_name"),
                                                  IndexKey("changed_at")), method="btree"),)))
            routines.append(Routine("audit_row", "", _AUDIT_FUNCTION))
        for t in audited:
            audit = derive_name(t.name, suffix="audit")
            triggers.append(Trigger(audit, t.name,
                                    f"CREATE TRIGGER {_q(audit)} AFTER INSERT OR "
                                    f"UPDATE OR DELETE ON {_rel(t)} FOR EACH ROW EXECUTE "
                                    f"FUNCTION audit_row()", schema=t.schema))
            changes.append(f"{t.name}: audited into audit_log (JSONB before and after)")
    if stamped:
        if not any(r.name == "set_updated_at" for r in routines):
            routines.append(Routine("set_updated_at", "", _UPDATED_AT_FUNCTION))
        for t in stamped:
            stamp = derive_name(t.name, suffix="updated_at")
            triggers.append(Trigger(stamp, t.name,
                                    f"CREATE TRIGGER {_q(stamp)} BEFORE "
                                    f"UPDATE ON {_rel(t)} FOR EACH ROW EXECUTE FUNCTION "
                                    f"set_updated_at()", schema=t.schema))
            changes.append(f"{t.name}: updated_at set by trigger on every UPDATE")
    new = replace(design, tables=tuple(tables), views=tuple(views), routines=tuple(routines),
                  triggers=tuple(triggers))
    return HistoryPlan(new, changes)
