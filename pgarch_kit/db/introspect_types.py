"""Introspection of schemas, extensions, enums, domains, composite types and sequences."""
from __future__ import annotations

from ..model.design import CompositeType, Domain, DomainCheck, EnumType, Extension, Schema, Sequence
from .introspect_common import Ctx, not_extension_member

__all__ = [
    "collation_name_sql",
    "reference_sql",
    "read_composites",
    "read_domains",
    "read_enums",
    "read_extensions",
    "read_schemas",
    "read_sequences",
    "sequence_defaults",
]


def reference_sql(nsp: str, name: str) -> str:
    """SQL giving a reference to an object as the model keeps it: ``name`` in pg_catalog and
    public, else ``schema.name``; unquoted, unless a part holds a dot or a double quote — then
    the whole reference is written as SQL (``app."a.b"``), which the renderers keep as is."""
    odd = f"({nsp} ~ '[.\"]' OR {name} ~ '[.\"]')"
    return (f"CASE WHEN {nsp} IN ('pg_catalog', 'public') THEN "
            f"CASE WHEN {odd} THEN pg_catalog.quote_ident({name}) ELSE {name}::text END "
            f"WHEN {odd} THEN pg_catalog.quote_ident({nsp}) || '.' || "
            f"pg_catalog.quote_ident({name}) ELSE {nsp} || '.' || {name} END")


def collation_name_sql(oid_expr: str) -> str:
    """SQL giving a collation's name, schema-qualified unless it lives in pg_catalog/public
    (see :func:`reference_sql`)."""
    return (f"(SELECT {reference_sql('cn.nspname', 'co.collname')} "
            f"FROM pg_catalog.pg_collation co "
            f"JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace "
            f"WHERE co.oid = {oid_expr})")


def read_schemas(ctx: Ctx) -> tuple[Schema, ...]:
    sql = f"""
        SELECT n.nspname, pg_catalog.obj_description(n.oid, 'pg_namespace')
        FROM pg_catalog.pg_namespace n
        WHERE {ctx.nsp()} AND n.nspname <> 'public'
          AND {not_extension_member('pg_namespace', 'n.oid')}
        ORDER BY n.nspname"""
    return tuple(Schema(name, comment) for name, comment in ctx.rows(sql))


def read_extensions(ctx: Ctx) -> tuple[Extension, ...]:
    # a comment is kept only where it is not the one the extension's install script sets
    sql = """
        SELECT e.extname, n.nspname,
               NULLIF(pg_catalog.obj_description(e.oid, 'pg_extension'),
                      (SELECT a.comment FROM pg_catalog.pg_available_extensions a
                       WHERE a.name = e.extname))
        FROM pg_catalog.pg_extension e
        JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname <> 'plpgsql' ORDER BY e.extname"""
    return tuple(Extension(name, schema, comment) for name, schema, comment in ctx.rows(sql))


def _user_types(ctx: Ctx, typtype: str) -> str:
    return f"""
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE t.typtype = '{typtype}' AND {ctx.nsp()}
          AND {not_extension_member('pg_type', 't.oid')}"""


def read_enums(ctx: Ctx) -> tuple[EnumType, ...]:
    sql = f"""
        SELECT n.nspname, t.typname,
               ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid
                     ORDER BY e.enumsortorder),
               pg_catalog.obj_description(t.oid, 'pg_type')
        {_user_types(ctx, 'e')}
        ORDER BY n.nspname, t.typname"""
    return tuple(EnumType(name=name, values=tuple(vals), schema=schema, comment=comment)
                 for schema, name, vals, comment in ctx.rows(sql))


def read_domains(ctx: Ctx) -> tuple[Domain, ...]:
    sql = f"""
        SELECT t.oid, n.nspname, t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod),
               t.typnotnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0),
               CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
                    THEN {collation_name_sql('t.typcollation')} END,
               pg_catalog.obj_description(t.oid, 'pg_type')
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
        WHERE t.typtype = 'd' AND {ctx.nsp()} AND {not_extension_member('pg_type', 't.oid')}
        ORDER BY n.nspname, t.typname"""
    checks: dict[int, list[DomainCheck]] = {}
    for typ, name, expr, valid, comment in ctx.rows("""
            SELECT c.contypid, c.conname, pg_catalog.pg_get_expr(c.conbin, 0), c.convalidated,
                   pg_catalog.obj_description(c.oid, 'pg_constraint')
            FROM pg_catalog.pg_constraint c WHERE c.contypid <> 0 AND c.contype = 'c'
            ORDER BY c.conname"""):
        checks.setdefault(typ, []).append(DomainCheck(expression=expr, name=name,
                                                      not_valid=not valid, comment=comment))
    return tuple(
        Domain(name=name, type=base, schema=schema, not_null=notnull, default=default,
               checks=tuple(checks.get(oid, ())), collation=coll, comment=comment)
        for oid, schema, name, base, notnull, default, coll, comment in ctx.rows(sql))


def read_composites(ctx: Ctx) -> tuple[CompositeType, ...]:
    sql = f"""
        SELECT n.nspname, t.typname,
               ARRAY(SELECT ARRAY[a.attname::text,
                                  pg_catalog.format_type(a.atttypid, a.atttypmod)]
                     FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                     ORDER BY a.attnum),
               pg_catalog.obj_description(t.oid, 'pg_type'),
               ARRAY(SELECT ARRAY[a.attname::text, d.description]
                     FROM pg_catalog.pg_attribute a
                     JOIN pg_catalog.pg_description d ON d.objoid = a.attrelid
                      AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
                     WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
                     ORDER BY a.attnum)
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_catalog.pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
        WHERE t.typtype = 'c' AND {ctx.nsp()} AND {not_extension_member('pg_type', 't.oid')}
        ORDER BY n.nspname, t.typname"""
    return tuple(CompositeType(name=name, attributes=tuple((a, b) for a, b in attrs),
                               schema=schema, comment=comment,
                               attribute_comments=tuple((a, c) for a, c in notes))
                 for schema, name, attrs, comment, notes in ctx.rows(sql))


_TYPE_LIMITS = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647),
                "bigint": (-9223372036854775808, 9223372036854775807)}


def sequence_defaults(data_type: str, increment: int) -> tuple[int, int]:
    """(MINVALUE, MAXVALUE) PostgreSQL gives a sequence of ``data_type`` counting in the
    direction of ``increment`` when none is named."""
    lo, hi = _TYPE_LIMITS.get(data_type, _TYPE_LIMITS["bigint"])
    return (1, hi) if increment > 0 else (lo, -1)


def read_sequences(ctx: Ctx) -> tuple[Sequence, ...]:
    """Sequences that are not identity sequences (those belong to their column)."""
    sql = f"""
        SELECT n.nspname, c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart,
               s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
               (SELECT ARRAY[tc.relname::text, a.attname::text]
                FROM pg_catalog.pg_depend d
                JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
                JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid
                     AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'a'
                  AND d.refobjsubid > 0 LIMIT 1),
               pg_catalog.obj_description(c.oid, 'pg_class')
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
        WHERE c.relkind = 'S' AND {ctx.nsp()} AND {not_extension_member('pg_class', 'c.oid')}
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_class'::regclass
                            AND d.objid = c.oid AND d.deptype = 'i')
        ORDER BY n.nspname, c.relname"""
    out = []
    for schema, name, dtype, start, inc, smin, smax, cache, cycle, owned, comment in \
            ctx.rows(sql):
        default_min, default_max = sequence_defaults(dtype, inc)
        out.append(Sequence(
            name=name, schema=schema, data_type=dtype, start=start, increment=inc,
            min_value=None if smin == default_min else smin,
            max_value=None if smax == default_max else smax,
            cache=cache, cycle=cycle, owned_by=tuple(owned) if owned else None,
            comment=comment))
    return tuple(out)
