"""Read a live database back into a :class:`~pgarch_kit.model.design.Design`.

``introspect(conn)`` walks ``pg_catalog`` (never ``information_schema``) and fills every part of
the model: schemas, extensions, collations, enums, domains, composite and range types,
text search dictionaries and configurations, sequences, tables (columns, keys, checks, foreign
keys, exclusions, indexes, partitioning, RLS), views and materialized views, routines, casts,
triggers and rules, with their comments; grants, default privileges and owners. System
schemas, the kit's marker schema ``pgarch_meta`` and objects that belong to extensions are left out.

All queries run with ``search_path = public`` so that ``format_type``, ``pg_get_expr`` and
``pg_get_viewdef`` print objects of ``public`` unqualified and everything else qualified —
the same setting the DDL generator writes at the top of its script. The connection's own
search_path is restored afterwards.

The work is split over ``introspect_types`` (schemas, extensions, types, sequences),
``introspect_tables`` (tables and everything on them), ``introspect_indexes`` (index keys,
indexes, exclusion constraints), ``introspect_objects`` (views, routines, triggers),
``introspect_extras`` (collations, ranges, text search, casts, rules) and
``introspect_privileges`` (grants, default privileges, owners).
Works on PostgreSQL 13 and later (tested on 15 and 18); version-specific catalog columns
(``indnullsnotdistinct`` 15+, virtual generated columns 18+) read as their defaults on older
servers.
"""
from __future__ import annotations

from typing import Any

from ..model.design import Design
from .introspect_common import Ctx, search_path
from .introspect_extras import (
    read_casts,
    read_collations,
    read_ranges,
    read_rules,
    read_ts_configurations,
    read_ts_dictionaries,
)
from .introspect_objects import read_routines, read_triggers, read_views
from .introspect_privileges import read_default_privileges, read_grants, read_owners
from .introspect_tables import read_tables
from .introspect_types import (
    read_composites,
    read_domains,
    read_enums,
    read_extensions,
    read_schemas,
    read_sequences,
)

__all__ = ["introspect"]


def introspect(conn: Any, *, name: str = "imported", schemas: list[str] | None = None
               ) -> Design:
    """Read the connected database (a psycopg 3 connection) into a :class:`Design` named
    ``name``. ``schemas`` limits the reading to those schemas (extensions are always read,
    since types may come from them). Ordering is deterministic: objects by schema and name,
    constraints and indexes by name, views after the views they depend on."""
    ctx = Ctx(conn, schemas)
    with search_path(conn, "public"):
        tables = read_tables(ctx)
        grants, defaults, owners = read_grants(ctx), read_default_privileges(ctx), \
            read_owners(ctx)
        roles = {r for t in tables for p in t.policies for r in p.roles}
        roles |= {g.grantee for g in grants} | {o.role for o in owners}
        roles |= {d.grantee for d in defaults} | {d.role for d in defaults if d.role}
        roles.discard("public")
        return Design(
            name=name,
            schemas=read_schemas(ctx),
            extensions=read_extensions(ctx),
            roles=tuple(sorted(roles)),
            enums=read_enums(ctx),
            domains=read_domains(ctx),
            composites=read_composites(ctx),
            sequences=read_sequences(ctx),
            tables=tables,
            views=read_views(ctx),
            routines=read_routines(ctx),
            triggers=read_triggers(ctx),
            collations=read_collations(ctx),
            ranges=read_ranges(ctx),
            text_search_dictionaries=read_ts_dictionaries(ctx),
            text_search_configurations=read_ts_configurations(ctx),
            casts=read_casts(ctx),
            rules=read_rules(ctx),
            grants=grants,
            default_privileges=defaults,
            owners=owners,
        )
