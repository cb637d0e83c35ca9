"""A normalised, name-based snapshot of a database's user catalog, for comparing two databases
(for example an original and its round trip through introspect → DDL → apply).

``catalog_snapshot(conn)`` returns ``{section: [row tuple, ...]}`` with no OIDs anywhere: every
object is named ``schema.name`` and every definition is PostgreSQL's own deparse
(``pg_get_constraintdef``, ``pg_get_indexdef``, ``pg_get_viewdef``, ``pg_get_functiondef``,
``pg_get_triggerdef``, ``pg_get_expr``, ``format_type``) taken with an empty search_path, so
everything is printed schema-qualified and two databases compare on names alone.
``diff_snapshots(a, b)`` lists the differences as readable lines.

Sections (the fields of each row are in :data:`FIELDS`): ``tables`` (relkind, persistence,
options, RLS flags, partition key), ``columns``, ``column_settings`` (storage, compression,
statistics target and attribute options of table, view and index columns, where any is set),
``types`` (enums with values, domains with their checks, composites), ``constraints`` (with
PostgreSQL 18's NOT NULL constraints, so their names count; ``NOT VALID``, ``NOT ENFORCED``,
``NO INHERIT``, ``WITHOUT OVERLAPS`` and ``PERIOD`` are part of each definition),
``indexes``, ``partitions``, ``inherits`` (INHERITS parents, in order), ``inherited``
(whether an inheriting table's columns and constraints are its own or only its parents'),
``policies``, ``views``, ``routines``, ``triggers``, ``sequences`` (identity sequences
included, with their options and owner), ``comments`` (on every object, constraints and
policies included), ``extensions``; and (:mod:`pgarch_kit.db.catalog_more`) ``collations``,
``text_search``, ``casts``, ``rules``, ``privileges``, ``default_privileges``, ``owners``
(ranges add their options to ``types``).

Same exclusions as :func:`pgarch_kit.db.introspect.introspect`: system schemas, ``pg_toast*``,
the kit's marker schema ``pgarch_meta`` and objects belonging to an extension. Deliberately
left out:

* extension versions (they differ between servers, not between designs);
* owners that can log in and the owner's own privileges: the role that applied the DDL (see
  :mod:`pgarch_kit.db.catalog_more`);
* whether a *partition's* columns and constraints are its own (``attislocal``,
  ``conislocal``): a partition created standalone and attached (as pg_dump writes it) and one
  created ``PARTITION OF`` behave the same, and pg_dump itself does not keep the difference.

NOT NULL constraints exist as rows only on PostgreSQL 18, so snapshots of the same schema on
15 and 18 differ there. Constraints and indexes that a partition inherits from its parent
*are* included: they are part of the catalog, and their names show whether a round trip
preserved them.
"""
from __future__ import annotations

from typing import Any

from .catalog_more import MORE_FIELDS, MORE_KEYS, more_queries
from .introspect_common import not_extension_member, nsp_filter, rows, search_path

__all__ = ["FIELDS", "catalog_snapshot", "compare_databases", "diff_snapshots"]

FIELDS: dict[str, tuple[str, ...]] = {
    "tables": ("table", "relkind", "persistence", "options", "rls", "rls_forced",
               "partition_key"),
    "columns": ("table", "column", "position", "type", "notnull", "default", "identity",
                "generated", "collation"),
    "types": ("type", "kind", "detail"),
    "column_settings": ("table", "column", "storage", "compression", "statistics",
                        "options"),
    "constraints": ("table", "name", "type", "definition"),
    "indexes": ("table", "name", "definition"),
    "partitions": ("partition", "parent", "bound"),
    "inherits": ("table", "parent", "position"),
    "inherited": ("table", "object", "local", "parents"),
    "policies": ("table", "name", "command", "permissive", "roles", "using", "with_check"),
    "views": ("view", "kind", "definition", "options"),
    "routines": ("routine", "arguments", "kind", "definition"),
    "triggers": ("table", "name", "definition", "enabled"),
    "sequences": ("sequence", "type", "start", "increment", "min", "max", "cache", "cycle",
                  "owned_by"),
    "comments": ("object", "comment"),
    "extensions": ("extension", "schema"),
    **MORE_FIELDS,
}
# how many leading fields name the object (the rest describe it)
_KEY = {"tables": 1, "columns": 2, "column_settings": 2, "types": 1, "constraints": 2,
        "indexes": 2, "partitions": 1, "inherits": 2, "inherited": 2, "policies": 2,
        "views": 1, "routines": 2, "triggers": 2, "sequences": 1, "comments": 1,
        "extensions": 1, **MORE_KEYS}

_REL = "n.nspname || '.' || c.relname"


def _queries(version: int) -> dict[str, str]:
    nsp = nsp_filter("n", None)
    rel_from = ("FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                "ON n.oid = c.relnamespace")
    user_rel = f"{nsp} AND {not_extension_member('pg_class', 'c.oid')}"
    gen = "a.attgenerated::text" if version >= 120000 else "''"
    compression = "a.attcompression::text" if version >= 140000 else "''"
    return {
        "tables": f"""
            SELECT {_REL}, c.relkind::text, c.relpersistence::text,
                   array_to_string(ARRAY(SELECT unnest(c.reloptions) ORDER BY 1), ','),
                   c.relrowsecurity, c.relforcerowsecurity,
                   CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END
            {rel_from} WHERE c.relkind IN ('r', 'p', 'f') AND {user_rel}""",
        "columns": f"""
            SELECT {_REL}, a.attname::text,
                   row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                   pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, {gen},
                   CASE WHEN a.attcollation <> t.typcollation
                        THEN con.nspname || '.' || co.collname END
            {rel_from} JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
            LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
            LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'c') AND a.attnum > 0
              AND NOT a.attisdropped AND {user_rel}""",
        "types": f"""
            SELECT n.nspname || '.' || t.typname, t.typtype::text,
              CASE t.typtype
                WHEN 'e' THEN array_to_string(ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e
                              WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), ', ')
                WHEN 'd' THEN concat_ws(' ', pg_catalog.format_type(t.typbasetype, t.typtypmod),
                   CASE WHEN t.typnotnull THEN 'NOT NULL' END,
                   'DEFAULT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0),
                   (SELECT 'COLLATE ' || co.collnamespace::regnamespace::text || '.'
                           || co.collname FROM pg_catalog.pg_collation co
                    JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
                    WHERE co.oid = t.typcollation AND t.typcollation <> bt.typcollation),
                   (SELECT string_agg(k.conname || ' ' || pg_catalog.pg_get_constraintdef(k.oid),
                                      ' ' ORDER BY k.conname) FROM pg_catalog.pg_constraint k
                    WHERE k.contypid = t.oid AND k.contype = 'c'))
                WHEN 'c' THEN array_to_string(ARRAY(
                   SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                   FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid
                     AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum), ', ')
                WHEN 'r' THEN (SELECT concat_ws(' ', pg_catalog.format_type(rg.rngsubtype, NULL),
                                   (SELECT 'OPCLASS ' || ocn.nspname || '.' || opc.opcname
                                    FROM pg_catalog.pg_opclass opc
                                    JOIN pg_catalog.pg_namespace ocn
                                         ON ocn.oid = opc.opcnamespace
                                    WHERE opc.oid = rg.rngsubopc AND NOT opc.opcdefault),
                                   (SELECT 'COLLATION ' || rg.rngcollation::regcollation::text
                                    FROM pg_catalog.pg_type st WHERE st.oid = rg.rngsubtype
                                      AND rg.rngcollation <> st.typcollation),
                                   'CANONICAL ' || NULLIF(rg.rngcanonical, 0)::regproc::text,
                                   'DIFF ' || NULLIF(rg.rngsubdiff, 0)::regproc::text)
                               FROM pg_catalog.pg_range rg WHERE rg.rngtypid = t.oid)
                ELSE NULL END
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
            WHERE {nsp} AND {not_extension_member('pg_type', 't.oid')}
              AND (t.typtype IN ('e', 'd', 'r', 'm')
                   OR (t.typtype = 'c' AND (SELECT relkind FROM pg_catalog.pg_class
                                            WHERE oid = t.typrelid) = 'c'))""",
        "column_settings": f"""
            SELECT {_REL}, a.attname::text,
                   CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
                   NULLIF({compression}, ''),
                   CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END,
                   array_to_string(a.attoptions, ',')
            {rel_from} JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            WHERE c.relkind IN ('r', 'p', 'f', 'm', 'i', 'I') AND a.attnum > 0
              AND NOT a.attisdropped AND {user_rel}
              AND (a.attstorage <> t.typstorage OR NULLIF({compression}, '') IS NOT NULL
                   OR a.attstattarget >= 0 OR a.attoptions IS NOT NULL)""",
        "constraints": f"""
            SELECT {_REL}, k.conname::text, k.contype::text,
                   pg_catalog.pg_get_constraintdef(k.oid)
            {rel_from} JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid
            WHERE {user_rel}""",
        "indexes": f"""
            SELECT {_REL}, ic.relname::text, pg_catalog.pg_get_indexdef(i.indexrelid)
            {rel_from} JOIN pg_catalog.pg_index i ON i.indrelid = c.oid
            JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid WHERE {user_rel}""",
        "partitions": f"""
            SELECT {_REL}, pn.nspname || '.' || p.relname,
                   pg_catalog.pg_get_expr(c.relpartbound, c.oid)
            {rel_from} JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = c.oid
            JOIN pg_catalog.pg_class p ON p.oid = inh.inhparent
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
            WHERE c.relispartition AND c.relkind IN ('r', 'p', 'f') AND {user_rel}""",
        "inherits": f"""
            SELECT {_REL}, pn.nspname || '.' || p.relname, inh.inhseqno
            {rel_from} JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = c.oid
            JOIN pg_catalog.pg_class p ON p.oid = inh.inhparent
            JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
            WHERE NOT c.relispartition AND c.relkind IN ('r', 'p', 'f') AND {user_rel}""",
        "inherited": f"""
            SELECT {_REL}, 'column ' || a.attname, a.attislocal, a.attinhcount
            {rel_from} JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
            WHERE NOT c.relispartition AND a.attinhcount > 0 AND a.attnum > 0
              AND NOT a.attisdropped AND {user_rel}
            UNION ALL
            SELECT {_REL}, 'constraint ' || k.conname, k.conislocal, k.coninhcount
            {rel_from} JOIN pg_catalog.pg_constraint k ON k.conrelid = c.oid
            WHERE NOT c.relispartition AND k.coninhcount > 0 AND {user_rel}""",
        "policies": f"""
            SELECT {_REL}, p.polname::text, p.polcmd::text, p.polpermissive,
                   array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'public'
                       ELSE pg_catalog.pg_get_userbyid(r)::text END
                       FROM unnest(p.polroles) r ORDER BY 1), ','),
                   pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                   pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
            {rel_from} JOIN pg_catalog.pg_policy p ON p.polrelid = c.oid WHERE {user_rel}""",
        "views": f"""
            SELECT {_REL}, c.relkind::text, pg_catalog.pg_get_viewdef(c.oid, true),
                   array_to_string(ARRAY(SELECT unnest(c.reloptions) ORDER BY 1), ',')
            {rel_from} WHERE c.relkind IN ('v', 'm') AND {user_rel}""",
        "routines": f"""
            SELECT n.nspname || '.' || p.proname,
                   pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind::text,
                   CASE WHEN p.prokind = 'a' THEN (
                     SELECT concat_ws(' ', 'SFUNC ' || a.aggtransfn::regprocedure::text,
                       'STYPE ' || pg_catalog.format_type(a.aggtranstype, NULL),
                       'FINALFUNC ' || NULLIF(a.aggfinalfn, 0)::regprocedure::text,
                       'COMBINEFUNC ' || NULLIF(a.aggcombinefn, 0)::regprocedure::text,
                       'MSFUNC ' || NULLIF(a.aggmtransfn, 0)::regprocedure::text,
                       'INITCOND ' || quote_literal(a.agginitval),
                       'SORTOP ' || NULLIF(a.aggsortop, 0)::regoperator::text,
                       'KIND ' || a.aggkind::text, 'PARALLEL ' || p.proparallel::text)
                     FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid)
                   ELSE pg_catalog.pg_get_functiondef(p.oid) END
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE {nsp} AND {not_extension_member('pg_proc', 'p.oid')}""",
        "triggers": f"""
            SELECT {_REL}, tg.tgname::text, pg_catalog.pg_get_triggerdef(tg.oid, true),
                   tg.tgenabled::text
            {rel_from} JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = c.oid
            WHERE NOT tg.tgisinternal AND {user_rel}""",
        "sequences": f"""
            SELECT {_REL}, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart,
                   s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                   (SELECT d.deptype::text || ':' || tn.nspname || '.' || tc.relname
                           || '.' || ta.attname
                    FROM pg_catalog.pg_depend d
                    JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
                    JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
                    JOIN pg_catalog.pg_attribute ta ON ta.attrelid = tc.oid
                         AND ta.attnum = d.refobjsubid
                    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_catalog.pg_class'::regclass
                      AND d.deptype IN ('a', 'i') LIMIT 1)
            {rel_from} JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
            WHERE c.relkind = 'S' AND {user_rel}""",
        "comments": f"""
            SELECT pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid),
                   d.description
            FROM pg_catalog.pg_description d
            CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classoid, d.objoid, 0) io
            LEFT JOIN pg_catalog.pg_namespace n
                   ON n.nspname = COALESCE(io.schema,
                                  CASE WHEN d.classoid = 'pg_catalog.pg_namespace'::regclass
                                       THEN io.identity END)
            WHERE d.objoid >= 16384
              AND (n.oid IS NULL OR ({nsp}))
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                              WHERE dep.classid = d.classoid AND dep.objid = d.objoid
                                AND dep.deptype = 'e')""",
        "extensions": """
            SELECT e.extname::text, n.nspname::text FROM pg_catalog.pg_extension e
            JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace""",
        **more_queries(version, nsp),
    }


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, str(v)) for v in row)


def _norm(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def catalog_snapshot(conn: Any) -> dict[str, list[tuple]]:
    """The user catalog of the connected database as ``{section: sorted rows}``; see the module
    documentation for the sections and what is left out."""
    out: dict[str, list[tuple]] = {}
    with search_path(conn, ""):
        for section, sql in _queries(conn.info.server_version).items():
            found = [tuple(_norm(v) for v in r) for r in rows(conn, sql)]
            out[section] = sorted(found, key=_sort_key)
    return out


def diff_snapshots(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> list[str]:
    """Human-readable differences between two snapshots (``a`` → ``b``); empty when equal.

    Lines read ``columns: public.film.rating: default: 'G'::mpaa_rating → 'PG'::mpaa_rating``,
    ``indexes: only in a: public.film.idx_title`` or ``only in b: …``."""
    lines: list[str] = []
    for section in sorted(set(a) | set(b)):
        ra, rb = a.get(section, []), b.get(section, [])
        if ra == rb:
            continue
        k = _KEY.get(section, len(ra[0]) if ra else 1)
        names = FIELDS.get(section, ())
        ga: dict[tuple, list[tuple]] = {}
        gb: dict[tuple, list[tuple]] = {}
        for rows_, groups in ((ra, ga), (rb, gb)):
            for r in rows_:
                groups.setdefault(tuple(r[:k]), []).append(tuple(r))
        for key in sorted(set(ga) | set(gb), key=_sort_key):
            label = ".".join(str(v) for v in key)
            xa, xb = ga.get(key), gb.get(key)
            if xa == xb:
                continue
            if xb is None:
                lines.append(f"{section}: only in a: {label}")
            elif xa is None:
                lines.append(f"{section}: only in b: {label}")
            elif len(xa) == 1 and len(xb) == 1:
                for i, (va, vb) in enumerate(zip(xa[0], xb[0])):
                    if va != vb:
                        field = names[i] if i < len(names) else str(i)
                        lines.append(f"{section}: {label}: {field}: {va!r} → {vb!r}")
            else:
                for r in xa:
                    if r not in xb:
                        lines.append(f"{section}: only in a: {label}: {r[k:]!r}")
                for r in xb:
                    if r not in xa:
                        lines.append(f"{section}: only in b: {label}: {r[k:]!r}")
    return lines


def compare_databases(a: str, b: str, *, dsn: str | None = None,
                      ignore_column_order: bool = False) -> list[str]:
    """:func:`diff_snapshots` of two databases (names on the kit's server, or DSNs).
    ``ignore_column_order``: PostgreSQL appends added columns, so a migrated table and a
    freshly created one differ only in column positions — compare everything else."""
    import psycopg

    from .connect import server_dsn
    snaps = []
    for db in (a, b):
        target = db if "=" in db or "://" in db else server_dsn(dsn, db)
        with psycopg.connect(target) as conn:
            snap = catalog_snapshot(conn)
        if ignore_column_order:
            pos = FIELDS["columns"].index("position")
            snap["columns"] = sorted(((*r[:pos], None, *r[pos + 1:]) for r in snap["columns"]),
                                     key=_sort_key)
        snaps.append(snap)
    return diff_snapshots(*snaps)
