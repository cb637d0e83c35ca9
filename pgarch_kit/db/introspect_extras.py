"""Introspection of collations, range types, text search dictionaries and configurations, casts
and rules (:mod:`pgarch_kit.model.objects`).

What PostgreSQL makes by itself is left out: a range type's multirange type, constructor
functions and range→multirange cast (internal dependencies of the range), views' ``_RETURN``
rules, and everything that belongs to an extension.
"""
from __future__ import annotations

from ..model.objects import (
    Cast,
    Collation,
    RangeType,
    Rule,
    TextSearchConfiguration,
    TextSearchDictionary,
    default_multirange_name,
)
from .introspect_common import Ctx, not_extension_member, split_top_level
from .introspect_types import collation_name_sql, reference_sql

__all__ = ["read_casts", "read_collations", "read_ranges", "read_rules",
           "read_ts_configurations", "read_ts_dictionaries"]

_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


def _qualified(nsp: str, name: str) -> str:
    """A name as the model keeps references (:func:`introspect_types.reference_sql`)."""
    return reference_sql(nsp, name)


def read_collations(ctx: Ctx) -> tuple[Collation, ...]:
    if ctx.version >= 170000:
        locale = "c.colllocale"
    elif ctx.version >= 150000:
        locale = "c.colliculocale"
    else:
        locale = "NULL::text"
    rules = "c.collicurules" if ctx.version >= 160000 else "NULL::text"
    sql = f"""
        SELECT n.nspname, c.collname, c.collprovider::text, c.collisdeterministic,
               c.collcollate, c.collctype, {locale}, {rules},
               pg_catalog.obj_description(c.oid, 'pg_collation')
        FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
        WHERE {ctx.nsp()} AND {not_extension_member('pg_collation', 'c.oid')}
        ORDER BY n.nspname, c.collname"""
    out = []
    for schema, name, prov, det, collate, ctype, locale_, rules_, comment in ctx.rows(sql):
        provider = _PROVIDERS.get(prov, "libc")
        if provider == "libc":
            same = collate == ctype
            kw = {"locale": collate if same else None,
                  "lc_collate": None if same else collate, "lc_ctype": None if same else ctype}
        else:
            kw = {"locale": locale_}
        out.append(Collation(name=name, schema=schema, provider=provider,  # type: ignore[arg-type]
                             deterministic=det, rules=rules_, comment=comment, **kw))
    return tuple(out)


def read_ranges(ctx: Ctx) -> tuple[RangeType, ...]:
    multi = ("mt.typname::text, mn.nspname::text" if ctx.version >= 140000
             else "NULL::text, NULL::text")
    join = ("LEFT JOIN pg_catalog.pg_type mt ON mt.oid = r.rngmultitypid "
            "LEFT JOIN pg_catalog.pg_namespace mn ON mn.oid = mt.typnamespace"
            if ctx.version >= 140000 else "")
    sql = f"""
        SELECT n.nspname, t.typname, pg_catalog.format_type(r.rngsubtype, NULL),
               CASE WHEN NOT opc.opcdefault THEN {_qualified('ocn.nspname', 'opc.opcname')} END,
               CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                    THEN {collation_name_sql('r.rngcollation')} END,
               NULLIF(r.rngcanonical, 0)::regproc::text, NULLIF(r.rngsubdiff, 0)::regproc::text,
               {multi}, pg_catalog.obj_description(t.oid, 'pg_type')
        FROM pg_catalog.pg_range r
        JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
        JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
        JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
        JOIN pg_catalog.pg_namespace ocn ON ocn.oid = opc.opcnamespace
        {join}
        WHERE {ctx.nsp()} AND {not_extension_member('pg_type', 't.oid')}
        ORDER BY n.nspname, t.typname"""
    out = []
    for schema, name, sub, opclass, coll, canon, diff, mname, mschema, comment in ctx.rows(sql):
        multirange = None
        if mname is not None and mschema != schema:
            multirange = f"{mschema}.{mname}"
        elif mname is not None and mname != default_multirange_name(name):
            multirange = mname
        out.append(RangeType(name=name, subtype=sub, schema=schema, subtype_opclass=opclass,
                             collation=coll, canonical=canon, subtype_diff=diff,
                             multirange=multirange, comment=comment))
    return tuple(out)


def _options(text: str | None) -> tuple[tuple[str, str], ...]:
    """``language = 'english', stopwords = 'english'`` (pg_ts_dict.dictinitoption)."""
    out = []
    for part in split_top_level(text or ""):
        key, _, value = part.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("''", "'")
        out.append((key.strip().strip('"'), value))
    return tuple(out)


def read_ts_dictionaries(ctx: Ctx) -> tuple[TextSearchDictionary, ...]:
    sql = f"""
        SELECT n.nspname, d.dictname, {_qualified('tn.nspname', 'tt.tmplname')},
               d.dictinitoption, pg_catalog.obj_description(d.oid, 'pg_ts_dict')
        FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
        JOIN pg_catalog.pg_ts_template tt ON tt.oid = d.dicttemplate
        JOIN pg_catalog.pg_namespace tn ON tn.oid = tt.tmplnamespace
        WHERE {ctx.nsp()} AND {not_extension_member('pg_ts_dict', 'd.oid')}
        ORDER BY n.nspname, d.dictname"""
    return tuple(TextSearchDictionary(name=name, template=template, schema=schema,
                                      options=_options(opts), comment=comment)
                 for schema, name, template, opts, comment in ctx.rows(sql))


def read_ts_configurations(ctx: Ctx) -> tuple[TextSearchConfiguration, ...]:
    sql = f"""
        SELECT c.oid, n.nspname, c.cfgname, {_qualified('pn.nspname', 'p.prsname')},
               pg_catalog.obj_description(c.oid, 'pg_ts_config')
        FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
        JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
        WHERE {ctx.nsp()} AND {not_extension_member('pg_ts_config', 'c.oid')}
        ORDER BY n.nspname, c.cfgname"""
    found = ctx.rows(sql)
    maps: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    if found:
        for cfg, alias, dicts in ctx.rows("""
                SELECT m.mapcfg, tt.alias,
                       array_agg(m.mapdict::pg_catalog.regdictionary::text ORDER BY m.mapseqno)
                FROM pg_catalog.pg_ts_config_map m
                JOIN pg_catalog.pg_ts_config c ON c.oid = m.mapcfg
                CROSS JOIN LATERAL pg_catalog.ts_token_type(c.cfgparser) tt
                WHERE tt.tokid = m.maptokentype AND m.mapcfg = ANY(%s)
                GROUP BY m.mapcfg, m.maptokentype, tt.alias
                ORDER BY m.mapcfg, m.maptokentype""", ([r[0] for r in found],)):
            maps.setdefault(cfg, []).append((alias, tuple(dicts)))
    return tuple(TextSearchConfiguration(name=name, parser=parser, schema=schema,
                                         mappings=tuple(maps.get(oid, ())), comment=comment)
                 for oid, schema, name, parser, comment in found)


_METHODS = {"f": "function", "i": "inout", "b": "binary"}
_CONTEXTS = {"e": "explicit", "a": "assignment", "i": "implicit"}


def read_casts(ctx: Ctx) -> tuple[Cast, ...]:
    """User casts (not built in, not an extension's, not a range type's own)."""
    types = ""
    if ctx.schemas is not None:
        types = f"""AND EXISTS (SELECT 1 FROM pg_catalog.pg_type t
                        JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
                        WHERE t.oid IN (c.castsource, c.casttarget) AND {ctx.nsp()})"""
    sql = f"""
        SELECT pg_catalog.format_type(c.castsource, NULL),
               pg_catalog.format_type(c.casttarget, NULL), c.castmethod::text,
               CASE WHEN p.oid IS NOT NULL THEN {_qualified('pn.nspname', 'p.proname')} END,
               CASE WHEN p.oid IS NOT NULL THEN pg_catalog.oidvectortypes(p.proargtypes) END,
               c.castcontext::text, pg_catalog.obj_description(c.oid, 'pg_cast')
        FROM pg_catalog.pg_cast c
        LEFT JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc
        LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
        WHERE c.oid >= 16384 AND {not_extension_member('pg_cast', 'c.oid')}
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_cast'::regclass
                            AND d.objid = c.oid AND d.deptype = 'i')
          {types}
        ORDER BY 1, 2"""
    return tuple(Cast(source=src, target=tgt, method=_METHODS.get(m, "function"),  # type: ignore[arg-type]
                      function=fn, signature=sig,
                      context=_CONTEXTS.get(cx, "explicit"), comment=comment)  # type: ignore[arg-type]
                 for src, tgt, m, fn, sig, cx, comment in ctx.rows(sql))


def read_rules(ctx: Ctx) -> tuple[Rule, ...]:
    sql = f"""
        SELECT n.nspname, c.relname, r.rulename, pg_catalog.pg_get_ruledef(r.oid, true),
               r.ev_enabled::text, pg_catalog.obj_description(r.oid, 'pg_rewrite')
        FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE r.rulename <> '_RETURN' AND {ctx.nsp()}
          AND {not_extension_member('pg_class', 'c.oid')}
          AND {not_extension_member('pg_rewrite', 'r.oid')}
        ORDER BY n.nspname, c.relname, r.rulename"""
    return tuple(Rule(name=name, table=table, definition=text.strip().removesuffix(";").rstrip(),
                      schema=schema, enabled=enabled, comment=comment)  # type: ignore[arg-type]
                 for schema, table, name, text, enabled, comment in ctx.rows(sql))
