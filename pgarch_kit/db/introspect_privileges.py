"""Introspection of grants, default privileges and owners (:mod:`pgarch_kit.model.privileges`).

Privileges are read relative to PostgreSQL's defaults (``acldefault``): what an ACL has beyond
them becomes a :class:`Grant`, a default it lacks a revoke. Schema ``public`` starts with
``USAGE`` for ``public`` (as every database made from the templates does). Three things are
normalised away, so that two databases built from one design by different roles compare
equal:

* the owner's own entries (the owner is whoever ran the DDL unless an :class:`Owner` says);
* grants to superusers, which change nothing (a superuser passes every privilege check);
* owners and ``FOR ROLE`` roles that can log in or are superusers: the kit's design roles are
  ``NOLOGIN`` group roles, and objects owned by a login role belong to whoever applies the
  design (the import role, the runner, the DBA).
"""
from __future__ import annotations

from collections import defaultdict

from ..model.privileges import DefaultPrivilege, Grant, Owner
from .introspect_common import Ctx, not_extension_member

__all__ = ["DESIGN_ROLE_SQL", "acl_objects_sql", "read_default_privileges", "read_grants",
           "read_owners"]

# A role that may be a design's: a NOLOGIN group role, neither superuser nor PostgreSQL's own
# (pg_…) nor the kit's (pgarch_…: the sandboxes' owner role).
DESIGN_ROLE_SQL = ("(NOT {r}.rolcanlogin AND NOT {r}.rolsuper AND {r}.rolname !~ '^pg_' "
                   "AND {r}.rolname !~ '^pgarch_')")

_NOT_RANGE_OWN = ("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dd WHERE dd.classid = "
                  "'pg_catalog.pg_proc'::regclass AND dd.objid = p.oid AND dd.deptype = 'i')")
_ENTRIES = """(SELECT COALESCE(json_agg(json_build_array(
                   CASE WHEN x.grantee = 0 THEN 'public'
                        ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END,
                   x.privilege_type, x.is_grantable)
                   ORDER BY 1, 2, 3), '[]')
               FROM pg_catalog.aclexplode(NULLIF({acl}, '{{}}'::aclitem[])) x
               WHERE x.grantee <> {owner} AND NOT EXISTS (
                   SELECT 1 FROM pg_catalog.pg_roles su WHERE su.oid = x.grantee
                   AND su.rolsuper))"""


def acl_objects_sql(nsp: str) -> str:
    """Every object that has privileges: ``(kind, schema, name, signature, column, owner oid,
    acl, default acl)``; ``nsp`` filters schemas (alias ``n``)."""
    return f"""
        SELECT 'table' AS kind, n.nspname AS schema, c.relname::text AS name,
               NULL::text AS signature, NULL::text AS col, c.relowner AS owner, c.relacl AS acl,
               pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char",
                                     c.relowner) AS dflt, c.relkind::text AS detail
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND {nsp}
          AND {not_extension_member('pg_class', 'c.oid')}
        UNION ALL
        SELECT 'column', n.nspname, c.relname, NULL, a.attname, c.relowner, a.attacl,
               NULL, c.relkind::text
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relkind IN ('r', 'p', 'v', 'm') AND {nsp}
          AND {not_extension_member('pg_class', 'c.oid')}
        UNION ALL
        SELECT 'routine', n.nspname, p.proname,
               pg_catalog.pg_get_function_identity_arguments(p.oid), NULL, p.proowner,
               p.proacl, pg_catalog.acldefault('f', p.proowner), p.prokind::text
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE {nsp} AND {not_extension_member('pg_proc', 'p.oid')} AND {_NOT_RANGE_OWN}
        UNION ALL
        SELECT 'type', n.nspname, t.typname, NULL, NULL, t.typowner, t.typacl,
               pg_catalog.acldefault('T', t.typowner), t.typtype::text
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (
                  SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c'))
          AND {nsp} AND {not_extension_member('pg_type', 't.oid')}
        UNION ALL
        SELECT 'schema', n.nspname, n.nspname, NULL, NULL, n.nspowner, n.nspacl,
               pg_catalog.acldefault('n', n.nspowner) || CASE WHEN n.nspname = 'public'
                   THEN ARRAY[pg_catalog.makeaclitem(0, n.nspowner, 'USAGE', false)]
                   END, NULL
        FROM pg_catalog.pg_namespace n
        WHERE {nsp} AND {not_extension_member('pg_namespace', 'n.oid')}"""


def _split(actual: list, baseline: list) -> tuple[dict, dict]:
    """(grants: {(grantee, grantable): [privilege]}, revokes: {grantee: [privilege]})."""
    base = {(g, p, bool(o)) for g, p, o in baseline}
    base_gp = {(g, p) for g, p, _ in base}
    have_gp = {(g, p) for g, p, _ in actual}
    grants: dict[tuple[str, bool], list[str]] = defaultdict(list)
    revokes: dict[str, list[str]] = defaultdict(list)
    for g, p, o in actual:
        if (g, p, bool(o)) not in base:
            grants[(g, bool(o))].append(p)
    for g, p in sorted(base_gp - have_gp):
        revokes[g].append(p)
    return grants, revokes


def read_grants(ctx: Ctx) -> tuple[Grant, ...]:
    sql = f"""
        SELECT o.kind, o.schema, o.name, o.signature, o.col, o.detail,
               {_ENTRIES.format(acl='o.acl', owner='o.owner')},
               {_ENTRIES.format(acl='o.dflt', owner='o.owner')}
        FROM ({acl_objects_sql(ctx.nsp())}) o
        WHERE o.acl IS NOT NULL"""
    out = []
    for kind, schema, name, sig, col, detail, actual, baseline in ctx.rows(sql):
        if kind == "table" and detail == "S":
            kind = "sequence"
        grants, revokes = _split(actual, baseline)
        common = {"kind": kind, "name": name, "schema": "public" if kind == "schema" else schema,
                  "signature": sig, "column": col}
        for (grantee, option), privs in grants.items():
            out.append(Grant(grantee=grantee, privileges=tuple(privs), grant_option=option,
                             **common))
        for grantee, privs in revokes.items():
            out.append(Grant(grantee=grantee, privileges=tuple(privs), revoke=True, **common))
    return tuple(sorted(out, key=_grant_key))


def _grant_key(g: Grant) -> tuple:
    return (g.kind, g.schema, g.name, g.signature or "", g.column or "", g.revoke, g.grantee,
            g.grant_option)


_OBJTYPES = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}


def read_default_privileges(ctx: Ctx) -> tuple[DefaultPrivilege, ...]:
    # a database-wide entry holds the whole ACL new objects get; a per-schema one only adds
    # (NULL, never '{}': aclexplode refuses an empty, zero-dimensional array)
    baseline = ("CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault((CASE "
                "d.defaclobjtype WHEN 'S' THEN 's' ELSE d.defaclobjtype END)::\"char\", "
                "d.defaclrole) END")
    sql = f"""
        SELECT CASE WHEN {DESIGN_ROLE_SQL.format(r='r')} THEN r.rolname::text END,
               n.nspname, d.defaclobjtype::text,
               {_ENTRIES.format(acl='d.defaclacl', owner='d.defaclrole')},
               {_ENTRIES.format(acl=baseline, owner='d.defaclrole')}
        FROM pg_catalog.pg_default_acl d JOIN pg_catalog.pg_roles r ON r.oid = d.defaclrole
        LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
        WHERE n.oid IS NULL OR ({ctx.nsp()})"""
    out = []
    for role, schema, objtype, actual, baseline in ctx.rows(sql):
        objects = _OBJTYPES.get(objtype)
        if objects is None:
            continue  # large objects and whatever later servers add
        grants, revokes = _split(actual, baseline)
        for (grantee, option), privs in grants.items():
            out.append(DefaultPrivilege(objects, grantee, tuple(privs), role=role,  # type: ignore[arg-type]
                                        schema=schema, grant_option=option))
        for grantee, privs in revokes.items():
            out.append(DefaultPrivilege(objects, grantee, tuple(privs), role=role,  # type: ignore[arg-type]
                                        schema=schema, revoke=True))
    return tuple(sorted(out, key=lambda d: (d.role or "", d.schema or "", d.objects,
                                            d.revoke, d.grantee, d.grant_option)))


def owners_sql(nsp: str) -> str:
    """``(kind, schema, name, signature, owner oid)`` of every object that can have an owner
    of its own (not sequences owned by a column, which follow their table)."""
    return f"""
        SELECT 'schema' AS kind, n.nspname AS schema, n.nspname::text AS name,
               NULL::text AS signature, n.nspowner AS owner
        FROM pg_catalog.pg_namespace n
        WHERE {nsp} AND {not_extension_member('pg_namespace', 'n.oid')}
        UNION ALL
        SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                              WHEN 'S' THEN 'sequence' ELSE 'table' END,
               n.nspname, c.relname, NULL, c.relowner
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND {nsp}
          AND {not_extension_member('pg_class', 'c.oid')}
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
              AND d.objid = c.oid AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')))
        UNION ALL
        SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate'
                              ELSE 'function' END,
               n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
               p.proowner
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE {nsp} AND {not_extension_member('pg_proc', 'p.oid')} AND {_NOT_RANGE_OWN}
        UNION ALL
        SELECT 'type', n.nspname, t.typname, NULL, t.typowner
        FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (
                  SELECT relkind FROM pg_catalog.pg_class WHERE oid = t.typrelid) = 'c'))
          AND {nsp} AND {not_extension_member('pg_type', 't.oid')}
        UNION ALL
        SELECT 'collation', n.nspname, co.collname, NULL, co.collowner
        FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n
             ON n.oid = co.collnamespace
        WHERE {nsp} AND {not_extension_member('pg_collation', 'co.oid')}
        UNION ALL
        SELECT 'text search configuration', n.nspname, cf.cfgname, NULL, cf.cfgowner
        FROM pg_catalog.pg_ts_config cf JOIN pg_catalog.pg_namespace n
             ON n.oid = cf.cfgnamespace
        WHERE {nsp} AND {not_extension_member('pg_ts_config', 'cf.oid')}
        UNION ALL
        SELECT 'text search dictionary', n.nspname, td.dictname, NULL, td.dictowner
        FROM pg_catalog.pg_ts_dict td JOIN pg_catalog.pg_namespace n
             ON n.oid = td.dictnamespace
        WHERE {nsp} AND {not_extension_member('pg_ts_dict', 'td.oid')}"""


def read_owners(ctx: Ctx) -> tuple[Owner, ...]:
    sql = f"""
        SELECT o.kind, o.schema, o.name, o.signature, r.rolname
        FROM ({owners_sql(ctx.nsp())}) o JOIN pg_catalog.pg_roles r ON r.oid = o.owner
        WHERE {DESIGN_ROLE_SQL.format(r='r')}
        ORDER BY 1, 2, 3, 4"""
    return tuple(Owner(kind, name, role, schema="public" if kind == "schema" else schema,  # type: ignore[arg-type]
                       signature=sig)
                 for kind, schema, name, sig, role in ctx.rows(sql))
