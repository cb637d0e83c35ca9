"""Table-level changes besides columns, checks, uniques and foreign keys: the primary key added
or dropped, exclusion constraints, persistence (LOGGED/UNLOGGED), storage options and a
partition's bound.

PostgreSQL facts the forms rely on:

* a primary key can be attached to an existing unique index (``ADD CONSTRAINT … PRIMARY KEY
  USING INDEX``) at no cost, so the index is built ``CONCURRENTLY`` first — except on a
  partitioned table, which has no concurrent build;
* an exclusion constraint has no ``NOT VALID`` and no ``USING INDEX`` form: its index is built
  under ACCESS EXCLUSIVE, so reads and writes wait for the build;
* ``SET LOGGED``/``SET UNLOGGED`` rewrite the table under ACCESS EXCLUSIVE;
* storage options apply to pages written from then on (no rewrite), an index's too;
* a partition's bound changes by ``DETACH`` and ``ATTACH`` in one transaction: no moment without
  the partition, but the parent is locked (ACCESS EXCLUSIVE) until ``ATTACH`` has scanned the
  partition — and the DEFAULT partition, if any — for rows outside the new bound.
"""
from __future__ import annotations

from dataclasses import replace

from pgarch_kit.ddl._common import rel
from pgarch_kit.ddl.render_index import index_sql
from pgarch_kit.ddl.render_table import _exclusion, _primary_key, attach_partition_sql
from pgarch_kit.model.design import Exclusion, Index, IndexKey, PrimaryKey, Table
from pgarch_kit.model.names import quote_ident

from .plan import MigrationError, Step

__all__ = ["concurrent_index", "exclusion_steps", "index_option_steps", "index_shape",
           "index_why", "options_steps",
           "partition_bound_steps", "persistence_steps", "primary_key_steps"]


def _alter(t: Table, clause: str) -> str:
    return f"ALTER TABLE {rel(t.schema, t.name)} {clause};"


def concurrent_index(t: Table, i: Index, v: int) -> str:
    # PostgreSQL cannot build an index on a partitioned table CONCURRENTLY
    how = "INDEX IF NOT EXISTS " if t.partition_by else "INDEX CONCURRENTLY IF NOT EXISTS "
    return index_sql(t.schema, t.name, i, v).replace("INDEX ", how, 1)


def index_why(t: Table) -> str:
    if t.partition_by:
        return ("a partitioned table: PostgreSQL cannot do this CONCURRENTLY, so writes wait "
                "for the build — on a big table build it per partition (CREATE INDEX ON ONLY, "
                "CONCURRENTLY per partition, ALTER INDEX … ATTACH PARTITION) by hand")
    return ("CONCURRENTLY: writes continue during the build (two scans); if it fails, drop "
            "the INVALID index it leaves before resuming")


def _pk_name(t: Table, pk: PrimaryKey) -> str:
    from pgarch_kit.model.default_names import constraint_names
    return pk.name or constraint_names(t).primary_key or f"{t.name}_pkey"


def _pk_add(t: Table, pk: PrimaryKey, v: int) -> list[tuple[tuple[str, ...], tuple[str, ...],
                                                             bool]]:
    """(up, down, transactional) pairs that add ``pk`` to ``t``."""
    name = _pk_name(t, pk)
    drop = (_alter(t, f"DROP CONSTRAINT IF EXISTS {quote_ident(name)}"),)
    if t.partition_by:
        return [((_alter(t, f"ADD {_primary_key(replace(pk, name=name))}"),), drop, True)]
    idx = Index(name, tuple(IndexKey(c) for c in pk.columns), unique=True, include=pk.include)
    attach = f"ADD CONSTRAINT {quote_ident(name)} PRIMARY KEY USING INDEX {quote_ident(name)}"
    if pk.deferrable:
        attach += " DEFERRABLE" + (" INITIALLY DEFERRED" if pk.initially_deferred else "")
    return [((concurrent_index(t, idx, v),),
             (f"DROP INDEX CONCURRENTLY IF EXISTS {rel(t.schema, name)};",), False),
            ((_alter(t, attach),), drop, True)]


def primary_key_steps(o: Table, t: Table, v: int) -> tuple[list[Step], list[Step]]:
    """(steps after the column changes, contract steps) for a primary key added or dropped."""
    if o.primary_key == t.primary_key:
        return [], []
    if o.primary_key is not None and t.primary_key is not None:
        raise MigrationError(
            f"table {t.name}: the primary key changed ({o.primary_key} -> "
            f"{t.primary_key}). Swapping a primary key is a multi-release job (build the "
            f"unique index CONCURRENTLY, then ADD CONSTRAINT … PRIMARY KEY USING INDEX, "
            f"move the foreign keys): keep the old key in this version and write that "
            f"migration by hand")
    if t.primary_key is not None:
        name = _pk_name(t, t.primary_key)
        parts = _pk_add(t, t.primary_key, v)
        why = [index_why(t) if t.partition_by else "unique index built CONCURRENTLY: writes "
               "continue during the build", "PRIMARY KEY USING INDEX: instant, no second scan "
               "(the key columns are NOT NULL already)"]
        return [Step(f"primary key {name} on {t.name}" + (" (index)" if len(parts) > 1 else ""),
                     up, down, transactional=tx, why=w)
                for (up, down, tx), w in zip(parts, why)], []
    pk = o.primary_key
    assert pk is not None
    name = _pk_name(o, pk)
    parts = _pk_add(o, pk, v)
    steps = [Step(f"(undo only) restore primary key {name} on {o.name}", (), parts[-1][0],
                  phase="contract")] if len(parts) > 1 else []
    steps.append(Step(f"drop primary key {name} on {o.name}",
                      (_alter(o, f"DROP CONSTRAINT {quote_ident(name)}"),), parts[0][0],
                      phase="contract", transactional=parts[0][2],
                      why="after the foreign keys that used it are gone; the key columns stay "
                          "NOT NULL"))
    return [], steps


def exclusion_steps(o: Table, t: Table, names_o: list[str], names_t: list[str]
                    ) -> tuple[list[Step], list[Step]]:
    """(drops, before the column changes; additions, after them)."""
    def add(x: Table, ex: Exclusion, name: str) -> str:
        return _alter(x, f"ADD {_exclusion(replace(ex, name=name))}")
    drops, adds = [], []
    for ex, name in zip(o.exclusions, names_o):
        if ex not in t.exclusions:
            drops.append(Step(f"drop exclusion constraint {name} on {o.name}",
                              (_alter(o, f"DROP CONSTRAINT {quote_ident(name)}"),),
                              (add(o, ex, name),), why="the new design drops it"))
    for ex, name in zip(t.exclusions, names_t):
        if ex not in o.exclusions:
            adds.append(Step(f"exclusion constraint {name} on {t.name}", (add(t, ex, name),),
                             (_alter(t, f"DROP CONSTRAINT IF EXISTS {quote_ident(name)}"),),
                             why="an exclusion constraint has no NOT VALID or USING INDEX "
                                 "form: its index is built under ACCESS EXCLUSIVE (reads and "
                                 "writes wait) — quick on a small table, a maintenance window "
                                 "on a big one"))
    return drops, adds


def persistence_steps(o: Table, t: Table) -> list[Step]:
    if o.unlogged == t.unlogged:
        return []
    def to(x: Table) -> str:
        return _alter(x, "SET UNLOGGED" if x.unlogged else "SET LOGGED")
    return [Step(f"{t.name}: {'UNLOGGED' if t.unlogged else 'LOGGED'}", (to(t),), (to(o),),
                 why="rewrites the table under ACCESS EXCLUSIVE (reads and writes wait); "
                     "SET LOGGED also writes the whole table to the WAL")]


def _option_keys(opts: tuple[str, ...]) -> dict[str, str]:
    return {x.split("=", 1)[0].strip(): x for x in opts}


def options_steps(o: Table, t: Table) -> list[Step]:
    if o.options == t.options:
        return []
    target = f"TABLE {rel(t.schema, t.name)}"
    return [Step(f"storage options of {t.name}", _set_options(target, o.options, t.options),
                 _set_options(target, t.options, o.options),
                 why="applies to pages written from now on; no rewrite")]


def index_shape(i: Index) -> Index:
    """What rebuilding an index is needed for: its comment and storage options aside."""
    return replace(i, comment=None, options=())


def _set_options(target: str, src: tuple[str, ...], dst: tuple[str, ...]) -> tuple[str, ...]:
    """ALTER statements (``target`` is ``TABLE x`` or ``INDEX x``) from ``src`` to ``dst``."""
    a, b = _option_keys(src), _option_keys(dst)
    out = []
    if gone := [k for k in a if k not in b]:
        out.append(f"ALTER {target} RESET ({', '.join(gone)});")
    if b and a != b:
        out.append(f"ALTER {target} SET ({', '.join(b.values())});")
    return tuple(out)


def index_option_steps(o: Table, t: Table) -> list[Step]:
    """Storage options of an index that is otherwise unchanged, set in place."""
    had = {i.name: i for i in o.indexes}
    steps = []
    for i in t.indexes:
        old = had.get(i.name)
        if old is not None and index_shape(old) == index_shape(i) and old.options != i.options:
            target = f"INDEX {rel(t.schema, i.name)}"
            steps.append(Step(f"storage options of index {i.name}",
                              _set_options(target, old.options, i.options),
                              _set_options(target, i.options, old.options),
                              why="applies to pages written from now on; no rebuild"))
    return steps


def partition_bound_steps(o: Table, t: Table) -> list[Step]:
    if o.partition_of is None or o.partition_bound == t.partition_bound:
        return []
    parent = rel(t.schema, t.partition_of or "")
    detach = f"ALTER TABLE {parent} DETACH PARTITION {rel(t.schema, t.name)};"

    def attach(x: Table) -> str:
        if x.columns:
            return attach_partition_sql(x)[0]
        return f"ALTER TABLE {parent} ATTACH PARTITION {rel(x.schema, x.name)} {x.partition_bound};"
    return [Step(f"partition {t.name}: {o.partition_bound} -> {t.partition_bound}",
                 (detach, attach(t)), (detach, attach(o)),
                 why="DETACH and ATTACH in one transaction, so there is no moment without the "
                     "partition; the parent is locked (ACCESS EXCLUSIVE) until ATTACH has "
                     "scanned the partition, and the DEFAULT partition if there is one, for "
                     "rows outside the new bound")]
