"""The difference between two versions of a design, as the steps of a :class:`MigrationPlan`.

Objects are matched by name (schema-qualified). Designs do not record renames, so a renamed
column is declared: ``renames={"orders.note": "remark"}`` (``"schema.table.column"`` works
too); without it the old column is dropped and the new one added, which the plan marks as
data loss. Changes the kit does not migrate automatically (a new primary key, partitioning,
table storage options) are refused with a :class:`MigrationError` that says how to split them.

Order of the up script: collations, extensions and types (text search objects and range types
with them, :mod:`pgarch_kit.migrate.objects`); views, triggers and rules that the change
touches are dropped first (they would block a column change); new tables; per existing table
the column, constraint and index changes; new foreign keys; routines, views, policies,
triggers, rules and comments recreated; casts, grants, owners and default privileges; contract
steps (drops) last.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from pgarch_kit.ddl._common import literal, ref, rel
from pgarch_kit.ddl.render_index import index_sql
from pgarch_kit.ddl.render_objects import (
    comment_sql,
    policy_sql,
    routine_sql,
    trigger_sql,
    view_sql,
)
from pgarch_kit.ddl.render_table import create_table_sql, foreign_key_sql
from pgarch_kit.ddl.render_types import enum_sql, extension_sql
from pgarch_kit.model.default_names import ConstraintNames, constraint_names
from pgarch_kit.model.design import Check, Column, Design, ForeignKey, Index, Table, Unique
from pgarch_kit.model.graph import table_order
from pgarch_kit.model.names import quote_ident

from . import columns as col
from .live_names import live_name
from .objects import object_steps, privileges_on
from .plan import MigrationError, MigrationPlan, Step

__all__ = ["migration_plan"]


def _q(name: str) -> str:
    return quote_ident(name)


def _names(t: Table) -> ConstraintNames:
    """Every constraint name of ``t``: explicit, or what PostgreSQL names an unnamed one
    (counted in bytes, ``…_check1`` for a repeat; see :mod:`pgarch_kit.model.default_names`)."""
    return constraint_names(t)


def _alter(t: Table, clause: str) -> str:
    return f"ALTER TABLE {rel(t.schema, t.name)} {clause};"


def _concurrent_index(t: Table, i: Index, v: int) -> str:
    # PostgreSQL cannot build an index on a partitioned table CONCURRENTLY
    how = "INDEX IF NOT EXISTS " if t.partition_by else "INDEX CONCURRENTLY IF NOT EXISTS "
    return index_sql(t.schema, t.name, i, v).replace("INDEX ", how, 1)


def _drop_index(t: Table, name: str, *, existing: bool = False) -> str:
    """Dropping an index that existed before the migration (``existing``) must find it: a
    silent ``IF EXISTS`` would report success while the index stays. Undoing the script's
    own build keeps ``IF EXISTS``: a failed CONCURRENTLY build may have left nothing."""
    how = "" if t.partition_by else "CONCURRENTLY "
    guard = "" if existing else "IF EXISTS "
    return f"DROP INDEX {how}{guard}{rel(t.schema, name)};"


def _drop_constraint(t: Table, name: str) -> str:
    """A constraint that exists before the migration, dropped by its real name: no
    ``IF EXISTS``, so a wrong name stops the migration instead of silently doing nothing."""
    return _alter(t, f"DROP CONSTRAINT {_q(name)}")


def _index_why(t: Table) -> str:
    if t.partition_by:
        return ("a partitioned table: PostgreSQL cannot do this CONCURRENTLY, so writes wait "
                "for the build — on a big table build it per partition (CREATE INDEX ON ONLY, "
                "CONCURRENTLY per partition, ALTER INDEX … ATTACH PARTITION) by hand")
    return ("CONCURRENTLY: writes continue during the build (two scans); if it fails, drop "
            "the INVALID index it leaves before resuming")


def _create_table(t: Table, v: int) -> str:
    return create_table_sql(t, v, t.foreign_keys).replace("TABLE ", "TABLE IF NOT EXISTS ", 1)


class _Builder:
    def __init__(self, old: Design, new: Design, renames: Mapping[str, str],
                 server_version: int, live: Design | None = None) -> None:
        self.old, self.new, self.v = old, new, server_version
        self.live = live
        self.renames = self._renames(renames)
        self.pre: list[Step] = []      # drops of dependent objects, types
        self.body: list[Step] = []     # additive changes
        self.late: list[Step] = []     # foreign keys, objects recreated
        self.contract: list[Step] = []
        self.notes: list[str] = []

    def _renames(self, renames: Mapping[str, str]) -> dict[tuple[str, str], dict[str, str]]:
        out: dict[tuple[str, str], dict[str, str]] = {}
        for where, to in renames.items():
            parts = where.split(".")
            if len(parts) not in (2, 3):
                raise MigrationError(f"rename {where!r}: write 'table.column' or "
                                     f"'schema.table.column' (e.g. 'orders.note')")
            schema, table, column = (["public", *parts] if len(parts) == 2 else parts)
            old_t, new_t = self.old.table(table, schema), self.new.table(table, schema)
            if old_t is None or old_t.column(column) is None:
                raise MigrationError(f"rename {where!r}: the old design has no column "
                                     f"{table}.{column} — name the column as it was")
            if new_t is None or new_t.column(to) is None:
                raise MigrationError(f"rename {where!r} -> {to!r}: the new design has no "
                                     f"column {table}.{to} — name the column as it is now")
            out.setdefault((schema, table), {})[column] = to
        return out

    def _existing_name(self, o: Table, con: Check | Unique | ForeignKey) -> str:
        """The name of a constraint the database already has: as the old design names it,
        else as the database being migrated (``live``) names it, else PostgreSQL's rule."""
        if con.name:
            return con.name
        guess = _names(o).of(o, con)
        if self.live is None:
            return guess
        return live_name(self.live, o, con, guess)

    # -- whole plan -----------------------------------------------------------------
    def build(self) -> MigrationPlan:
        self._extensions_and_types()
        more = object_steps(self.old, self.new, self.v)
        self.pre = more.first + self.pre + more.pre
        self._dependent_objects_down()
        old_keys = {t.key for t in self.old.tables}
        for t in table_order(self.new):
            if t.key not in old_keys:
                self._new_table(t)
        for t in self.new.tables:
            o = self.old.table(t.name, t.schema)
            if o is not None:
                self._table(o, t)
        for o in reversed(table_order(self.old)):
            if self.new.table(o.name, o.schema) is None:
                self.contract.append(Step(
                    f"drop table {o.name}", (f"DROP TABLE IF EXISTS {rel(o.schema, o.name)};",),
                    (_create_table(o, self.v),
                     *(index_sql(o.schema, o.name, i, self.v) for i in o.indexes)),
                    phase="contract", why="the new design no longer has it",
                    loses_data=f"every row of {o.name} (the down script recreates it empty)"))
        self._dependent_objects_up()
        steps = (self.pre + self.body + self.late + more.late + more.contract_first
                 + self.contract + more.contract)
        return MigrationPlan(self.old.name, self.new.name, tuple(steps), tuple(self.notes))

    def _extensions_and_types(self) -> None:
        have = {e.name for e in self.old.extensions}
        for e in self.new.extensions:
            if e.name not in have:
                self.pre.append(Step(f"extension {e.name}", tuple(extension_sql(e)),
                                     (f"DROP EXTENSION IF EXISTS {_q(e.name)};",)))
        old_enums = {(e.schema, e.name): e for e in self.old.enums}
        for e in self.new.enums:
            o = old_enums.get((e.schema, e.name))
            if o is None:
                self.pre.append(Step(f"enum {e.name}", tuple(enum_sql(e)),
                                     (f"DROP TYPE IF EXISTS {rel(e.schema, e.name)};",)))
                continue
            removed = [v for v in o.values if v not in e.values]
            if removed:
                raise MigrationError(
                    f"enum {e.name}: values {removed} were removed. PostgreSQL cannot drop an "
                    f"enum value; keep them in the new design (and stop writing them), or "
                    f"migrate to a lookup table or a text column with a CHECK by hand")
            for i, v in enumerate(e.values):
                if v in o.values:
                    continue
                after = next((e.values[j] for j in range(i - 1, -1, -1)
                              if e.values[j] in o.values), None)
                where = f" AFTER {literal(after)}" if after else (
                    f" BEFORE {literal(o.values[0])}" if o.values else "")
                self.pre.append(Step(
                    f"enum {e.name}: add value {v!r}",
                    (f"ALTER TYPE {rel(e.schema, e.name)} ADD VALUE IF NOT EXISTS "
                     f"{literal(v)}{where};",), (), transactional=False,
                    why="ADD VALUE is instant; the new value cannot be used in the same "
                        "transaction, so it runs on its own",
                    loses_data=f"nothing now, but the down script cannot remove {v!r} from "
                               f"{e.name} (PostgreSQL has no DROP VALUE)"))
        new_enums = {(e.schema, e.name) for e in self.new.enums}
        for o in self.old.enums:
            if (o.schema, o.name) not in new_enums:
                self.contract.append(Step(f"drop enum {o.name}",
                                          (f"DROP TYPE IF EXISTS {rel(o.schema, o.name)};",),
                                          tuple(enum_sql(o)), phase="contract"))

    # -- views, triggers, routines, policies: dropped before, recreated after --------
    def _changed(self, kind: str) -> tuple[list, list]:
        def by_key(d: Design) -> dict:
            items = getattr(d, kind)
            return {(x.schema, x.name, getattr(x, "signature", None)): x for x in items}
        a, b = by_key(self.old), by_key(self.new)
        gone = [a[k] for k in a if k not in b or a[k] != b[k]]
        come = [b[k] for k in b if k not in a or a[k] != b[k]]
        return gone, come

    def _touched_tables(self) -> set[tuple[str, str]]:
        out = set()
        for t in self.new.tables:
            o = self.old.table(t.name, t.schema)
            if o is None or o.columns != t.columns:
                out.add(t.key)
        return out | {t.key for t in self.old.tables if self.new.table(t.name, t.schema) is None}

    def _dependent_objects_down(self) -> None:
        gone_v, _ = self._changed("views")
        names = {name for _, name in self._touched_tables()}
        # a view over a table whose columns change is dropped and recreated around the change
        for v in self.old.views:
            if v not in gone_v and any(re.search(rf"\b{re.escape(n)}\b", v.query)
                                       for n in names):
                gone_v.append(v)
        self._views_gone = gone_v
        for v in gone_v:
            kind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
            self.pre.append(Step(f"drop {kind.lower()} {v.name} (recreated below)",
                                 (f"DROP {kind} IF EXISTS {rel(v.schema, v.name)};",),
                                 (view_sql(v),
                                  *(index_sql(v.schema, v.name, i, self.v) for i in v.indexes),
                                  *([f"REFRESH MATERIALIZED VIEW {rel(v.schema, v.name)};"]
                                    if v.materialized else []),
                                  *privileges_on(self.old, kind.lower(), v.schema, v.name,
                                                 self.v))))
        gone_t, _ = self._changed("triggers")
        for tr in gone_t:
            self.pre.append(Step(f"drop trigger {tr.name} on {tr.table}",
                                 (f"DROP TRIGGER IF EXISTS {_q(tr.name)} ON "
                                  f"{rel(tr.schema, tr.table)};",), tuple(trigger_sql(tr))))

    def _dependent_objects_up(self) -> None:
        gone_r, come_r = self._changed("routines")
        for r in gone_r:
            if r not in come_r and not any(c.name == r.name and c.signature == r.signature
                                           for c in come_r):
                what = "PROCEDURE" if r.kind == "procedure" else "FUNCTION"
                self.contract.append(Step(
                    f"drop {what.lower()} {r.name}",
                    (f"DROP {what} IF EXISTS {rel(r.schema, r.name)}({r.signature});",),
                    tuple(routine_sql(r)), phase="contract"))
        for r in come_r:
            old = next((x for x in gone_r if x.name == r.name and x.signature == r.signature),
                       None)
            up = routine_sql(r)
            down = routine_sql(old) if old is not None else [
                f"DROP {'PROCEDURE' if r.kind == 'procedure' else 'FUNCTION'} IF EXISTS "
                f"{rel(r.schema, r.name)}({r.signature});"]
            self.late.append(Step(f"routine {r.name}", tuple(up), tuple(down)))
        new_views = [v for v in self.new.views if v not in self.old.views
                     or v in self._views_gone]
        for v in new_views:
            kind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
            self.late.append(Step(
                f"{kind.lower()} {v.name}",
                (view_sql(v), *(index_sql(v.schema, v.name, i, self.v) for i in v.indexes),
                 *([f"REFRESH MATERIALIZED VIEW {rel(v.schema, v.name)};"]
                   if v.materialized else []),
                 *(privileges_on(self.new, kind.lower(), v.schema, v.name, self.v)
                   if v in self._views_gone else ())),
                (f"DROP {kind} IF EXISTS {rel(v.schema, v.name)};",)))
        _, come_t = self._changed("triggers")
        for tr in come_t:
            self.late.append(Step(f"trigger {tr.name} on {tr.table}", tuple(trigger_sql(tr)),
                                  (f"DROP TRIGGER IF EXISTS {_q(tr.name)} ON "
                                   f"{rel(tr.schema, tr.table)};",)))

    # -- tables -----------------------------------------------------------------------
    def _new_table(self, t: Table) -> None:
        stmts = [_create_table(t, self.v)]
        stmts += [index_sql(t.schema, t.name, i, self.v).replace(
            "INDEX ", "INDEX IF NOT EXISTS ", 1) for i in t.indexes]
        if t.rls_enabled:
            stmts.append(_alter(t, "ENABLE ROW LEVEL SECURITY"))
        if t.rls_forced:
            stmts.append(_alter(t, "FORCE ROW LEVEL SECURITY"))
        stmts += [policy_sql(t, p) for p in t.policies]
        stmts += _table_comments(t)
        self.body.append(Step(f"create table {t.name}", tuple(stmts),
                              (f"DROP TABLE IF EXISTS {rel(t.schema, t.name)};",),
                              why="a new, empty table: its indexes and keys cost nothing yet"))

    def _table(self, o: Table, t: Table) -> None:
        if (o.primary_key or None) != (t.primary_key or None):
            raise MigrationError(
                f"table {t.name}: the primary key changed ({o.primary_key} -> "
                f"{t.primary_key}). Swapping a primary key is a multi-release job (build the "
                f"unique index CONCURRENTLY, then ADD CONSTRAINT … PRIMARY KEY USING INDEX, "
                f"move the foreign keys): keep the old key in this version and write that "
                f"migration by hand")
        if (o.partition_by, o.partition_of) != (t.partition_by, t.partition_of):
            raise MigrationError(
                f"table {t.name}: partitioning changed. Converting a table to partitions "
                f"needs a copy (pgarch plan shows the steps): keep it unchanged in this version")
        if o.options != t.options:
            self.body.append(Step(
                f"storage options of {t.name}",
                (_alter(t, f"SET ({', '.join(t.options)})") if t.options else
                 _alter(t, f"RESET ({', '.join(x.split('=')[0] for x in o.options)})"),),
                (_alter(t, f"SET ({', '.join(o.options)})") if o.options else
                 _alter(t, f"RESET ({', '.join(x.split('=')[0] for x in t.options)})"),),
                why="applies to pages written from now on; no rewrite"))
        renames = self.renames.get(t.key, {})
        renamed_to = set(renames.values())
        # dropped constraints and indexes first (they may name columns that go)
        self._constraints_down(o, t)
        for c in t.columns:
            if c.name in renamed_to:
                old_name = next(k for k, v in renames.items() if v == c.name)
                self.body += col.rename_column(t, o.column(old_name), c, self.v)
                continue
            before = o.column(c.name)
            if before is None:
                self.body += col.add_column(t, c, self.v)
                continue
            if before.type != c.type:
                self.body += col.change_type(t, before, c, self.v)
                if before.nullable != c.nullable and c.nullable:
                    self.body += col.change_nullability(t, before, c)
                continue
            if before.default != c.default:
                self.body += col.change_default(t, before, c)
            if before.nullable != c.nullable:
                self.body += col.change_nullability(t, before, c)
            if (before.identity, before.generated) != (c.identity, c.generated):
                raise MigrationError(
                    f"column {t.name}.{c.name}: identity or generation changed. "
                    f"Declare a new column (and a rename) instead of changing it in place")
            if before.collation != c.collation:
                self.body.append(_collation_step(t, before, c))
        for c in o.columns:
            if t.column(c.name) is None and c.name not in renames:
                self.contract += col.drop_column(o, c, self.v)
        self._constraints_up(o, t)
        if (o.rls_enabled, o.rls_forced, o.policies) != (t.rls_enabled, t.rls_forced,
                                                         t.policies):
            self._rls(o, t)
        if _table_comments(o) != _table_comments(t):
            self.late.append(Step(f"comments on {t.name}", tuple(_table_comments(t, o)),
                                  tuple(_table_comments(o, t))))

    def _constraints_down(self, o: Table, t: Table) -> None:
        new_idx = {i.name: i for i in t.indexes}
        for i in o.indexes:
            if new_idx.get(i.name) != i:
                self.body.append(Step(
                    f"drop index {i.name}", (_drop_index(o, i.name, existing=True),),
                    (_concurrent_index(o, i, self.v),), transactional=bool(o.partition_by),
                    why=_index_why(o)))
        for c in o.checks:
            if c not in t.checks:
                name = self._existing_name(o, c)
                (add, _), (validate, _) = _validated(o, name, f"CHECK ({c.expression})")
                self._drop_with_two_step_down(f"check {name} on {o.name}", (
                    _drop_constraint(o, name),), add, validate)
        for u in o.uniques:
            if u not in t.uniques:
                name = self._existing_name(o, u)
                (idx, _), (attach, _) = _unique_up(o, u, name, self.v)
                self._drop_with_two_step_down(f"unique {name} on {o.name}", (
                    _drop_constraint(o, name),), idx, attach,
                    transactional=False)
        for fk in o.foreign_keys:
            if fk not in t.foreign_keys:
                name = self._existing_name(o, fk)
                self._drop_with_two_step_down(
                    f"foreign key {name}", (_drop_constraint(o, name),),
                    (_alter(o, f"ADD {foreign_key_sql(o, replace(fk, name=name))} NOT VALID"),),
                    (_alter(o, f"VALIDATE CONSTRAINT {_q(name)}"),))

    def _drop_with_two_step_down(self, what: str, drop: tuple[str, ...],
                                 first: tuple[str, ...], second: tuple[str, ...], *,
                                 transactional: bool = True) -> None:
        """A drop whose undo takes two transactions (add NOT VALID / build CONCURRENTLY,
        then validate / attach): the second undo is an empty-up step placed before the
        drop, so the reversed down script runs it after the first."""
        self.body.append(Step(f"(undo only) finish restoring {what}", (), second))
        self.body.append(Step(f"drop {what}", drop, first, transactional=transactional,
                              why="the new design drops it"))

    def _constraints_up(self, o: Table, t: Table) -> None:
        old_idx = {i.name: i for i in o.indexes}
        for i in t.indexes:
            if old_idx.get(i.name) != i:
                self.body.append(Step(
                    f"index {i.name} on {t.name}", (_concurrent_index(t, i, self.v),),
                    (_drop_index(t, i.name),), transactional=bool(t.partition_by),
                    why=_index_why(t)))
        for c in t.checks:
            if c not in o.checks:
                name = _names(t).of(t, c)
                add, validate = _validated(t, name, f"CHECK ({c.expression})")
                self.body.append(Step(f"check {name} on {t.name} (NOT VALID)", add[0],
                                      add[1], why="existing rows are not scanned under the "
                                                  "ACCESS EXCLUSIVE lock"))
                self.body.append(Step(f"validate {name}", validate[0], validate[1],
                                      why="VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and "
                                          "writes continue"))
        for u in t.uniques:
            if u not in o.uniques:
                name = _names(t).of(t, u)
                if t.partition_by:
                    from pgarch_kit.ddl.render_table import _unique as unique_clause
                    self.body.append(Step(
                        f"unique constraint {name}",
                        (_alter(t, f"ADD CONSTRAINT {_q(name)} "
                                   + unique_clause(t, u, self.v).removeprefix(
                                       f"CONSTRAINT {_q(name)} ")),),
                        (_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(name)}"),),
                        why=_index_why(t)))
                    continue
                idx, attach = _unique_up(t, u, name, self.v)
                self.body.append(Step(f"unique index {name} on {t.name}", idx[0], idx[1],
                                      transactional=False,
                                      why="built CONCURRENTLY, then attached as the "
                                          "constraint without a second scan"))
                self.body.append(Step(f"unique constraint {name}", attach[0], attach[1],
                                      why="ADD CONSTRAINT … USING INDEX: instant"))
        for fk in t.foreign_keys:
            if fk not in o.foreign_keys:
                name = _names(t).of(t, fk)
                self.late.append(Step(
                    f"foreign key {name} (NOT VALID)",
                    (_alter(t, f"ADD {foreign_key_sql(t, replace(fk, name=name))} NOT VALID"),),
                    (_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(name)}"),),
                    why="NOT VALID: new writes are checked at once, existing rows are not "
                        "scanned while both tables are locked"))
                self.late.append(Step(f"validate {name}",
                                      (_alter(t, f"VALIDATE CONSTRAINT {_q(name)}"),), (),
                                      why="the scan runs under SHARE UPDATE EXCLUSIVE"))

    def _rls(self, o: Table, t: Table) -> None:
        def state(x: Table) -> list[str]:
            out = [_alter(x, ("ENABLE" if x.rls_enabled else "DISABLE") + " ROW LEVEL SECURITY"),
                   _alter(x, ("FORCE" if x.rls_forced else "NO FORCE") + " ROW LEVEL SECURITY")]
            return out
        drop_new = [f"DROP POLICY IF EXISTS {_q(p.name)} ON {rel(t.schema, t.name)};"
                    for p in t.policies]
        drop_old = [f"DROP POLICY IF EXISTS {_q(p.name)} ON {rel(o.schema, o.name)};"
                    for p in o.policies]
        self.late.append(Step(
            f"row-level security on {t.name}",
            (*drop_old, *[policy_sql(t, p) for p in t.policies], *state(t)),
            (*drop_new, *[policy_sql(o, p) for p in o.policies], *state(o)),
            why="policies replaced in one transaction: no moment without them"))


def _collation_step(t: Table, before: Column, after: Column) -> Step:
    """A column's collation changes through ALTER COLUMN … TYPE with the same type."""
    def sql(c: Column) -> tuple[str, ...]:
        coll = ref(c.collation) if c.collation else 'pg_catalog."default"'
        return (_alter(t, f"ALTER COLUMN {_q(c.name)} TYPE {c.type} COLLATE {coll}"),)
    return Step(f"collation of {t.name}.{after.name}", sql(after), sql(before),
                why="the same type under another collation: no table rewrite, but the "
                    "column's indexes are rebuilt under ACCESS EXCLUSIVE")


def _validated(t: Table, name: str, definition: str
               ) -> tuple[tuple[tuple[str, ...], tuple[str, ...]],
                          tuple[tuple[str, ...], tuple[str, ...]]]:
    """(add NOT VALID: up, down), (VALIDATE: up, down)."""
    return ((( _alter(t, f"ADD CONSTRAINT {_q(name)} {definition} NOT VALID"),),
             (_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(name)}"),)),
            ((_alter(t, f"VALIDATE CONSTRAINT {_q(name)}"),), ()))


def _unique_up(t: Table, u: Unique, name: str, v: int
               ) -> tuple[tuple[tuple[str, ...], tuple[str, ...]],
                          tuple[tuple[str, ...], tuple[str, ...]]]:
    idx = Index(name, tuple(_key(c) for c in u.columns), unique=True,
                nulls_not_distinct=u.nulls_not_distinct, include=u.include)
    return (((_concurrent_index(t, idx, v),), (_drop_index(t, name),)),
            ((_alter(t, f"ADD CONSTRAINT {_q(name)} UNIQUE USING INDEX {_q(name)}"),),
             (_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(name)}"),)))


def _key(column: str):
    from pgarch_kit.model.design import IndexKey
    return IndexKey(column)


def _table_comments(t: Table, other: Table | None = None) -> list[str]:
    """COMMENT statements for ``t``; with ``other``, also NULL comments for what only
    ``other`` had commented (so applying them moves from ``other`` to ``t``)."""
    out = comment_sql("TABLE", rel(t.schema, t.name), t.comment)
    if other is not None and other.comment and not t.comment:
        out.append(f"COMMENT ON TABLE {rel(t.schema, t.name)} IS NULL;")
    for c in t.columns:
        target = f"{rel(t.schema, t.name)}.{_q(c.name)}"
        out += comment_sql("COLUMN", target, c.comment)
        if other is not None and not c.comment and (oc := other.column(c.name)) and oc.comment:
            out.append(f"COMMENT ON COLUMN {target} IS NULL;")
    return out


def migration_plan(old: Design, new: Design, *, renames: Mapping[str, str] | None = None,
                   server_version: int = 180000, live: Design | None = None) -> MigrationPlan:
    """The steps that take a database built from ``old`` to ``new`` (see the module
    documentation); ``renames`` maps ``"table.old_column"`` to the new column name.

    ``live`` is the design read from the database the migration will run on: constraints the
    old design leaves unnamed are then dropped by the names that database really has, not by
    a prediction of PostgreSQL's naming (which cannot see every name in the schema).

    Both designs' SQL fragments must be one expression or statement each: the steps paste
    them into a script that may be applied (:func:`~pgarch_kit.model.fragments.check_fragments`)."""
    from ..model.fragments import check_fragments
    check_fragments(old)
    check_fragments(new)
    return _Builder(old, new, renames or {}, server_version, live).build()
