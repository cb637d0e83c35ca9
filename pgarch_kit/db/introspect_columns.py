"""Introspection of column details: the identity sequence's options, storage, compression,
statistics target and attribute options, and the NOT NULL constraint (PostgreSQL 18 catalogs
it as a named constraint, contype ``n``).

Names are kept only where the kit's DDL would not reproduce them: an identity sequence named
``<table>_<column>_seq`` and a NOT NULL constraint named as PostgreSQL names it (or, for a
column that comes from a parent, as the parent's) read back as ``None``, so a design holds
what someone chose, not what PostgreSQL chose (:func:`reduce_names`).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..model.default_names import identity_sequence_name, not_null_names
from ..model.design import Design, IdentityOptions, Table
from ..model.graph import table_order
from .introspect_common import Ctx
from .introspect_types import sequence_defaults

__all__ = ["column_details", "reduce_names"]

_STORAGE = {"p": "plain", "e": "external", "x": "extended", "m": "main"}
_COMPRESSION = {"p": "pglz", "l": "lz4"}


def column_details(ctx: Ctx, oids: list[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """``{(relation oid, attnum): Column keyword arguments}`` for columns with any detail."""
    out: dict[tuple[int, int], dict[str, Any]] = {}
    if not oids:
        return out
    compression = "a.attcompression" if ctx.version >= 140000 else "''::\"char\""
    for rel, num, storage, comp, target, options in ctx.rows(f"""
            SELECT a.attrelid, a.attnum,
                   CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END,
                   {compression}, a.attstattarget, a.attoptions
            FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
              AND (a.attstorage <> t.typstorage OR {compression} IN ('p', 'l')
                   OR a.attstattarget >= 0 OR a.attoptions IS NOT NULL)""", [oids]):
        kw = out.setdefault((rel, num), {})
        if storage:
            kw["storage"] = _STORAGE[storage]
        if comp in _COMPRESSION:
            kw["compression"] = _COMPRESSION[comp]
        if target is not None and target >= 0:  # -1 (before 17) or NULL: the default
            kw["statistics"] = target
        if options:
            kw["options"] = tuple(options)
    for rel, num, seq, dtype, start, inc, smin, smax, cache, cycle, comment in ctx.rows("""
            SELECT d.refobjid, d.refobjsubid, sc.relname,
                   pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                   s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                   pg_catalog.obj_description(sc.oid, 'pg_class')
            FROM pg_catalog.pg_depend d
            JOIN pg_catalog.pg_class sc ON sc.oid = d.objid
            JOIN pg_catalog.pg_sequence s ON s.seqrelid = sc.oid
            WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'i'
              AND d.refobjid = ANY(%s) AND d.refobjsubid > 0""", [oids]):
        lo, hi = sequence_defaults(dtype, inc)
        opts = IdentityOptions(
            sequence=seq, start=None if start == (lo if inc > 0 else hi) else start,
            increment=inc, min_value=None if smin == lo else smin,
            max_value=None if smax == hi else smax, cache=cache, cycle=cycle, comment=comment)
        out.setdefault((rel, num), {})["identity_options"] = opts
    if ctx.version >= 180000:
        for rel, num, name, no_inherit, valid, comment in ctx.rows("""
                SELECT c.conrelid, c.conkey[1], c.conname, c.connoinherit, c.convalidated,
                       pg_catalog.obj_description(c.oid, 'pg_constraint')
                FROM pg_catalog.pg_constraint c
                WHERE c.contype = 'n' AND c.conrelid = ANY(%s)""", [oids]):
            kw = out.setdefault((rel, num), {})
            kw.update(not_null_name=name, not_null_no_inherit=no_inherit,
                      not_null_not_valid=not valid, not_null_comment=comment)
    return out


def _without_default_sequence(t: Table) -> Table:
    cols = []
    for c in t.columns:
        opts = c.identity_options
        if opts is not None and opts.sequence == identity_sequence_name(t, c.name):
            opts = replace(opts, sequence=None)
        if opts == IdentityOptions():
            opts = None
        cols.append(replace(c, identity_options=opts) if opts != c.identity_options else c)
    return replace(t, columns=tuple(cols))


def _named(t: Table, names: dict[str, str | None]) -> Table:
    return replace(t, columns=tuple(replace(c, not_null_name=names.get(c.name))
                                    if c.not_null_name != names.get(c.name) else c
                                    for c in t.columns))


def reduce_names(ctx: Ctx, tables: tuple[Table, ...]) -> tuple[Table, ...]:
    """The tables with identity-sequence and NOT NULL names that the DDL reproduces by itself
    set to ``None`` (see the module documentation)."""
    tables = tuple(_without_default_sequence(t) for t in tables)
    if ctx.version < 180000:
        return tables
    done: dict[tuple[str, str], Table] = {}
    # PostgreSQL avoids every constraint name the schema holds when it names one, so the
    # names are predicted in the order the DDL creates the tables
    reserved: dict[str, set[str]] = {}
    for t in table_order(Design("", tables=tables)):  # parents before children
        actual = {c.name: c.not_null_name for c in t.columns if c.not_null_name is not None}
        taken = frozenset(reserved.setdefault(t.schema, set()))
        reserved[t.schema] |= {n for n in _constraint_names(t) if n} | set(actual.values())
        if not actual:
            done[t.key] = t
            continue
        kin = _ancestors(t, done)
        cleared = _named(t, {})
        predicted = not_null_names(Design("", tables=(cleared, *kin)), cleared, taken)
        reduced = _named(t, {c: (None if predicted.get(c) == n else n)
                             for c, n in actual.items()})
        check = not_null_names(Design("", tables=(reduced, *kin)), reduced, taken)
        done[t.key] = reduced if all(check.get(c) == n for c, n in actual.items()) else t
    return tuple(done[t.key] for t in tables)


def _constraint_names(t: Table) -> list[str | None]:
    pk = [t.primary_key.name] if t.primary_key is not None else []
    return pk + [c.name for c in (*t.uniques, *t.checks, *t.exclusions, *t.foreign_keys)]


def _ancestors(t: Table, done: dict[tuple[str, str], Table]) -> list[Table]:
    """Partition and INHERITS ancestors already reduced (the design order puts them first)."""
    out: list[Table] = []
    todo = [*([t.partition_parent] if t.partition_parent else []), *t.parent_keys]
    seen: set[tuple[str, str]] = set()
    while todo:
        key = todo.pop()
        if key in seen or key not in done:
            continue
        seen.add(key)
        parent = done[key]
        out.append(parent)
        todo += [*([parent.partition_parent] if parent.partition_parent else []),
                 *parent.parent_keys]
    return out
