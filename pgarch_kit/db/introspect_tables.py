"""Introspection of tables: columns, keys, checks, foreign keys, partitioning, inheritance
and RLS. Column details (identity sequence options, storage settings, NOT NULL constraint
names) are read by :mod:`pgarch_kit.db.introspect_columns`."""
from __future__ import annotations

from dataclasses import replace

from ..model.design import (
    Check,
    Column,
    ForeignKey,
    PartitionBy,
    Policy,
    PrimaryKey,
    Table,
    TableRef,
    Unique,
)
from .introspect_columns import column_details, reduce_names
from .introspect_common import Ctx, not_extension_member, parenthesise, split_top_level
from .introspect_indexes import read_exclusions, read_index_keys, read_indexes
from .introspect_types import collation_name_sql

__all__ = ["read_tables"]

_FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL",
               "d": "SET DEFAULT"}
_POLCMD = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
_STRATEGY = {"r": "range", "l": "list", "h": "hash"}


def _columns(ctx: Ctx, oids: list[int]) -> dict[int, list[Column]]:
    sql = f"""
        SELECT a.attrelid, a.attnum, a.attname,
               pg_catalog.format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity,
               a.attgenerated,
               CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                    THEN {collation_name_sql('a.attcollation')} END,
               pg_catalog.col_description(a.attrelid, a.attnum),
               NOT a.attislocal AND NOT rc.relispartition
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class rc ON rc.oid = a.attrelid
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum"""
    details = column_details(ctx, oids)
    out: dict[int, list[Column]] = {}
    for rel, num, name, typ, notnull, default, ident, gen, coll, comment, inherited in \
            ctx.rows(sql, [oids]):
        generated = default if gen in ("s", "v") else None
        out.setdefault(rel, []).append(Column(
            name=name, type=typ, nullable=not notnull,
            default=None if generated is not None else default,
            identity={"a": "always", "d": "by default"}.get(ident or ""),
            generated=generated, generated_kind="virtual" if gen == "v" else "stored",
            collation=coll, comment=comment, inherited=inherited,
            **details.get((rel, num), {})))
    return out


def _constraints(ctx: Ctx, oids: list[int]) -> dict[int, dict[str, list]]:
    """PK, uniques, checks and FKs per table; inherited ones (from a partitioned parent or
    through inheritance) are left out because PostgreSQL recreates them."""
    nnd = "i.indnullsnotdistinct" if ctx.version >= 150000 else "false"
    pg18 = ctx.version >= 180000
    enforced = "c.conenforced" if pg18 else "true"
    period = "c.conperiod" if pg18 else "false"
    sql = f"""
        SELECT c.conrelid, c.contype, c.conname, c.conindid, c.condeferrable, c.condeferred,
               CASE WHEN c.contype = 'c' THEN pg_catalog.pg_get_expr(c.conbin, c.conrelid) END,
               c.connoinherit, {nnd},
               ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                     JOIN pg_catalog.pg_attribute a
                       ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o),
               rn.nspname, rc.relname,
               ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                     JOIN pg_catalog.pg_attribute a
                       ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o),
               c.confdeltype, c.confupdtype, c.confmatchtype,
               c.convalidated, {enforced}, {period},
               pg_catalog.obj_description(c.oid, 'pg_constraint')
        FROM pg_catalog.pg_constraint c
        JOIN pg_catalog.pg_class tc ON tc.oid = c.conrelid
        LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid AND c.contype IN ('p', 'u')
        LEFT JOIN pg_catalog.pg_class rc ON rc.oid = c.confrelid AND c.contype = 'f'
        LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
        WHERE c.conrelid = ANY(%s) AND c.contype IN ('p', 'u', 'c', 'f')
          AND c.conparentid = 0 AND c.conislocal
          AND (c.coninhcount = 0 OR NOT tc.relispartition)
        ORDER BY c.conname"""
    found = ctx.rows(sql, [oids])
    keys = read_index_keys(ctx, [r[3] for r in found if r[1] in ("p", "u")])
    out: dict[int, dict[str, list]] = {}
    for (rel, typ, name, idx, deferrable, deferred, check, noinherit, nnd_, cols, rschema,
         rtable, rcols, deltype, updtype, matchtype, validated, enforced_, period_,
         comment) in found:
        bucket = out.setdefault(rel, {"p": [], "u": [], "c": [], "f": []})
        # a NOT ENFORCED constraint is never validated: that is not NOT VALID
        not_valid = not validated and enforced_
        if typ in ("p", "u"):
            ks = keys.get(idx, [])
            key_cols = tuple(k.text for k in ks if k.is_key) or tuple(cols)
            include = tuple(k.text for k in ks if not k.is_key)
            if typ == "p":
                bucket["p"].append(PrimaryKey(columns=key_cols, name=name, include=include,
                                              deferrable=deferrable,
                                              initially_deferred=deferred,
                                              without_overlaps=period_, comment=comment))
            else:
                bucket["u"].append(Unique(columns=key_cols, name=name,
                                          nulls_not_distinct=bool(nnd_), include=include,
                                          deferrable=deferrable, initially_deferred=deferred,
                                          without_overlaps=period_, comment=comment))
        elif typ == "c":
            bucket["c"].append(Check(expression=check, name=name, no_inherit=noinherit,
                                     not_valid=not_valid, enforced=enforced_,
                                     comment=comment))
        else:
            bucket["f"].append(ForeignKey(
                columns=tuple(cols), ref_table=rtable, ref_columns=tuple(rcols),
                ref_schema=rschema, name=name, on_delete=_FK_ACTIONS[deltype],
                on_update=_FK_ACTIONS[updtype], match="FULL" if matchtype == "f" else "SIMPLE",
                deferrable=deferrable, initially_deferred=deferred, period=period_,
                not_valid=not_valid, enforced=enforced_, comment=comment))
    return out


def _partition_by(ctx: Ctx, oids: list[int]) -> dict[int, PartitionBy]:
    sql = """
        SELECT p.partrelid, p.partstrat,
               ARRAY(SELECT COALESCE(a.attname::text, '')
                     FROM unnest(p.partattrs::int2[]) WITH ORDINALITY k(n, o)
                     LEFT JOIN pg_catalog.pg_attribute a
                            ON a.attrelid = p.partrelid AND a.attnum = k.n AND k.n <> 0
                     ORDER BY k.o),
               pg_catalog.pg_get_expr(p.partexprs, p.partrelid)
        FROM pg_catalog.pg_partitioned_table p WHERE p.partrelid = ANY(%s)"""
    out = {}
    for rel, strat, attrs, exprs in ctx.rows(sql, [oids]):
        pending = split_top_level(exprs) if exprs else []
        keys = [a if a else parenthesise(pending.pop(0)) for a in attrs]
        out[rel] = PartitionBy(strategy=_STRATEGY[strat], keys=tuple(keys))
    return out


def _policies(ctx: Ctx, oids: list[int]) -> dict[int, list[Policy]]:
    sql = """
        SELECT p.polrelid, p.polname, p.polcmd, p.polpermissive,
               ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE ro.rolname::text END
                     FROM unnest(p.polroles) AS r(oid)
                     LEFT JOIN pg_catalog.pg_roles ro ON ro.oid = r.oid ORDER BY 1),
               pg_catalog.pg_get_expr(p.polqual, p.polrelid),
               pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
               pg_catalog.obj_description(p.oid, 'pg_policy')
        FROM pg_catalog.pg_policy p WHERE p.polrelid = ANY(%s) ORDER BY p.polname"""
    out: dict[int, list[Policy]] = {}
    for rel, name, cmd, permissive, roles, using, check, comment in ctx.rows(sql, [oids]):
        out.setdefault(rel, []).append(Policy(
            name=name, command=_POLCMD[cmd], permissive=permissive, roles=tuple(roles),
            using=using, with_check=check, comment=comment))
    return out


def read_tables(ctx: Ctx) -> tuple[Table, ...]:
    """Ordinary and partitioned tables (relkind r, p), ordered by schema and name."""
    sql = f"""
        SELECT c.oid, n.nspname, c.relname, c.relpersistence = 'u', c.reloptions,
               c.relrowsecurity, c.relforcerowsecurity,
               pg_catalog.obj_description(c.oid, 'pg_class'),
               (SELECT pc.relname FROM pg_catalog.pg_inherits inh
                JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
                WHERE inh.inhrelid = c.oid AND c.relispartition LIMIT 1),
               (SELECT inh.inhparent FROM pg_catalog.pg_inherits inh
                WHERE inh.inhrelid = c.oid AND c.relispartition LIMIT 1),
               CASE WHEN c.relispartition
                    THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
               (SELECT pn.nspname FROM pg_catalog.pg_inherits inh
                JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
                JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                WHERE inh.inhrelid = c.oid AND c.relispartition LIMIT 1),
               ARRAY(SELECT ARRAY[pn.nspname::text, pc.relname::text]
                     FROM pg_catalog.pg_inherits inh
                     JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent
                     JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                     WHERE inh.inhrelid = c.oid AND NOT c.relispartition
                     ORDER BY inh.inhseqno)
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND {ctx.nsp()}
          AND {not_extension_member('pg_class', 'c.oid')}
        ORDER BY n.nspname, c.relname"""
    found = ctx.rows(sql)
    oids = [r[0] for r in found]
    columns = _columns(ctx, oids)
    cons = _constraints(ctx, oids)
    parts = _partition_by(ctx, oids)
    policies = _policies(ctx, oids)
    indexes = read_indexes(ctx, oids)
    exclusions = read_exclusions(ctx, oids)
    parent_cols = dict(columns)
    if any(r[9] and r[9] not in parent_cols for r in found):  # parent outside the filter
        parent_cols.update(_columns(ctx, [r[9] for r in found if r[9]]))
    tables = []
    for (oid, schema, name, unlogged, opts, rls, force, comment, parent, parent_oid, bound,
         parent_schema, inherits) in found:
        b = cons.get(oid, {"p": [], "u": [], "c": [], "f": []})
        cols = tuple(columns.get(oid, ()))
        if parent_oid is not None and _same_columns(cols, parent_cols.get(parent_oid, ())):
            cols = ()  # same as the parent's: CREATE TABLE ... PARTITION OF can be used
        fks = tuple(replace(fk, ref_schema=None) if fk.ref_schema == schema else fk
                    for fk in b["f"])
        tables.append(Table(
            name=name, schema=schema, columns=cols,
            primary_key=b["p"][0] if b["p"] else None, uniques=tuple(b["u"]),
            checks=tuple(b["c"]), foreign_keys=fks,
            exclusions=exclusions.get(oid, ()), indexes=indexes.get(oid, ()),
            partition_by=parts.get(oid), partition_of=parent, partition_bound=bound,
            rls_enabled=rls, rls_forced=force, policies=tuple(policies.get(oid, ())),
            unlogged=unlogged, options=tuple(opts or ()), comment=comment,
            partition_of_schema=parent_schema if parent_schema not in (None, schema) else None,
            inherits=tuple(TableRef(pn, None if ps == schema else ps) for ps, pn in inherits)))
    return reduce_names(ctx, tuple(tables))



def _same_columns(child: tuple[Column, ...], parent: list[Column] | tuple[Column, ...]) -> bool:
    """A partition's columns are what ``PARTITION OF`` gives it: the parent's (names in order,
    types, defaults, nullability, identity, generation, collation, storage, compression and
    NOT NULL constraint names), with no column comments, statistics targets or attribute
    options of its own (those are not copied), and the identity sequence the parent's."""
    if len(child) != len(parent) or any(c.comment for c in child):
        return False
    return all(replace(c, identity_options=None) ==
               replace(p, comment=None, statistics=None, options=(), identity_options=None)
               for c, p in zip(child, parent))
