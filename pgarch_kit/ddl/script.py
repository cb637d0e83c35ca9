"""The whole design as one SQL script, in an order PostgreSQL accepts in a single pass.

Ordering rules (each has a PostgreSQL reason):

* types and sequences before routines and tables, because headers, columns and defaults
  name them; ``check_function_bodies = false`` lets routine bodies name tables that do not
  exist yet, but a routine whose *header* names a table's row type (or whose SQL-standard body
  is parsed at once) waits until after the tables;
* tables in foreign-key order (:func:`pgarch_kit.model.graph.table_order`); a foreign key goes
  inline only when its target already exists and is covered by a primary key or unique
  constraint — cycles and forward references become ``ALTER TABLE ... ADD CONSTRAINT`` after
  the tables, and keys that need a unique *index* wait until after the indexes;
* partitions with columns of their own are created standalone and attached (as pg_dump does),
  which keeps per-partition column defaults;
* indexes on partitions before indexes on their parent, deepest first: PostgreSQL then
  attaches the existing partition indexes instead of creating new auto-named ones;
* collations and text search objects before the types and tables that use them; types in
  dependency order (:func:`pgarch_kit.model.type_order.type_order`: a domain over a
  composite after the composite); casts after the routine they call;
* a constraint kept ``NOT VALID`` is added by ``ALTER TABLE … ADD … NOT VALID`` once the
  tables (and their indexes) exist: whatever CREATE TABLE holds is validated;
* views after every table and routine, triggers and rules after views (INSTEAD OF triggers,
  rules on views), comments after everything they describe; then grants, owners and default
  privileges, which shape who may use what was made.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .._escape import sql_comment
from ..model.design import Design, ForeignKey, Index, Table
from ..model.fragments import check_fragments
from ..model.graph import (
    TableKey,
    partition_depth,
    referenced_relations,
    routines_referencing_tables,
    table_order,
)
from ..model.names import quote_ident
from ..model.objects import RangeType
from ..model.type_order import type_order
from ._common import psql_checked, rel
from .render_details import (
    constraint_comments_sql,
    domain_comments_sql,
    index_statistics_sql,
    not_valid_sql,
    parents_of,
    table_details_sql,
)
from .render_index import index_sql
from .render_objects import (
    cast_comment_sql,
    cast_sql,
    comment_sql,
    rls_sql,
    routine_comment_sql,
    routine_sql,
    rule_comment_sql,
    rule_sql,
    table_comments_sql,
    trigger_comment_sql,
    trigger_sql,
    view_comments_sql,
    view_sql,
)
from .render_privileges import default_privilege_sql, grant_sql, owner_sql
from .render_search import ts_configuration_sql, ts_dictionary_sql
from .render_table import add_foreign_key_sql, attach_partition_sql, create_table_sql
from .render_types import (
    collation_sql,
    composite_sql,
    domain_sql,
    enum_sql,
    extension_sql,
    range_sql,
    role_sql,
    schema_sql,
    sequence_owned_by_sql,
    sequence_sql,
)

__all__ = ["NOT_LOADED", "PREAMBLE", "Section", "load_phases", "sections", "statements",
           "table_sql",
           "to_sql"]

PREAMBLE = ("SET check_function_bodies = false;",
            # expressions in the model were printed with search_path 'public'
            "SET search_path = public;")


@dataclass(frozen=True)
class Section:
    title: str
    statements: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _FkPlan:
    inline: dict[TableKey, list[ForeignKey]]
    after_tables: list[tuple[Table, ForeignKey]]
    after_indexes: list[tuple[Table, ForeignKey]]


def _covered_by_constraint(table: Table, columns: tuple[str, ...]) -> bool:
    """PostgreSQL needs a non-deferrable primary key or unique constraint (or a unique index)
    on exactly the referenced columns, in any order."""
    want = set(columns)
    pk = table.primary_key
    if pk is not None and not pk.deferrable and not pk.initially_deferred \
            and set(pk.columns) == want:
        return True
    return any(set(u.columns) == want and not u.deferrable and not u.initially_deferred
               for u in table.uniques)


def plan_foreign_keys(design: Design, order: tuple[Table, ...]) -> _FkPlan:
    pos = {t.key: i for i, t in enumerate(order)}
    by_key = {t.key: t for t in design.tables}
    plan = _FkPlan({t.key: [] for t in order}, [], [])
    for t in order:
        for fk in t.foreign_keys:
            target_key = (fk.ref_schema or t.schema, fk.ref_table)
            target = by_key.get(target_key)
            if target is None and not fk.not_valid:  # outside the design: exists already
                plan.inline[t.key].append(fk)
            elif target is not None and not _covered_by_constraint(target, fk.ref_columns):
                plan.after_indexes.append((t, fk))
            elif fk.not_valid:  # CREATE TABLE would validate it
                plan.after_tables.append((t, fk))
            elif pos[target_key] <= pos[t.key]:
                plan.inline[t.key].append(fk)
            else:
                plan.after_tables.append((t, fk))
    return plan


def routine_phases(design: Design) -> list[str]:
    """'early' (before tables), 'tables' (after tables) or 'views' (after views) per routine;
    an aggregate follows the latest routine it is built on."""
    phases = ["tables" if i in routines_referencing_tables(design) else "early"
              for i in range(len(design.routines))]
    view_keys = [v.key for v in design.views]
    for i, r in enumerate(design.routines):
        if r.kind != "aggregate" and referenced_relations(r.definition, view_keys):
            phases[i] = "views"
    late_views = [(r.schema, r.name) for i, r in enumerate(design.routines)
                  if phases[i] == "views"]
    for i, r in enumerate(design.routines):
        if r.kind == "aggregate" and referenced_relations(r.definition, view_keys + late_views):
            phases[i] = "views"
    return phases


def _routine_phase(design: Design, phases: list[str], text: str | None) -> str | None:
    """The phase of the design routine ``text`` names (``name`` or ``schema.name``), if any."""
    if not text:
        return None
    schema, _, name = text.rpartition(".")
    found = [p for r, p in zip(design.routines, phases)
             if r.name == name and r.schema == (schema or "public")]
    order = ("early", "tables", "views")
    return max(found, key=order.index) if found else None


def _type_sql(obj: object) -> list[str]:
    from ..model.design import CompositeType, Domain, EnumType
    if isinstance(obj, EnumType):
        return enum_sql(obj)
    if isinstance(obj, Domain):
        return domain_sql(obj)
    if isinstance(obj, CompositeType):
        return composite_sql(obj)
    assert isinstance(obj, RangeType)
    return range_sql(obj)


def _late_range(design: Design, phases: list[str], obj: object) -> bool:
    """A range type whose canonical or subtype_diff function is one of the design's routines
    waits for the routines."""
    return isinstance(obj, RangeType) and any(
        _routine_phase(design, phases, f) is not None for f in (obj.canonical, obj.subtype_diff))


def _casts(design: Design, phases: list[str], phase: str) -> list[str]:
    """Casts whose function is a routine of ``phase`` (casts on other functions: 'early')."""
    return [s for c in design.casts
            if (_routine_phase(design, phases, c.function) or "early") == phase
            for s in cast_sql(c)]


def _routines(design: Design, phases: list[str], phase: str) -> list[str]:
    """Functions and procedures in design order, then aggregates (built on functions)."""
    chosen = [r for r, p in zip(design.routines, phases) if p == phase]
    out: list[str] = []
    for r in [r for r in chosen if r.kind != "aggregate"] + \
            [r for r in chosen if r.kind == "aggregate"]:
        out += routine_sql(r)
    return out


def sections(design: Design, *, server_version: int = 180000) -> list[Section]:
    """The script as titled sections of statements (empty sections included). A design whose
    SQL fragments are not one expression or statement each is refused (DesignError): the
    script pastes them between its own keywords, and whoever runs it would run the rest."""
    check_fragments(design)
    order = table_order(design)
    fks = plan_foreign_keys(design, order)
    phases = routine_phases(design)
    table_pos = {t.key: i for i, t in enumerate(design.tables)}
    out: list[Section] = []

    def add(title: str, stmts: list[str]) -> None:
        out.append(Section(title, tuple(stmts)))

    add("roles", [s for r in design.roles for s in role_sql(r)])
    add("schemas", [s for sc in design.schemas for s in schema_sql(sc)])
    add("extensions", [s for e in design.extensions for s in extension_sql(e)])
    add("collations", [s for c in design.collations for s in collation_sql(c, server_version)])
    add("text search", [s for d in design.text_search_dictionaries for s in ts_dictionary_sql(d)]
        + [s for c in design.text_search_configurations for s in ts_configuration_sql(c)])
    types = type_order(design)
    add("types", [s for t in types if not _late_range(design, phases, t)
                  for s in _type_sql(t)])
    add("sequences", [s for q in design.sequences for s in sequence_sql(q)])
    add("functions and procedures", _routines(design, phases, "early"))
    add("range types using functions", [s for t in types if _late_range(design, phases, t)
                                        for s in _type_sql(t)])
    add("casts", _casts(design, phases, "early"))
    add("tables", [s for t in order for s in _table(design, t, server_version,
                                                    fks.inline[t.key])])
    add("partitions", [s for t in order for s in attach_partition_sql(t)])
    add("routines using table row types", _routines(design, phases, "tables"))
    add("casts on routines using table row types", _casts(design, phases, "tables"))
    add("sequence ownership", [s for q in design.sequences for s in sequence_owned_by_sql(q)])
    add("foreign keys (cycles and forward references)",
        [add_foreign_key_sql(t, fk, server_version) for t, fk in fks.after_tables])
    indexed = sorted(design.tables,
                     key=lambda t: (-partition_depth(design, t), table_pos[t.key]))
    add("indexes", [s for t in indexed for i in t.indexes
                    for s in _index(t.schema, t.name, i, server_version)])
    add("foreign keys needing unique indexes",
        [add_foreign_key_sql(t, fk, server_version) for t, fk in fks.after_indexes])
    add("constraints added NOT VALID",
        [s for t in design.tables for s in not_valid_sql(t, server_version)])
    add("row-level security", [s for t in design.tables for s in rls_sql(t)])
    views: list[str] = []
    for v in design.views:
        views.append(view_sql(v))
        views += [s for i in v.indexes for s in _index(v.schema, v.name, i, server_version)]
    add("views", views)
    add("routines using view row types", _routines(design, phases, "views"))
    add("casts on routines using view row types", _casts(design, phases, "views"))
    add("triggers", [s for tr in design.triggers for s in trigger_sql(tr)])
    add("rules", [s for ru in design.rules for s in rule_sql(ru)])
    add("comments", _comments(design, server_version))
    add("privileges", [s for g in design.grants for s in grant_sql(g, server_version)])
    add("ownership", [s for o in design.owners for s in owner_sql(o)])
    add("default privileges", [s for dp in design.default_privileges
                               for s in default_privilege_sql(dp, server_version)])
    return out


def _table(design: Design, t: Table, server_version: int,
           fks: list[ForeignKey] | tuple[ForeignKey, ...] = ()) -> list[str]:
    """CREATE TABLE and the statements that finish it (inheritance, column settings)."""
    return [create_table_sql(t, server_version, fks, parents_of(design, t)),
            *table_details_sql(design, t, server_version)]


def _index(schema: str, relation: str, index: Index, server_version: int) -> list[str]:
    return [index_sql(schema, relation, index, server_version),
            *index_statistics_sql(schema, index)]


def _comments(design: Design, server_version: int) -> list[str]:
    out: list[str] = []
    for e in design.enums:
        out += comment_sql("TYPE", rel(e.schema, e.name), e.comment)
    for d in design.domains:
        out += comment_sql("DOMAIN", rel(d.schema, d.name), d.comment)
        out += domain_comments_sql(d)
    for c in design.composites:
        out += comment_sql("TYPE", rel(c.schema, c.name), c.comment)
        for attr, text in c.attribute_comments:
            out += comment_sql("COLUMN", f"{rel(c.schema, c.name)}.{quote_ident(attr)}", text)
    for q in design.sequences:
        out += comment_sql("SEQUENCE", rel(q.schema, q.name), q.comment)
    for t in design.tables:
        out += table_comments_sql(t)
        out += constraint_comments_sql(t, design, server_version)
    for v in design.views:
        out += view_comments_sql(v)
    for r in design.routines:
        out += routine_comment_sql(r)
    for tr in design.triggers:
        out += trigger_comment_sql(tr)
    for co in design.collations:
        out += comment_sql("COLLATION", rel(co.schema, co.name), co.comment)
    for rg in design.ranges:
        out += comment_sql("TYPE", rel(rg.schema, rg.name), rg.comment)
    for td in design.text_search_dictionaries:
        out += comment_sql("TEXT SEARCH DICTIONARY", rel(td.schema, td.name), td.comment)
    for tc in design.text_search_configurations:
        out += comment_sql("TEXT SEARCH CONFIGURATION", rel(tc.schema, tc.name), tc.comment)
    for ca in design.casts:
        out += cast_comment_sql(ca)
    for ru in design.rules:
        out += rule_comment_sql(ru)
    return out


def statements(design: Design, *, server_version: int = 180000) -> list[str]:
    """Every statement of :func:`to_sql` in order, starting with the two SET statements the
    rest relies on; handy for applying one at a time."""
    return [*PREAMBLE, *(s for sec in sections(design, server_version=server_version)
                         for s in sec.statements)]


def to_sql(design: Design, *, server_version: int = 180000) -> str:
    """The whole design as a deterministic SQL script (empty sections are left out)."""
    major = server_version // 10000
    head = [f"-- pgarch_kit DDL for design: {sql_comment(design.name)}",
            f"-- target: PostgreSQL {major} (server_version {server_version})"]
    if design.description:
        head.append(f"-- {sql_comment(design.description)}")
    parts = ["\n".join(head) + "\n\n" + "\n\n".join(PREAMBLE)]
    for sec in sections(design, server_version=server_version):
        if sec.statements:
            parts.append(f"-- {sec.title}\n\n" + "\n\n".join(sec.statements))
    return psql_checked("\n\n".join(parts) + "\n", f"DDL of design {design.name!r}")


def table_sql(design: Design, table: Table, *, server_version: int = 180000) -> str:
    """One table on its own, for previews: CREATE TABLE with all its foreign keys inline,
    its ATTACH PARTITION, indexes, row-level security and comments."""
    inline = tuple(fk for fk in table.foreign_keys if not fk.not_valid)
    stmts = [*_table(design, table, server_version, inline),
             *attach_partition_sql(table),
             *(s for i in table.indexes
               for s in _index(table.schema, table.name, i, server_version)),
             *(add_foreign_key_sql(table, fk, server_version) for fk in table.foreign_keys
               if fk.not_valid),
             *not_valid_sql(table, server_version),
             *rls_sql(table), *table_comments_sql(table),
             *constraint_comments_sql(table, design, server_version)]
    return "\n\n".join(stmts) + "\n"


# Sections that load_phases runs after the data is in. Foreign keys, secondary indexes,
# row-level security, views, triggers and comments wait (triggers must not fire on bulk-loaded
# rows, materialized views would be empty); primary keys, unique, check and exclusion
# constraints stay in CREATE TABLE, so a generator that breaks one fails during the load.
_POST_LOAD = ("indexes", "foreign keys needing unique indexes", "constraints added NOT VALID",
              "row-level security", "views", "routines using view row types",
              "casts on routines using view row types", "triggers", "rules", "comments",
              "privileges")
# Sections a data load leaves out: the runner that loads and measures a sandbox must own every
# object in it (pgarch_kit.db.runner), and default privileges shape only objects made later.
NOT_LOADED = ("ownership", "default privileges")


def load_phases(design: Design, *, server_version: int = 180000) -> tuple[str, str]:
    """The design's DDL split around a bulk load: ``(pre, post)``.

    ``pre`` creates everything the rows need — roles, schemas, extensions, types, sequences,
    routines, tables with their primary key, unique, check and exclusion constraints, and
    partitions — but no foreign keys and no secondary indexes. ``post`` adds every foreign key
    (plain ``ADD CONSTRAINT``: each is validated by one anti-join query, see
    :mod:`pgarch_kit.db.load` for the measurement against ``NOT VALID`` + ``VALIDATE``), the
    indexes, the keys that need a unique index, row-level security, views, triggers, rules,
    comments and grants. Applied in order, the two scripts build the same objects as
    :func:`to_sql`, owned by whoever ran them: ownership and default privileges
    (:data:`NOT_LOADED`) are left out."""
    pre, post = load_sections(design, server_version=server_version)
    return _script(pre), _script(post)


def _script(parts: list[Section]) -> str:
    body = [f"-- {s.title}\n\n" + "\n\n".join(s.statements) for s in parts if s.statements]
    return "\n\n".join(["\n\n".join(PREAMBLE), *body]) + "\n"


def load_sections(design: Design, *, server_version: int = 180000
                  ) -> tuple[list[Section], list[Section]]:
    """:func:`load_phases` as titled sections (the post-load ones start with "foreign keys",
    "indexes" and "foreign keys needing unique indexes")."""
    order = table_order(design)
    fks = plan_foreign_keys(design, order)
    by_title = {s.title: s.statements for s in sections(design, server_version=server_version)}
    by_title["tables"] = tuple(s for t in order for s in _table(design, t, server_version))
    fk_now = [add_foreign_key_sql(t, fk, server_version) for t in order
              for fk in fks.inline[t.key]]
    fk_now += [add_foreign_key_sql(t, fk, server_version) for t, fk in fks.after_tables]
    pre_titles = [t for t in by_title if t not in _POST_LOAD and t not in NOT_LOADED
                  and t != "foreign keys (cycles and forward references)"]
    post = [Section("foreign keys", tuple(fk_now))] + [Section(t, by_title[t])
                                                       for t in _POST_LOAD]
    return [Section(t, by_title[t]) for t in pre_titles], post
