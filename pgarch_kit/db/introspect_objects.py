"""Introspection of views, materialized views, routines (functions, procedures, aggregates)
and triggers."""
from __future__ import annotations

import heapq

from ..model.design import Routine, Trigger, View
from .introspect_common import Ctx, not_extension_member
from .introspect_indexes import read_indexes

__all__ = ["order_by_dependencies", "read_routines", "read_triggers", "read_views"]


def order_by_dependencies(names: list[tuple[str, str]],
                          deps: dict[tuple[str, str], set[tuple[str, str]]]
                          ) -> list[tuple[str, str]]:
    """Topological order: each key after the keys it depends on, otherwise sorted by name.
    Keys caught in a cycle (impossible for views) are appended in name order."""
    present = set(names)
    pending = {n: {d for d in deps.get(n, ()) if d in present and d != n} for n in names}
    users: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for n, ds in pending.items():
        for d in ds:
            users.setdefault(d, []).append(n)
    ready = [n for n, ds in pending.items() if not ds]
    heapq.heapify(ready)
    out = []
    while ready:
        n = heapq.heappop(ready)
        out.append(n)
        for u in users.get(n, ()):
            pending[u].discard(n)
            if not pending[u]:
                heapq.heappush(ready, u)
    out += sorted(n for n in names if n not in set(out))
    return out


def read_views(ctx: Ctx) -> tuple[View, ...]:
    sql = f"""
        SELECT c.oid, n.nspname, c.relname, c.relkind = 'm',
               pg_catalog.pg_get_viewdef(c.oid, true), c.reloptions,
               pg_catalog.obj_description(c.oid, 'pg_class')
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND {ctx.nsp()}
          AND {not_extension_member('pg_class', 'c.oid')}
        ORDER BY n.nspname, c.relname"""
    found = ctx.rows(sql)
    indexes = read_indexes(ctx, [r[0] for r in found if r[3]])
    deps: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for vs, vn, ds, dn in ctx.rows("""
            SELECT DISTINCT vn.nspname, v.relname, dn.nspname, d.relname
            FROM pg_catalog.pg_depend dep
            JOIN pg_catalog.pg_rewrite r ON r.oid = dep.objid
            JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
            JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
            JOIN pg_catalog.pg_class d ON d.oid = dep.refobjid
            JOIN pg_catalog.pg_namespace dn ON dn.oid = d.relnamespace
            WHERE dep.classid = 'pg_catalog.pg_rewrite'::regclass
              AND dep.refclassid = 'pg_catalog.pg_class'::regclass
              AND d.relkind IN ('v', 'm') AND d.oid <> v.oid"""):
        deps.setdefault((vs, vn), set()).add((ds, dn))
    col_comments: dict[int, list[tuple[str, str]]] = {}
    if found:
        for oid, col, text in ctx.rows("""
                SELECT a.attrelid, a.attname, d.description
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_description d ON d.objoid = a.attrelid
                 AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
                WHERE a.attnum > 0 AND NOT a.attisdropped
                  AND a.attrelid = ANY(%s)
                ORDER BY a.attrelid, a.attnum""", ([r[0] for r in found],)):
            col_comments.setdefault(oid, []).append((col, text))
    views = {}
    for oid, schema, name, mat, query, opts, comment in found:
        check = None
        options = []
        for opt in opts or ():
            key, _, value = opt.partition("=")
            if key == "check_option":
                check = value
            else:
                options.append(opt)
        views[(schema, name)] = View(
            name=name, query=query.strip().removesuffix(";").rstrip(), schema=schema,
            materialized=mat, check_option=check, options=tuple(options),
            indexes=indexes.get(oid, ()), comment=comment,
            column_comments=tuple(col_comments.get(oid, ())))
    return tuple(views[k] for k in order_by_dependencies(list(views), deps))


_AGG_SQL = """
    SELECT quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('
           || CASE WHEN p.pronargs = 0 THEN '*'
                   ELSE pg_catalog.pg_get_function_arguments(p.oid) END || ') (' || concat_ws(',',
         E'\\n    SFUNC = ' || a.aggtransfn::regproc::text,
         E'\\n    STYPE = ' || pg_catalog.format_type(a.aggtranstype, NULL),
         CASE WHEN a.aggtransspace <> 0 THEN E'\\n    SSPACE = ' || a.aggtransspace END,
         CASE WHEN a.aggfinalfn <> 0 THEN E'\\n    FINALFUNC = ' || a.aggfinalfn::regproc END,
         CASE WHEN a.aggfinalextra THEN E'\\n    FINALFUNC_EXTRA' END,
         CASE WHEN a.aggfinalfn <> 0 AND a.aggfinalmodify <> CASE WHEN a.aggkind = 'n'
                   THEN 'r' ELSE 'w' END
              THEN E'\\n    FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r'
                   THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,
         CASE WHEN a.aggcombinefn <> 0 THEN E'\\n    COMBINEFUNC = ' || a.aggcombinefn::regproc
         END,
         CASE WHEN a.aggserialfn <> 0 THEN E'\\n    SERIALFUNC = ' || a.aggserialfn::regproc
         END,
         CASE WHEN a.aggdeserialfn <> 0
              THEN E'\\n    DESERIALFUNC = ' || a.aggdeserialfn::regproc END,
         CASE WHEN a.agginitval IS NOT NULL
              THEN E'\\n    INITCOND = ' || quote_literal(a.agginitval) END,
         CASE WHEN a.aggmtransfn <> 0 THEN E'\\n    MSFUNC = ' || a.aggmtransfn::regproc
              || E',\\n    MINVFUNC = ' || a.aggminvtransfn::regproc
              || E',\\n    MSTYPE = ' || pg_catalog.format_type(a.aggmtranstype, NULL) END,
         CASE WHEN a.aggmtransspace <> 0 THEN E'\\n    MSSPACE = ' || a.aggmtransspace END,
         CASE WHEN a.aggmfinalfn <> 0 THEN E'\\n    MFINALFUNC = ' || a.aggmfinalfn::regproc
         END,
         CASE WHEN a.aggmfinalextra THEN E'\\n    MFINALFUNC_EXTRA' END,
         CASE WHEN a.aggminitval IS NOT NULL
              THEN E'\\n    MINITCOND = ' || quote_literal(a.aggminitval) END,
         CASE WHEN a.aggsortop <> 0 THEN E'\\n    SORTOP = OPERATOR('
              || quote_ident(opn.nspname) || '.' || op.oprname || ')' END,
         CASE WHEN a.aggkind = 'h' THEN E'\\n    HYPOTHETICAL' END,
         CASE p.proparallel WHEN 's' THEN E'\\n    PARALLEL = SAFE'
              WHEN 'r' THEN E'\\n    PARALLEL = RESTRICTED' END
         ) || E'\\n)'
    FROM pg_catalog.pg_aggregate a
    JOIN pg_catalog.pg_proc p ON p.oid = a.aggfnoid
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    LEFT JOIN pg_catalog.pg_operator op ON op.oid = a.aggsortop
    LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
    WHERE a.aggfnoid = %s"""


def read_routines(ctx: Ctx) -> tuple[Routine, ...]:
    """Functions and procedures (pg_get_functiondef, verbatim) and aggregates (a CREATE
    AGGREGATE built from pg_aggregate); extension members and the functions PostgreSQL makes
    for an object (a range type's constructors: an internal dependency) are left out."""
    sql = f"""
        SELECT p.oid, n.nspname, p.proname, p.prokind,
               pg_catalog.pg_get_function_identity_arguments(p.oid),
               CASE WHEN p.prokind <> 'a' THEN pg_catalog.pg_get_functiondef(p.oid) END,
               pg_catalog.obj_description(p.oid, 'pg_proc')
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        WHERE {ctx.nsp()} AND {not_extension_member('pg_proc', 'p.oid')}
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                          WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                            AND d.objid = p.oid AND d.deptype = 'i')
        ORDER BY n.nspname, p.proname, 5"""
    out = []
    for oid, schema, name, kind, signature, definition, comment in ctx.rows(sql):
        if kind == "a":
            definition = "CREATE AGGREGATE " + ctx.rows(_AGG_SQL, [oid])[0][0]
        out.append(Routine(
            name=name, signature=signature, definition=definition, schema=schema,
            kind={"a": "aggregate", "p": "procedure"}.get(kind, "function"), comment=comment))
    return tuple(out)


def read_triggers(ctx: Ctx) -> tuple[Trigger, ...]:
    """User triggers (not internal, not clones of a partitioned parent's trigger)."""
    parent = "AND tg.tgparentid = 0" if ctx.version >= 130000 else ""
    sql = f"""
        SELECT tg.tgname, c.relname, n.nspname, pg_catalog.pg_get_triggerdef(tg.oid, true),
               tg.tgenabled, pg_catalog.obj_description(tg.oid, 'pg_trigger')
        FROM pg_catalog.pg_trigger tg
        JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT tg.tgisinternal {parent} AND {ctx.nsp()}
          AND {not_extension_member('pg_class', 'c.oid')}
          AND {not_extension_member('pg_trigger', 'tg.oid')}
        ORDER BY n.nspname, c.relname, tg.tgname"""
    return tuple(Trigger(name=name, table=table, definition=definition, schema=schema,
                         enabled=enabled, comment=comment)
                 for name, table, schema, definition, enabled, comment in ctx.rows(sql))
