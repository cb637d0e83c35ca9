"""The difference between two versions of a design, as the steps of a :class:`MigrationPlan`.

Objects are matched by name (schema-qualified). Designs do not record renames, so a renamed
column is declared: ``renames={"orders.note": "remark"}`` (``"schema.table.column"`` works
too); without it the old column is dropped and the new one added, which the plan marks as
data loss. Changes the kit does not migrate automatically (a swapped primary key,
partitioning, an enum value removed from a type in use) are refused with a
:class:`MigrationError` that says how to split them.

Order of the up script: roles, schemas (:mod:`.types`), collations
(:mod:`.objects`), extensions and types (:mod:`.types`), text search objects and range types
(:mod:`.objects`); views, triggers and rules that the change touches are dropped first (they
would block a column change); new tables; per existing table the column, constraint and index
changes (:mod:`.tables`); new foreign keys; routines, views, policies, triggers, rules and
comments recreated (:mod:`.comments`); casts, grants, owners and default privileges; contract
steps (drops) last, the types, extensions and schemas that tables used after them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from pgarch_kit.ddl._common import literal, ref, rel
from pgarch_kit.ddl.render_details import (
    constraint_comments_sql,
    index_statistics_sql,
    not_valid_sql,
    parents_of,
    table_details_sql,
)
from pgarch_kit.ddl.render_index import index_sql
from pgarch_kit.ddl.render_objects import (
    comment_sql,
    policy_sql,
    routine_sql,
    table_comments_sql,
    trigger_sql,
    view_sql,
)
from pgarch_kit.ddl.render_table import (
    add_foreign_key_sql,
    attach_partition_sql,
    check_sql,
    create_table_sql,
    foreign_key_sql,
)
from pgarch_kit.ddl.script import plan_foreign_keys, routine_phases
from pgarch_kit.model.default_names import ConstraintNames, constraint_names, not_null_names
from pgarch_kit.model.design import (
    Check,
    Column,
    Design,
    ForeignKey,
    Index,
    Routine,
    Table,
    Trigger,
    Unique,
    View,
)
from pgarch_kit.model.graph import table_order
from pgarch_kit.model.names import quote_ident

from . import columns as col
from . import details
from . import tables as tab
from .comments import (
    bare,
    comment_steps,
    comment_stmt,
    routine_target,
    trigger_target,
    view_comments,
)
from .details import same
from .live_names import live_name
from .objects import object_steps, privileges_on
from .plan import MigrationError, MigrationPlan, Step
from .types import type_steps

__all__ = ["migration_plan"]


def _q(name: str) -> str:
    return quote_ident(name)


def _names(t: Table) -> ConstraintNames:
    """Every constraint name of ``t``: explicit, or what PostgreSQL names an unnamed one
    (counted in bytes, ``…_check1`` for a repeat; see :mod:`pgarch_kit.model.default_names`)."""
    return constraint_names(t)


def _alter(t: Table, clause: str) -> str:
    return f"ALTER TABLE {rel(t.schema, t.name)} {clause};"


_concurrent_index = tab.concurrent_index
_index_why = tab.index_why


def _with_comment(t: Table, i: Index, v: int) -> tuple[str, ...]:
    """The index built CONCURRENTLY, then its comment (each statement commits on its own)."""
    out = (_concurrent_index(t, i, v), *index_statistics_sql(t.schema, i))
    if i.comment is not None:
        out += (comment_stmt("INDEX", rel(t.schema, i.name), i.comment),)
    return out


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


def _create_table(t: Table, v: int, design: Design | None = None,
                  inline: tuple[ForeignKey, ...] | list[ForeignKey] | None = None) -> str:
    fks = t.foreign_keys if inline is None else inline
    return create_table_sql(t, v, [fk for fk in fks if not fk.not_valid],
                            parents_of(design, t)).replace("TABLE ", "TABLE IF NOT EXISTS ", 1)


def _whole_table(t: Table, v: int, design: Design,
                 inline: tuple[ForeignKey, ...] | list[ForeignKey] | None = None) -> list[str]:
    """A table with what is on it: settings, its partition's ATTACH, indexes, constraints kept
    NOT VALID, comments (row-level security and the foreign keys not ``inline`` are the
    caller's)."""
    fks = t.foreign_keys if inline is None else inline
    out = [_create_table(t, v, design, fks), *table_details_sql(design, t, v),
           *attach_partition_sql(t)]
    for i in t.indexes:
        out += [index_sql(t.schema, t.name, i, v).replace("INDEX ", "INDEX IF NOT EXISTS ", 1),
                *index_statistics_sql(t.schema, i)]
    out += [add_foreign_key_sql(t, fk, v) for fk in fks if fk.not_valid]
    out += not_valid_sql(t, v)
    return [*out, *table_comments_sql(t), *constraint_comments_sql(t, design, v)]


class _Builder:
    def __init__(self, old: Design, new: Design, renames: Mapping[str, str],
                 server_version: int, live: Design | None = None) -> None:
        self.old, self.new, self.v = old, new, server_version
        self.live = live
        self.renames = self._renames(renames)
        self.pre: list[Step] = []      # drops of dependent objects, types
        self.early: list[Step] = []    # new routines the tables use (defaults, checks)
        self.body: list[Step] = []     # additive changes
        self.late: list[Step] = []     # foreign keys, objects recreated
        self.children: list[Step] = [] # after every table's columns: columns from parents
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
        types = type_steps(self.old, self.new)
        more = object_steps(self.old, self.new, self.v)
        # roles and schemas, then collations (types and columns name them), then the types
        # (text search objects and range types after the extensions they come from)
        head = [s for s in types.first if s.title.startswith(("role ", "schema "))]
        self.pre = _types_in_order(self.new, head + more.first
                                   + [s for s in types.first if s not in head] + more.pre
                                   + self.pre)
        self._dependent_objects_down()
        old_keys = {t.key for t in self.old.tables}
        order = table_order(self.new)
        # new tables follow the DDL's order: foreign keys inline when their target already
        # exists, the rest (cycles, forward references, unique-index targets) once every new
        # table and its indexes are there
        fks = plan_foreign_keys(self.new, order)
        later: list[tuple[Table, ForeignKey]] = []
        for t in order:
            if t.key not in old_keys:
                self._new_table(t, fks.inline[t.key])
                later += [(t, fk) for fk in t.foreign_keys if fk not in fks.inline[t.key]]
        # policies may read other new tables: after all of them, as in the DDL
        secured = [t for t in order if t.key not in old_keys
                   and (t.rls_enabled or t.rls_forced or t.policies)]
        if secured:
            up: list[str] = []
            for t in secured:
                up += [_alter(t, "ENABLE ROW LEVEL SECURITY")] if t.rls_enabled else []
                up += [_alter(t, "FORCE ROW LEVEL SECURITY")] if t.rls_forced else []
                up += [policy_sql(t, p) for p in t.policies]
            self.late.append(Step(
                "row-level security of the new tables", tuple(up),
                tuple(f"DROP POLICY IF EXISTS {_q(p.name)} ON {rel(t.schema, t.name)};"
                      for t in reversed(secured) for p in t.policies),
                why="the tables are new: nothing reads them yet"))
        if later:
            self.body.append(Step(
                "foreign keys of the new tables (cycles and forward references)",
                tuple(add_foreign_key_sql(t, fk, self.v) for t, fk in later),
                tuple(_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(fk.name or _names(t).of(t, fk))}")
                      for t, fk in reversed(later)),
                why="the tables are new and empty: the keys validate instantly"))
        for t in self.new.tables:
            o = self.old.table(t.name, t.schema)
            if o is not None:
                self._table(o, t)
        self.body += self.children
        for o in reversed(table_order(self.old)):
            if self.new.table(o.name, o.schema) is None:
                self.contract.append(Step(
                    f"drop table {o.name}", (f"DROP TABLE IF EXISTS {rel(o.schema, o.name)};",),
                    tuple(_whole_table(o, self.v, self.old)),
                    phase="contract", why="the new design no longer has it",
                    loses_data=f"every row of {o.name} (the down script recreates it empty)"))
        self._dependent_objects_up()
        self.late += types.late
        self.late += comment_steps(self.old, self.new,
                                   frozenset(v.key for v in self._views_gone))
        self.late += details.extension_comment_steps(self.old, self.new)
        steps = (self.pre + self.early + more.casts + self.body + self.late + more.late
                 + more.contract_first + self.contract + types.last + more.contract)
        return MigrationPlan(self.old.name, self.new.name, tuple(steps), tuple(self.notes))

    # -- views, triggers, routines, policies: dropped before, recreated after --------
    def _changed(self, kind: str) -> tuple[list, list]:
        def by_key(d: Design) -> dict:
            # routines are told apart by signature, triggers by table (pagila has a
            # last_updated trigger on each of its tables)
            items = getattr(d, kind)
            return {(x.schema, x.name, getattr(x, "signature", None), getattr(x, "table", None)): x
                    for x in items}
        a, b = by_key(self.old), by_key(self.new)
        # comment-only changes (and a trigger's enabled state) are steps of their own, not a
        # re-creation
        gone = [a[k] for k in a if k not in b or _definition(a[k]) != _definition(b[k])]
        come = [b[k] for k in b if k not in a or _definition(a[k]) != _definition(b[k])]
        return gone, come

    def _trigger_states(self) -> None:
        had = {(t.schema, t.table, t.name): t for t in self.old.triggers}
        for tr in self.new.triggers:
            o = had.get((tr.schema, tr.table, tr.name))
            if o is not None and o.enabled != tr.enabled and _definition(o) == _definition(tr):
                def state(x: Trigger) -> str:
                    return (f"ALTER TABLE {rel(x.schema, x.table)} {_ENABLE[x.enabled]} "
                            f"{_q(x.name)};")
                self.late.append(Step(f"trigger {tr.name} on {tr.table}: "
                                      f"{_ENABLE[tr.enabled].lower()}", (state(tr),),
                                      (state(o),), why="catalog-only"))

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
                                  *(_view_index(v, i, self.v) for i in v.indexes),
                                  *([f"REFRESH MATERIALIZED VIEW {rel(v.schema, v.name)};"]
                                    if v.materialized else []), *view_comments(v),
                                  *privileges_on(self.old, kind.lower(), v.schema, v.name,
                                                 self.v))))
        gone_t, _ = self._changed("triggers")
        for tr in gone_t:
            self.pre.append(Step(f"drop trigger {tr.name} on {tr.table}",
                                 (f"DROP TRIGGER IF EXISTS {_q(tr.name)} ON "
                                  f"{rel(tr.schema, tr.table)};",),
                                 (*trigger_sql(tr), *_trigger_comment(tr))))

    def _dependent_objects_up(self) -> None:
        gone_r, come_r = self._changed("routines")
        for r in gone_r:
            if not any(c.name == r.name and c.signature == r.signature for c in come_r):
                self.contract.append(Step(
                    f"drop {r.kind} {r.name}", (_drop_routine(r),),
                    (*routine_sql(r), *_routine_comment(r)), phase="contract"))
        # as in the DDL: a routine the tables use (a default, a check) comes before them, one
        # whose signature names a table after them, one naming a view after the views
        phase = {(r.schema, r.name, r.signature): p
                 for r, p in zip(self.new.routines, routine_phases(self.new))}
        after_views: list[Step] = []
        for r in come_r:
            old = next((x for x in gone_r if x.name == r.name and x.signature == r.signature),
                       None)
            up = [*routine_sql(r), *_routine_comment(r)]
            if old is None:
                down = [_drop_routine(r)]
            else:
                down = [*routine_sql(old), *_routine_comment(old)]
                if r.kind == "aggregate" or old.kind == "aggregate":
                    # the model keeps an aggregate as CREATE AGGREGATE (no OR REPLACE):
                    # dropped and created again in the same transaction
                    up.insert(0, _drop_routine(old))
                    down.insert(0, _drop_routine(r))
            step = Step(f"{r.kind} {r.name}", tuple(up), tuple(down))
            where = phase.get((r.schema, r.name, r.signature), "tables")
            if where == "early" and old is None:
                self.early.append(step)
            elif where == "views":
                after_views.append(step)
            else:
                self.late.append(step)
        old_views = {v.key: bare(v) for v in self.old.views}
        new_views = [v for v in self.new.views if old_views.get(v.key) != bare(v)
                     or v.key in {g.key for g in self._views_gone}]
        for v in new_views:
            kind = "MATERIALIZED VIEW" if v.materialized else "VIEW"
            self.late.append(Step(
                f"{kind.lower()} {v.name}",
                (view_sql(v), *(_view_index(v, i, self.v) for i in v.indexes),
                 *([f"REFRESH MATERIALIZED VIEW {rel(v.schema, v.name)};"]
                   if v.materialized else []), *view_comments(v),
                 *(privileges_on(self.new, kind.lower(), v.schema, v.name, self.v)
                   if v in self._views_gone else ())),
                (f"DROP {kind} IF EXISTS {rel(v.schema, v.name)};",)))
        self.late += after_views
        self._trigger_states()
        _, come_t = self._changed("triggers")
        for tr in come_t:
            self.late.append(Step(f"trigger {tr.name} on {tr.table}",
                                  (*trigger_sql(tr), *_trigger_comment(tr)),
                                  (f"DROP TRIGGER IF EXISTS {_q(tr.name)} ON "
                                   f"{rel(tr.schema, tr.table)};",)))

    # -- tables -----------------------------------------------------------------------
    def _new_table(self, t: Table, inline: list[ForeignKey]) -> None:
        stmts = _whole_table(t, self.v, self.new, inline)
        self.body.append(Step(f"create table {t.name}", tuple(stmts),
                              (f"DROP TABLE IF EXISTS {rel(t.schema, t.name)};",),
                              why="a new, empty table: its indexes and keys cost nothing yet"))

    def _table(self, o: Table, t: Table) -> None:
        # comments of keys and exclusions are steps of their own (details.comment_steps)
        pk_add, pk_drop = tab.primary_key_steps(_uncommented(o), _uncommented(t), self.v)
        if (o.partition_by, o.partition_of) != (t.partition_by, t.partition_of):
            raise MigrationError(
                f"table {t.name}: partitioning changed. Converting a table to partitions "
                f"needs a copy (pgarch plan shows the steps): keep it unchanged in this version")
        self.body += tab.persistence_steps(o, t) + tab.options_steps(o, t)
        self.body += tab.partition_bound_steps(o, t)
        ex_drop, ex_add = tab.exclusion_steps(_uncommented(o), _uncommented(t),
                                              list(_names(o).exclusions),
                                              list(_names(t).exclusions))
        self.body += ex_drop
        renames = self.renames.get(t.key, {})
        renamed_to = set(renames.values())
        nn_old, nn_new = not_null_names(self.old, o), not_null_names(self.new, t)
        # dropped constraints and indexes first (they may name columns that go)
        self._constraints_down(o, t)
        for c in t.columns:
            if c.name in renamed_to:
                old_name = next(k for k, v in renames.items() if v == c.name)
                self.body += col.rename_column(t, o.column(old_name), c, self.v)
                continue
            before = o.column(c.name)
            if before is None:
                parent_col = self._comes_with_parent(o, t, c.name)
                if parent_col is None:
                    self.body += col.add_column(t, c, self.v)
                    self.body += details.new_column_settings(t, c, self.v)
                else:
                    self.children += self._from_parent(t, parent_col, c)
                continue
            if before.type != c.type:
                self.body += col.change_type(t, before, c, self.v)
                if before.nullable != c.nullable and c.nullable:
                    self.body += col.change_nullability(t, before, c)
                continue
            if before.default != c.default:
                self.body += col.change_default(t, before, c)
            if before.nullable != c.nullable:
                self.body += self._nullability(t, before, c, nn_old, nn_new)
            if ((before.identity is None) != (c.identity is None), before.generated) != (
                    False, c.generated):
                raise MigrationError(
                    f"column {t.name}.{c.name}: identity or generation changed. "
                    f"Declare a new column (and a rename) instead of changing it in place")
            if before.collation != c.collation:
                self.body.append(_collation_step(t, before, c))
            self.body += details.column_detail_steps(
                t, before, c, self.v, nn_old.get(c.name), nn_new.get(c.name))
        self.body += details.inherit_steps(o, t)
        for c in o.columns:
            if t.column(c.name) is None and c.name not in renames \
                    and self._comes_with_parent(t, o, c.name, self.new, self.old) is None:
                self.contract += col.drop_column(o, c, self.v)
        self._constraints_up(o, t)
        self.body += details.index_detail_steps(o, t)
        self.body += pk_add + ex_add
        self.contract += pk_drop
        if (o.rls_enabled, o.rls_forced, _sans_comments(o.policies)) != (
                t.rls_enabled, t.rls_forced, _sans_comments(t.policies)):
            self._rls(o, t)
        if _table_comments(o) != _table_comments(t):
            self.late.append(Step(f"comments on {t.name}", tuple(_table_comments(t, o)),
                                  tuple(_table_comments(o, t))))
        self.late += details.comment_steps(o, t, _names(o), _names(t), nn_old, nn_new)

    def _comes_with_parent(self, o: Table, t: Table, column: str,
                           before: Design | None = None, after: Design | None = None
                           ) -> Column | None:
        """The parent's column when ``column``, which ``t`` (the version that has it) only
        inherits, reaches it through a parent that gains it in the same migration
        (PostgreSQL adds it to every child, and drops it from them with the parent's)."""
        before, after = before or self.old, after or self.new
        c = t.column(column)
        if c is None or not c.inherited:
            return None
        for key in t.parent_keys:
            now, then = after.table(key[1], key[0]), before.table(key[1], key[0])
            if now is not None and (pc := now.column(column)) is not None and (
                    then is None or then.column(column) is None):
                return pc
        return None

    def _from_parent(self, t: Table, parent_col: Column, c: Column) -> list[Step]:
        """A column a child gets with its parent's: what the child has of its own (its
        default, NOT NULL, settings) is set after."""
        steps: list[Step] = []
        got = replace(parent_col, inherited=True, statistics=None, options=(), comment=None)
        if got.default != c.default:
            steps += col.change_default(t, got, c)
        if got.nullable and not c.nullable:
            steps += col.change_nullability(t, got, replace(c, default=None))
        return steps + details.new_column_settings(t, c, self.v, parent_col)

    def _nullability(self, t: Table, before: Column, c: Column, nn_old: dict[str, str],
                     nn_new: dict[str, str]) -> list[Step]:
        """SET / DROP NOT NULL; on PostgreSQL 18 the constraint is then named as the design
        names it (SET NOT NULL gives it PostgreSQL's name)."""
        steps = col.change_nullability(t, before, c)
        default = details.default_not_null_name(t, c.name)
        if not c.nullable and nn_new.get(c.name, default) != default:
            name = nn_new[c.name]
            steps.append(Step(f"name NOT NULL of {t.name}.{c.name} {name}",
                              (col.rename_not_null(t, default, name),), (),
                              why="catalog-only"))
        if c.nullable and nn_old.get(c.name, default) != default:
            name = nn_old[c.name]
            steps.insert(0, Step(f"(undo only) name NOT NULL of {t.name}.{c.name} {name}", (),
                                 (col.rename_not_null(t, default, name),)))
        return steps

    def _constraints_down(self, o: Table, t: Table) -> None:
        new_idx = {i.name: tab.index_shape(i) for i in t.indexes}
        for i in o.indexes:
            if new_idx.get(i.name) != tab.index_shape(i):
                self.body.append(Step(
                    f"drop index {i.name}", (_drop_index(o, i.name, existing=True),),
                    _with_comment(o, i, self.v), transactional=bool(o.partition_by),
                    why=_index_why(o)))
        kept_checks = [same(c) for c in t.checks]
        for c in o.checks:
            if same(c) not in kept_checks:
                name = self._existing_name(o, c)
                add, validate = _validated(o, replace(c, name=name), self.v)
                self._drop_with_two_step_down(f"check {name} on {o.name}", (
                    _drop_constraint(o, name),), add[0], validate[0])
        kept_uniques = [same(u) for u in t.uniques]
        for u in o.uniques:
            if same(u) not in kept_uniques:
                name = self._existing_name(o, u)
                (idx, _), (attach, _) = _unique_up(o, u, name, self.v)
                self._drop_with_two_step_down(f"unique {name} on {o.name}", (
                    _drop_constraint(o, name),), idx,
                    attach + details.constraint_comment(o, name, u.comment),
                    transactional=False)
        kept_fks = [same(fk) for fk in t.foreign_keys]
        for fk in o.foreign_keys:
            if same(fk) not in kept_fks:
                name = self._existing_name(o, fk)
                add, validate = _validated(o, replace(fk, name=name), self.v)
                self._drop_with_two_step_down(
                    f"foreign key {name}", (_drop_constraint(o, name),), add[0], validate[0])

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
        old_idx = {i.name: tab.index_shape(i) for i in o.indexes}
        self.body += tab.index_option_steps(o, t)
        for i in t.indexes:
            if old_idx.get(i.name) != tab.index_shape(i):
                self.body.append(Step(
                    f"index {i.name} on {t.name}", _with_comment(t, i, self.v),
                    (_drop_index(t, i.name),), transactional=bool(t.partition_by),
                    why=_index_why(t)))
        old_checks = {same(c): c for c in o.checks}
        for c in t.checks:
            if same(c) in old_checks:
                prev = old_checks[same(c)]
                self.body += details.validity_steps(t, prev, c, self._existing_name(o, prev),
                                                    self.v)
                continue
            name = _names(t).of(t, c)
            add, validate = _validated(t, replace(c, name=name), self.v)
            self.body.append(Step(f"check {name} on {t.name} (NOT VALID)", add[0],
                                  add[1], why="existing rows are not scanned under the "
                                              "ACCESS EXCLUSIVE lock"))
            if validate[0]:
                self.body.append(Step(f"validate {name}", validate[0], validate[1],
                                      why="VALIDATE takes SHARE UPDATE EXCLUSIVE: reads and "
                                          "writes continue"))
        old_uniques = [same(u) for u in o.uniques]
        for u in t.uniques:
            if same(u) not in old_uniques:
                name = _names(t).of(t, u)
                if t.partition_by or u.without_overlaps:
                    from pgarch_kit.ddl.render_table import _unique as unique_clause
                    self.body.append(Step(
                        f"unique constraint {name}",
                        (_alter(t, f"ADD CONSTRAINT {_q(name)} "
                                   + unique_clause(t, u, self.v).removeprefix(
                                       f"CONSTRAINT {_q(name)} ")),
                         *details.constraint_comment(t, name, u.comment)),
                        (_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(name)}"),),
                        why=_index_why(t) if t.partition_by else
                        "WITHOUT OVERLAPS needs its GiST index built by ADD CONSTRAINT: writes "
                        "wait for the build"))
                    continue
                idx, attach = _unique_up(t, u, name, self.v)
                self.body.append(Step(f"unique index {name} on {t.name}", idx[0], idx[1],
                                      transactional=False,
                                      why="built CONCURRENTLY, then attached as the "
                                          "constraint without a second scan"))
                self.body.append(Step(f"unique constraint {name}",
                                      attach[0] + details.constraint_comment(t, name, u.comment),
                                      attach[1], why="ADD CONSTRAINT … USING INDEX: instant"))
        old_fks = {same(fk): fk for fk in o.foreign_keys}
        for fk in t.foreign_keys:
            if same(fk) in old_fks:
                prev = old_fks[same(fk)]
                self.late += details.validity_steps(t, prev, fk, self._existing_name(o, prev),
                                                    self.v)
                continue
            name = _names(t).of(t, fk)
            add, validate = _validated(t, replace(fk, name=name), self.v)
            self.late.append(Step(
                f"foreign key {name} (NOT VALID)", add[0], add[1],
                why="NOT VALID: new writes are checked at once, existing rows are not "
                    "scanned while both tables are locked"))
            if validate[0]:
                self.late.append(Step(f"validate {name}", validate[0], (),
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
            (*drop_old, *[policy_sql(t, p) for p in t.policies], *state(t),
             *_policy_comments(t)),
            (*drop_new, *[policy_sql(o, p) for p in o.policies], *state(o),
             *_policy_comments(o)),
            why="policies replaced in one transaction: no moment without them"))


_ENABLE = {"O": "ENABLE TRIGGER", "D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER",
           "A": "ENABLE ALWAYS TRIGGER"}


def _definition(x: object) -> object:
    """What a re-creation is needed for: comments and a trigger's enabled state aside."""
    x = bare(x)  # type: ignore[arg-type]
    return replace(x, enabled="O") if isinstance(x, Trigger) else x


def _view_index(v: View, i: Index, server_version: int) -> str:
    # the view was just (re)created: no reader yet, so no CONCURRENTLY; guarded for a resume
    return index_sql(v.schema, v.name, i, server_version).replace("INDEX ", "INDEX IF NOT EXISTS ",
                                                                  1)


def _drop_routine(r: Routine) -> str:
    kind = {"procedure": "PROCEDURE", "aggregate": "AGGREGATE"}.get(r.kind, "FUNCTION")
    return f"DROP {kind} IF EXISTS {rel(r.schema, r.name)}({r.signature});"


def _routine_comment(r: Routine) -> list[str]:
    """Set explicitly, NULL included: CREATE OR REPLACE keeps the comment it finds."""
    return [comment_stmt(*routine_target(r), r.comment)]


def _trigger_comment(tr: Trigger) -> list[str]:
    return [] if tr.comment is None else [comment_stmt("TRIGGER", trigger_target(tr),
                                                       tr.comment)]


def _types_in_order(design: Design, steps: list[Step]) -> list[Step]:
    """The steps that create new types, put in the order PostgreSQL can create them (a domain
    over a composite after the composite, a range over a domain after the domain: evaka), in
    the places those steps had; the rest stays as it was."""
    from pgarch_kit.model.type_order import type_order
    label = {"EnumType": "enum", "Domain": "domain", "CompositeType": "composite type",
             "RangeType": "range type"}
    wanted = [f"{label[type(t).__name__]} {t.name}" for t in type_order(design)]
    if len(set(wanted)) != len(wanted):  # same name in two schemas: titles cannot tell
        return steps
    rank = {title: i for i, title in enumerate(wanted)}
    places = [i for i, s in enumerate(steps) if s.title in rank]
    ordered = sorted((steps[i] for i in places), key=lambda s: rank[s.title])
    out = list(steps)
    for i, s in zip(places, ordered):
        out[i] = s
    return out


def _collation_step(t: Table, before: Column, after: Column) -> Step:
    """A column's collation changes through ALTER COLUMN … TYPE with the same type."""
    def sql(c: Column) -> tuple[str, ...]:
        coll = ref(c.collation) if c.collation else 'pg_catalog."default"'
        return (_alter(t, f"ALTER COLUMN {_q(c.name)} TYPE {c.type} COLLATE {coll}"),)
    return Step(f"collation of {t.name}.{after.name}", sql(after), sql(before),
                why="the same type under another collation: no table rewrite, but the "
                    "column's indexes are rebuilt under ACCESS EXCLUSIVE")


def _uncommented(t: Table) -> Table:
    """``t`` with its primary key and exclusions compared without their comments."""
    return replace(t, primary_key=t.primary_key and replace(t.primary_key, comment=None),
                   exclusions=tuple(replace(x, comment=None) for x in t.exclusions))


def _policy_comments(t: Table) -> list[str]:
    return [f"COMMENT ON POLICY {_q(p.name)} ON {rel(t.schema, t.name)} IS "
            f"{literal(p.comment)};" for p in t.policies if p.comment is not None]


def _sans_comments(policies: tuple) -> tuple:
    return tuple(replace(p, comment=None) for p in policies)


def _validated(t: Table, con: Check | ForeignKey, v: int
               ) -> tuple[tuple[tuple[str, ...], tuple[str, ...]],
                          tuple[tuple[str, ...], tuple[str, ...]]]:
    """(add NOT VALID: up, down), (VALIDATE: up, down) for a named check or foreign key; the
    VALIDATE half is empty when the design keeps it NOT VALID (or NOT ENFORCED, which is
    never validated). The add carries the constraint's comment."""
    name = con.name or ""
    definition = (check_sql(t, con, v) if isinstance(con, Check)
                  else foreign_key_sql(t, con, v))
    add = _alter(t, f"ADD {definition}" + (" NOT VALID" if con.enforced else ""))
    validate = ((_alter(t, f"VALIDATE CONSTRAINT {_q(name)}"),)
                if con.enforced and not con.not_valid else ())
    return (((add, *details.constraint_comment(t, name, con.comment)),
             (_alter(t, f"DROP CONSTRAINT IF EXISTS {_q(name)}"),)),
            (validate, ()))


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
