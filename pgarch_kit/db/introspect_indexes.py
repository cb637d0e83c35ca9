"""Introspection of indexes (not backing a constraint) and exclusion constraints."""
from __future__ import annotations

from dataclasses import dataclass

from ..model.design import Exclusion, ExclusionElement, Index, IndexKey
from .introspect_common import Ctx, parenthesise
from .introspect_types import collation_name_sql

__all__ = ["KeyInfo", "read_exclusions", "read_index_keys", "read_indexes"]


@dataclass(frozen=True)
class KeyInfo:
    attnum: int            # 0 for an expression
    text: str              # column name (unquoted) or expression text
    opclass: str | None    # only when not the default for the type and method
    # only when not the column's (type's) collation; for an expression, not its type's nor
    # the database default (100): an opclass that stores another type (gin_trgm_ops keeps
    # int4 trigrams) must not make the expression's own collation look explicit
    collation: str | None
    option: int            # indoption bits: 1 DESC, 2 NULLS FIRST
    is_key: bool           # False for INCLUDE columns
    statistics: int | None = None  # ALTER INDEX … SET STATISTICS (expression keys)


def read_index_keys(ctx: Ctx, index_oids: list[int]) -> dict[int, list[KeyInfo]]:
    """Per index OID, its key and INCLUDE columns in order."""
    if not index_oids:
        return {}
    sql = f"""
        SELECT i.indexrelid, k.ord, k.attnum, a.attname,
               pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true),
               CASE WHEN opc.oid IS NULL THEN NULL
                    WHEN opc.opcdefault AND (opc.opcintype = kt.oid OR NOT EXISTS (
                         SELECT 1 FROM pg_catalog.pg_opclass o2
                         WHERE o2.opcmethod = opc.opcmethod AND o2.opcdefault
                           AND o2.opcintype = kt.oid)) THEN NULL
                    WHEN ocn.nspname IN ('pg_catalog', 'public') THEN opc.opcname
                    ELSE ocn.nspname || '.' || opc.opcname END,
               CASE WHEN ic.coll IS NOT NULL AND ic.coll <> 0
                         AND ic.coll <> COALESCE(a.attcollation, NULLIF(ixt.typcollation, 0),
                                                 100)
                    THEN {collation_name_sql('ic.coll')} END,
               COALESCE(i.indoption[k.ord::int - 1], 0), k.ord <= i.indnkeyatts,
               CASE WHEN ia.attstattarget >= 0 THEN ia.attstattarget END
        FROM pg_catalog.pg_index i
        CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
        LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
        JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = k.ord
        JOIN pg_catalog.pg_type ixt ON ixt.oid = ia.atttypid
        CROSS JOIN LATERAL (SELECT CASE WHEN k.ord <= i.indnkeyatts
                                        THEN i.indcollation[k.ord::int - 1] END AS coll,
                                   CASE WHEN k.ord <= i.indnkeyatts
                                        THEN i.indclass[k.ord::int - 1] END AS cls) AS ic
        LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = ic.cls
        LEFT JOIN pg_catalog.pg_namespace ocn ON ocn.oid = opc.opcnamespace
        LEFT JOIN pg_catalog.pg_type kt0 ON kt0.oid = COALESCE(a.atttypid, ia.atttypid)
        LEFT JOIN pg_catalog.pg_type kt
               ON kt.oid = CASE WHEN kt0.typtype = 'd' THEN kt0.typbasetype ELSE kt0.oid END
        WHERE i.indexrelid = ANY(%s)
        ORDER BY i.indexrelid, k.ord"""
    out: dict[int, list[KeyInfo]] = {}
    for idx, _ord, attnum, attname, text, opclass, coll, option, is_key, stats in \
            ctx.rows(sql, [index_oids]):
        out.setdefault(idx, []).append(KeyInfo(
            attnum=attnum, text=attname if attnum else text, opclass=opclass,
            collation=coll, option=option or 0, is_key=is_key, statistics=stats))
    return out


def _index_key(k: KeyInfo) -> IndexKey:
    desc = bool(k.option & 1)
    nf = bool(k.option & 2)
    return IndexKey(column=k.text, expression=k.attnum == 0, opclass=k.opclass,
                    collation=k.collation, descending=desc,
                    nulls_first=None if nf == desc else nf, statistics=k.statistics)


def read_indexes(ctx: Ctx, rel_oids: list[int]) -> dict[int, tuple[Index, ...]]:
    """Indexes of the given tables/materialized views that back no constraint and are not
    partitions of a parent's index; ordered by name."""
    if not rel_oids:
        return {}
    nnd = "i.indnullsnotdistinct" if ctx.version >= 150000 else "false"
    sql = f"""
        SELECT i.indrelid, i.indexrelid, ic.relname, am.amname, i.indisunique, {nnd},
               pg_catalog.pg_get_expr(i.indpred, i.indrelid), ic.reloptions,
               pg_catalog.obj_description(i.indexrelid, 'pg_class')
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        WHERE i.indrelid = ANY(%s) AND NOT ic.relispartition
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                            AND c.contype IN ('p', 'u', 'x'))
        ORDER BY ic.relname"""
    found = ctx.rows(sql, [rel_oids])
    keys = read_index_keys(ctx, [r[1] for r in found])
    out: dict[int, list[Index]] = {}
    for rel, idx, name, method, unique, nnd_, where, opts, comment in found:
        ks = keys.get(idx, [])
        out.setdefault(rel, []).append(Index(
            name=name, keys=tuple(_index_key(k) for k in ks if k.is_key), method=method,
            unique=unique, nulls_not_distinct=bool(nnd_),
            include=tuple(k.text for k in ks if not k.is_key), where=where,
            options=tuple(opts or ()), comment=comment))
    return {rel: tuple(v) for rel, v in out.items()}


def read_exclusions(ctx: Ctx, rel_oids: list[int]) -> dict[int, tuple[Exclusion, ...]]:
    """Exclusion constraints declared on the given tables (not inherited from a parent)."""
    if not rel_oids:
        return {}
    sql = """
        SELECT c.conrelid, c.conindid, c.conname, am.amname,
               ARRAY(SELECT o.oprname::text FROM unnest(c.conexclop) WITH ORDINALITY x(op, n)
                     JOIN pg_catalog.pg_operator o ON o.oid = x.op ORDER BY x.n),
               pg_catalog.pg_get_expr(i.indpred, i.indrelid), c.condeferrable,
               c.condeferred, pg_catalog.obj_description(c.oid, 'pg_constraint')
        FROM pg_catalog.pg_constraint c
        JOIN pg_catalog.pg_index i ON i.indexrelid = c.conindid
        JOIN pg_catalog.pg_class ic ON ic.oid = c.conindid
        JOIN pg_catalog.pg_am am ON am.oid = ic.relam
        WHERE c.contype = 'x' AND c.conrelid = ANY(%s) AND c.conparentid = 0
        ORDER BY c.conname"""
    found = ctx.rows(sql, [rel_oids])
    keys = read_index_keys(ctx, [r[1] for r in found])
    out: dict[int, list[Exclusion]] = {}
    for rel, idx, name, method, ops, where, deferrable, deferred, comment in found:
        ks = keys.get(idx, [])
        elements = tuple(
            ExclusionElement(expression=k.text if k.attnum else parenthesise(k.text), operator=op,
                             opclass=k.opclass)
            for k, op in zip([k for k in ks if k.is_key], ops))
        out.setdefault(rel, []).append(Exclusion(
            elements=elements, name=name, using=method,
            include=tuple(k.text for k in ks if not k.is_key), where=where,
            deferrable=deferrable, initially_deferred=deferred, comment=comment))
    return {rel: tuple(v) for rel, v in out.items()}
