"""Catalog snapshot sections for collations, text search objects, casts, rules, privileges,
default privileges and owners (see :mod:`pgarch_kit.db.catalog`).

Privileges are compared as the ACL each object really has (its default when the catalog
stores none), so a lost ``REVOKE EXECUTE … FROM PUBLIC`` shows up as an extra ``public``
entry. Roles are normalised as :mod:`pgarch_kit.db.introspect_privileges` does, for the same
reason: the owner's own entries and grants to superusers are left out, and an owner (or a
``FOR ROLE`` role) is named only when it is a ``NOLOGIN`` group role — the role that applied
the DDL (a superuser, the import role, the kit's runner) is not part of the design.
"""
from __future__ import annotations

from .introspect_common import not_extension_member
from .introspect_privileges import DESIGN_ROLE_SQL, acl_objects_sql, owners_sql

__all__ = ["MORE_FIELDS", "MORE_KEYS", "more_queries"]

MORE_FIELDS: dict[str, tuple[str, ...]] = {
    "collations": ("collation", "provider", "deterministic", "collate", "ctype", "locale",
                   "rules"),
    "text_search": ("object", "kind", "detail"),
    "casts": ("cast", "method", "function", "context"),
    "rules": ("table", "name", "definition", "enabled"),
    "privileges": ("object", "grantee", "privileges"),
    "default_privileges": ("role", "schema", "objects", "acl"),
    "owners": ("object", "owner"),
}
MORE_KEYS = {"collations": 1, "text_search": 2, "casts": 1, "rules": 2, "privileges": 2,
             "default_privileges": 3, "owners": 1}

_OBJECT = ("o.kind || ' ' || CASE WHEN o.kind = 'schema' THEN o.name "
           "ELSE o.schema || '.' || o.name END || COALESCE('(' || o.signature || ')', '')")


def more_queries(version: int, nsp: str) -> dict[str, str]:
    """The sections' queries; ``nsp`` keeps user schemas (alias ``n``)."""
    locale = ("c.colllocale" if version >= 170000 else
              "c.colliculocale" if version >= 150000 else "NULL::text")
    rules = "c.collicurules" if version >= 160000 else "NULL::text"
    entry = ("CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x.grantee)"
             "::text END")
    not_super = ("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles su WHERE su.oid = x.grantee "
                 "AND su.rolsuper)")
    return {
        "collations": f"""
            SELECT n.nspname || '.' || c.collname, c.collprovider::text, c.collisdeterministic,
                   c.collcollate, c.collctype, {locale}, {rules}
            FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n
                 ON n.oid = c.collnamespace
            WHERE {nsp} AND {not_extension_member('pg_collation', 'c.oid')}""",
        "text_search": f"""
            SELECT n.nspname || '.' || d.dictname, 'dictionary',
                   concat_ws(' ', 'TEMPLATE ' || tn.nspname || '.' || tt.tmplname,
                             d.dictinitoption)
            FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n
                 ON n.oid = d.dictnamespace
            JOIN pg_catalog.pg_ts_template tt ON tt.oid = d.dicttemplate
            JOIN pg_catalog.pg_namespace tn ON tn.oid = tt.tmplnamespace
            WHERE {nsp} AND {not_extension_member('pg_ts_dict', 'd.oid')}
            UNION ALL
            SELECT n.nspname || '.' || c.cfgname, 'configuration',
                   'PARSER ' || pn.nspname || '.' || p.prsname || ' ' || COALESCE((
                       SELECT string_agg(tt.alias || ': ' || (
                                  SELECT string_agg(m.mapdict::pg_catalog.regdictionary::text,
                                                    ', ' ORDER BY m.mapseqno)
                                  FROM pg_catalog.pg_ts_config_map m
                                  WHERE m.mapcfg = c.oid AND m.maptokentype = tt.tokid),
                              '; ' ORDER BY tt.tokid)
                       FROM pg_catalog.ts_token_type(c.cfgparser) tt
                       WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config_map m
                                     WHERE m.mapcfg = c.oid AND m.maptokentype = tt.tokid)),
                   '')
            FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n
                 ON n.oid = c.cfgnamespace
            JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
            WHERE {nsp} AND {not_extension_member('pg_ts_config', 'c.oid')}""",
        "casts": f"""
            SELECT pg_catalog.format_type(c.castsource, NULL) || ' AS '
                   || pg_catalog.format_type(c.casttarget, NULL),
                   c.castmethod::text, NULLIF(c.castfunc, 0)::regprocedure::text,
                   c.castcontext::text
            FROM pg_catalog.pg_cast c
            WHERE c.oid >= 16384 AND {not_extension_member('pg_cast', 'c.oid')}
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                              WHERE d.classid = 'pg_catalog.pg_cast'::regclass
                                AND d.objid = c.oid AND d.deptype = 'i')""",
        "rules": f"""
            SELECT n.nspname || '.' || c.relname, r.rulename::text,
                   pg_catalog.pg_get_ruledef(r.oid, true), r.ev_enabled::text
            FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE r.rulename <> '_RETURN' AND {nsp}
              AND {not_extension_member('pg_class', 'c.oid')}""",
        "privileges": f"""
            SELECT {_OBJECT} || COALESCE('.' || o.col, ''), {entry},
                   string_agg(x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END,
                              ',' ORDER BY x.privilege_type)
            FROM ({acl_objects_sql(nsp)}) o
            CROSS JOIN LATERAL pg_catalog.aclexplode(NULLIF(COALESCE(o.acl, o.dflt),
                                                             '{{}}'::aclitem[])) x
            WHERE x.grantee <> o.owner AND {not_super}
            GROUP BY 1, 2""",
        "default_privileges": f"""
            SELECT CASE WHEN {DESIGN_ROLE_SQL.format(r='r')} THEN r.rolname::text
                        ELSE '(who applies the DDL)' END,
                   COALESCE(n.nspname, ''), d.defaclobjtype::text,
                   (SELECT string_agg(e.item, ',' ORDER BY e.item)  -- not ORDER BY 1: a
                    FROM (SELECT {entry} || '=' || x.privilege_type  -- constant, any order
                                 || CASE WHEN x.is_grantable THEN '*' ELSE '' END AS item
                          FROM pg_catalog.aclexplode(NULLIF(d.defaclacl, '{{}}'::aclitem[])) x
                          WHERE x.grantee <> d.defaclrole AND {not_super}) e)
            FROM pg_catalog.pg_default_acl d JOIN pg_catalog.pg_roles r ON r.oid = d.defaclrole
            LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
            WHERE n.oid IS NULL OR ({nsp})""",
        "owners": f"""
            SELECT {_OBJECT}, r.rolname::text
            FROM ({owners_sql(nsp)}) o JOIN pg_catalog.pg_roles r ON r.oid = o.owner
            WHERE {DESIGN_ROLE_SQL.format(r='r')}""",
    }
