"""Statements that finish a table after its CREATE TABLE: inheritance attached later, the
columns that come from a parent, per-column storage and statistics settings, constraints
added ``NOT VALID``, and comments on constraints and policies.

Why they are separate statements:

* ``SET STORAGE`` in CREATE TABLE needs PostgreSQL 16 and ``SET STATISTICS`` / ``SET (…)`` have
  no CREATE TABLE form at all, so every column setting is an ``ALTER TABLE`` right after the
  table — before its partitions and children exist, because ``PARTITION OF`` and
  ``INHERITS`` copy the parent's storage and compression (not its statistics or options);
* PostgreSQL validates every constraint CREATE TABLE holds, so a constraint the design keeps
  ``NOT VALID`` (rows already there were never checked) must be added by ``ALTER TABLE … ADD
  … NOT VALID`` — the script does it after the tables (and, for a bulk load, after the data);
* a column a table only inherits is not written in its CREATE TABLE; where the table changed
  it afterwards (its own default, NOT NULL) the change is replayed.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..model.default_names import constraint_names, identity_sequence_name, not_null_names
from ..model.design import Column, Design, Domain, Index, Table
from ..model.names import pg_default_name, quote_ident
from ._common import literal, need_version, rel
from .render_table import check_sql, inherits_inline

__all__ = [
    "constraint_comments_sql",
    "domain_check_names",
    "domain_comments_sql",
    "index_statistics_sql",
    "not_valid_sql",
    "parents_of",
    "table_details_sql",
]

PG16, PG18 = 160000, 180000


def parents_of(design: Design | None, table: Table) -> tuple[Table, ...]:
    """The design's tables that ``table`` INHERITS, in order (those outside it left out)."""
    if design is None or not table.inherits:
        return ()
    found = (design.table(name, schema) for schema, name in table.parent_keys)
    return tuple(p for p in found if p is not None)


def _alter(table: Table, clauses: list[str]) -> list[str]:
    if not clauses:
        return []
    return [f"ALTER TABLE {rel(table.schema, table.name)}\n    " + ",\n    ".join(clauses)
            + ";"]


def table_details_sql(design: Design | None, table: Table, server_version: int) -> list[str]:
    """What follows ``CREATE TABLE`` for ``table`` (see the module documentation)."""
    parents = parents_of(design, table)
    inline = bool(table.inherits) and inherits_inline(table, parents)
    out: list[str] = []
    if table.inherits and not inline:
        out += [f"ALTER TABLE {rel(table.schema, table.name)} INHERIT {rel(schema, name)};"
                for schema, name in table.parent_keys]
    clauses: list[str] = []
    for col in table.columns:
        from_parent = _parent_column(parents, col.name) if inline else None
        if col.inherited and from_parent is not None:
            clauses += _inherited_column(table, col, from_parent)
        clauses += _column_settings(table, col, from_parent, server_version)
    return out + _alter(table, clauses)


def _parent_column(parents: Sequence[Table], name: str) -> Column | None:
    for p in parents:
        col = p.column(name)
        if col is not None:
            return col
    return None


def _inherited_column(table: Table, col: Column, parent: Column) -> list[str]:
    """A column the table does not declare: its own default or NOT NULL, replayed."""
    q = quote_ident(col.name)
    out = []
    if col.default != parent.default:
        out.append(f"ALTER COLUMN {q} SET DEFAULT {col.default}" if col.default is not None
                   else f"ALTER COLUMN {q} DROP DEFAULT")
    if not col.nullable and parent.nullable and not col.not_null_not_valid:
        out.append(f"ADD CONSTRAINT {quote_ident(col.not_null_name)} NOT NULL {q}"
                   if col.not_null_name else f"ALTER COLUMN {q} SET NOT NULL")
    return out


def _column_settings(table: Table, col: Column, parent: Column | None,
                     server_version: int) -> list[str]:
    """SET STORAGE / COMPRESSION / STATISTICS / (options) where the column differs from what
    it gets at creation: the type's defaults, or the parent's storage and compression."""
    q = quote_ident(col.name)
    out = []
    base_storage = parent.storage if parent is not None else None
    if col.storage != base_storage:
        if col.storage is None:
            need_version(server_version, PG16, f"SET STORAGE DEFAULT on {table.name}.{col.name}")
        out.append(f"ALTER COLUMN {q} SET STORAGE {(col.storage or 'default').upper()}")
    base_compression = parent.compression if parent is not None else None
    if col.compression != base_compression:
        out.append(f"ALTER COLUMN {q} SET COMPRESSION {col.compression or 'default'}")
    if col.statistics is not None:
        out.append(f"ALTER COLUMN {q} SET STATISTICS {col.statistics}")
    if col.options:
        out.append(f"ALTER COLUMN {q} SET ({', '.join(o.strip() for o in col.options)})")
    return out


def not_valid_sql(table: Table, server_version: int) -> list[str]:
    """CHECK and NOT NULL constraints the design keeps NOT VALID, added unchecked (foreign
    keys go with the other foreign keys)."""
    name = rel(table.schema, table.name)
    out = [f"ALTER TABLE {name}\n    ADD {check_sql(table, c, server_version)} NOT VALID;"
           for c in table.checks if c.not_valid]
    for col in table.columns:
        if col.nullable or not col.not_null_not_valid:
            continue
        need_version(server_version, PG18, f"NOT NULL … NOT VALID on {table.name}.{col.name}")
        named = f"CONSTRAINT {quote_ident(col.not_null_name)} " if col.not_null_name else ""
        no_inherit = " NO INHERIT" if col.not_null_no_inherit else ""
        out.append(f"ALTER TABLE {name}\n    ADD {named}NOT NULL {quote_ident(col.name)}"
                   f"{no_inherit} NOT VALID;")
    return out


def constraint_comments_sql(table: Table, design: Design | None = None,
                            server_version: int = PG18) -> list[str]:
    """COMMENT ON CONSTRAINT (unnamed ones by the name PostgreSQL gives them), ON POLICY, and
    on the objects a column brings: its NOT NULL constraint (PostgreSQL 18 only: older
    servers have none to comment) and its identity sequence."""
    target = rel(table.schema, table.name)
    names = None
    out = []
    pk = table.primary_key
    cons = [*([pk] if pk is not None else []), *table.uniques, *table.checks,
            *table.exclusions, *table.foreign_keys]
    for con in cons:
        if con.comment is None:
            continue
        name = con.name
        if name is None:
            names = names or constraint_names(table)
            name = names.primary_key if con is pk else names.of(table, con)
        out.append(f"COMMENT ON CONSTRAINT {quote_ident(name)} ON {target} IS "
                   f"{literal(con.comment)};")
    out += [f"COMMENT ON POLICY {quote_ident(p.name)} ON {target} IS {literal(p.comment)};"
            for p in table.policies if p.comment is not None]
    nn = None
    for col in table.columns:
        if col.not_null_comment is not None and not col.nullable and server_version >= PG18:
            nn = nn if nn is not None else not_null_names(design or Design("", tables=(table,)),
                                                          table)
            out.append(f"COMMENT ON CONSTRAINT {quote_ident(nn[col.name])} ON {target} IS "
                       f"{literal(col.not_null_comment)};")
        opts = col.identity_options
        if col.identity and opts is not None and opts.comment is not None:
            seq = opts.sequence or identity_sequence_name(table, col.name)
            out.append(f"COMMENT ON SEQUENCE {rel(table.schema, seq)} IS "
                       f"{literal(opts.comment)};")
    return out


def domain_comments_sql(domain: Domain) -> list[str]:
    """COMMENT ON CONSTRAINT … ON DOMAIN for commented checks (named: see domain_sql)."""
    target = rel(domain.schema, domain.name)
    return [f"COMMENT ON CONSTRAINT {quote_ident(name)} ON DOMAIN {target} IS "
            f"{literal(c.comment)};"
            for c, name in zip(domain.checks, domain_check_names(domain), strict=True)
            if c.comment is not None]


def domain_check_names(domain: Domain) -> list[str]:
    """Each check's name: as written, or PostgreSQL's ``<domain>_check`` (numbered on a
    clash)."""
    taken = {c.name for c in domain.checks if c.name}
    out = []
    for c in domain.checks:
        name = c.name or pg_default_name(domain.name, (), "check", taken)
        taken.add(name)
        out.append(name)
    return out


def index_statistics_sql(schema: str, index: Index) -> list[str]:
    """ALTER INDEX … ALTER COLUMN n SET STATISTICS for expression keys that have a target."""
    return [f"ALTER INDEX {rel(schema, index.name)} ALTER COLUMN {i} SET STATISTICS "
            f"{k.statistics};" for i, k in enumerate(index.keys, start=1)
            if k.statistics is not None]

