"""Steps for the details of columns, constraints and tables that change in place: identity
sequence options, storage and statistics settings, NOT NULL constraint names and flags,
NOT VALID / NOT ENFORCED, comments on constraints, policies and indexes, index statistics,
INHERITS parents.

Each is a catalog change PostgreSQL makes without rewriting the table, so each step is one
short transaction whose down script sets the old value back. Two cannot be undone in kind —
PostgreSQL can validate a constraint but never mark it NOT VALID again — so their undo drops
the constraint and adds it back ``NOT VALID`` (instant: nothing is scanned).

Constraints are compared without their comment and NOT VALID flag (:func:`same`): a change
of only those is an ``ALTER``/``COMMENT``/``VALIDATE``, not a drop and re-add.
"""
from __future__ import annotations

from dataclasses import replace

from pgarch_kit.ddl._common import literal, rel
from pgarch_kit.ddl.render_details import index_statistics_sql
from pgarch_kit.ddl.render_table import check_sql
from pgarch_kit.ddl.render_types import dollar_tag
from pgarch_kit.model.default_names import ConstraintNames, identity_sequence_name
from pgarch_kit.model.design import (
    Check,
    Column,
    Design,
    Exclusion,
    ForeignKey,
    IdentityOptions,
    Index,
    PrimaryKey,
    Table,
    Unique,
)
from pgarch_kit.model.names import pg_default_name, quote_ident

from .plan import MigrationError, Step

__all__ = ["column_detail_steps", "comment_steps", "extension_comment_steps",
           "index_detail_steps", "inherit_steps", "new_column_settings", "same",
           "validity_steps"]

PG16, PG18 = 160000, 180000
_LIMITS = {"smallint": (-32768, 32767), "integer": (-2147483648, 2147483647)}
_BIGINT = (-9223372036854775808, 9223372036854775807)


def same(con: object) -> object:
    """A constraint as it matters for drop-or-keep: without comment and NOT VALID (and, for a
    foreign key, NOT ENFORCED, which PostgreSQL 18 alters in place)."""
    if isinstance(con, ForeignKey):
        return replace(con, comment=None, not_valid=False, enforced=True)
    if isinstance(con, Check):
        return replace(con, comment=None, not_valid=False)
    if isinstance(con, (Unique, PrimaryKey, Exclusion)):
        return replace(con, comment=None)
    if isinstance(con, Index):
        return replace(con, comment=None,
                       keys=tuple(replace(k, statistics=None) for k in con.keys))
    return con


def _alter(t: Table, *clauses: str) -> str:
    return f"ALTER TABLE {rel(t.schema, t.name)} " + ", ".join(clauses) + ";"


# --------------------------------------------------------------------------- columns

def column_detail_steps(t: Table, old: Column, new: Column, server_version: int,
                        old_nn: str | None, new_nn: str | None) -> list[Step]:
    """Steps for one column whose type stays: identity kind and sequence options, storage,
    compression, statistics, attribute options, the NOT NULL constraint's name and flags.
    ``old_nn``/``new_nn``: the NOT NULL constraint's name before and after (PostgreSQL 18)."""
    steps = _identity_steps(t, old, new)
    settings = _settings(t, old, new, server_version)
    if settings:
        steps.append(Step(f"settings of {t.name}.{new.name}", _settings_sql(t, settings[0]),
                          _settings_sql(t, settings[1]),
                          why="storage, compression and statistics settings are catalog-only: "
                              "they apply to values written and statistics gathered from now"))
    if not old.nullable and not new.nullable:
        steps += _not_null_steps(t, old, new, old_nn, new_nn)
    return steps


def _identity_clauses(col: Column) -> list[str]:
    """Every option of an identity sequence, spelled out (so the step sets them all)."""
    o = col.identity_options or IdentityOptions()
    lo, hi = _LIMITS.get(col.type, _BIGINT)
    lo, hi = (1, hi) if o.increment > 0 else (lo, -1)
    start = o.start if o.start is not None else (
        (o.min_value if o.min_value is not None else lo) if o.increment > 0
        else (o.max_value if o.max_value is not None else hi))
    return [f"SET INCREMENT BY {o.increment}",
            f"SET MINVALUE {o.min_value}" if o.min_value is not None else "SET NO MINVALUE",
            f"SET MAXVALUE {o.max_value}" if o.max_value is not None else "SET NO MAXVALUE",
            f"SET START WITH {start}", f"SET CACHE {o.cache}",
            "SET CYCLE" if o.cycle else "SET NO CYCLE"]


def _identity_steps(t: Table, old: Column, new: Column) -> list[Step]:
    if old.identity is None or new.identity is None:
        return []
    q = quote_ident(new.name)
    steps = []
    if old.identity != new.identity:
        steps.append(Step(
            f"identity of {t.name}.{new.name}: {old.identity} -> {new.identity}",
            (_alter(t, f"ALTER COLUMN {q} SET GENERATED {new.identity.upper()}"),),
            (_alter(t, f"ALTER COLUMN {q} SET GENERATED {old.identity.upper()}"),),
            why="catalog-only"))
    oo, no = old.identity_options or IdentityOptions(), new.identity_options or IdentityOptions()
    if replace(oo, sequence=None, comment=None) != replace(no, sequence=None, comment=None):
        # a sequence turning round must start again from its START: its current value is
        # outside the new range
        turn = (oo.increment > 0) != (no.increment > 0)
        steps.append(Step(
            f"identity sequence options of {t.name}.{new.name}",
            (_alter(t, f"ALTER COLUMN {q} " + " ".join(_identity_clauses(new))
                    + (" RESTART" if turn else "")),),
            (_alter(t, f"ALTER COLUMN {q} " + " ".join(_identity_clauses(old))
                    + (" RESTART" if turn else "")),),
            why="the sequence keeps its current value (it restarts only when it changes "
                "direction); a MINVALUE above that value (or a MAXVALUE below it) is "
                "refused — RESTART the sequence by hand first"))
    old_seq = oo.sequence or identity_sequence_name(t, old.name)
    new_seq = no.sequence or identity_sequence_name(t, new.name)
    if old_seq != new_seq:
        steps.append(Step(
            f"rename identity sequence {old_seq} -> {new_seq}",
            (f"ALTER SEQUENCE {rel(t.schema, old_seq)} RENAME TO {quote_ident(new_seq)};",),
            (f"ALTER SEQUENCE {rel(t.schema, new_seq)} RENAME TO {quote_ident(old_seq)};",),
            why="catalog-only"))
    return steps


def _settings_sql(t: Table, clauses: list[tuple[bool, str]]) -> tuple[str, ...]:
    """Storage and compression reach the table's partitions and children, as PARTITION OF
    and INHERITS copy them; statistics targets and options are the table's own (ONLY)."""
    spread = [c for only, c in clauses if not only]
    own = [c for only, c in clauses if only]
    out = (_alter(t, *spread),) if spread else ()
    if own:
        out += (f"ALTER TABLE ONLY {rel(t.schema, t.name)} " + ", ".join(own) + ";",)
    return out


def _settings(t: Table, old: Column, new: Column, server_version: int
              ) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]] | None:
    """(up clauses, down clauses) for storage, compression, statistics and options, each
    with whether it must stay on the table itself (ONLY)."""
    q = quote_ident(new.name)

    def one(a: Column, b: Column) -> list[tuple[bool, str]]:
        out: list[tuple[bool, str]] = []
        if a.storage != b.storage:
            storage = b.storage or ("default" if server_version >= PG16
                                    else _type_storage(b.type))
            if storage is None:
                raise MigrationError(
                    f"column {t.name}.{b.name}: back to the type's default storage needs "
                    f"SET STORAGE DEFAULT (PostgreSQL 16+): name the storage in the design")
            out.append((False, f"ALTER COLUMN {q} SET STORAGE {storage.upper()}"))
        if a.compression != b.compression:
            out.append((False, f"ALTER COLUMN {q} SET COMPRESSION "
                               f"{b.compression or 'default'}"))
        if a.statistics != b.statistics:
            out.append((True, f"ALTER COLUMN {q} SET STATISTICS "
                              f"{b.statistics if b.statistics is not None else -1}"))
        if a.options != b.options:
            gone = [o.split("=")[0].strip() for o in a.options]
            gone = [k for k in gone if k not in [o.split("=")[0].strip() for o in b.options]]
            if gone:
                out.append((True, f"ALTER COLUMN {q} RESET ({', '.join(gone)})"))
            if b.options:
                out.append((True, f"ALTER COLUMN {q} SET "
                                  f"({', '.join(o.strip() for o in b.options)})"))
        return out
    up = one(old, new)
    return (up, one(new, old)) if up else None


# Built-in variable-length types, stored EXTENDED unless told otherwise (PostgreSQL 15 has no
# SET STORAGE DEFAULT, so going back to the default must name it).
_EXTENDED = frozenset({"text", "bytea", "jsonb", "json", "xml", "numeric", "tsvector",
                       "tsquery", "character varying", "character", "bit varying", "bit"})


def _type_storage(type_text: str) -> str | None:
    base = type_text.split("(")[0].strip()
    if type_text.endswith("]") or base in _EXTENDED:
        return "extended"
    return None


def new_column_settings(t: Table, c: Column, server_version: int,
                        parent: Column | None = None) -> list[Step]:
    """Settings of a column just added (ADD COLUMN cannot carry them); ``parent``: the column
    of the parent it came with, whose storage and compression it got."""
    bare = replace(c, storage=parent.storage if parent else None,
                   compression=parent.compression if parent else None, statistics=None,
                   options=())
    found = _settings(t, bare, c, server_version)
    if not found:
        return []
    return [Step(f"settings of {t.name}.{c.name}", _settings_sql(t, found[0]), (),
                 why="catalog-only")]


def _not_null_steps(t: Table, old: Column, new: Column, old_nn: str | None,
                    new_nn: str | None) -> list[Step]:
    steps = []
    q = quote_ident(new.name)
    if old_nn and new_nn and old_nn != new_nn:
        from .columns import rename_not_null
        steps.append(Step(f"rename NOT NULL constraint {old_nn} -> {new_nn}",
                          (rename_not_null(t, old_nn, new_nn),),
                          (rename_not_null(t, new_nn, old_nn),),
                          why="catalog-only (PostgreSQL 18 names NOT NULL constraints)"))
    name = quote_ident(new_nn or old_nn or "")
    if new_nn and old.not_null_no_inherit != new.not_null_no_inherit:
        flag = {True: "NO INHERIT", False: "INHERIT"}
        steps.append(Step(
            f"NOT NULL {new_nn}: {flag[new.not_null_no_inherit]}",
            (_alter(t, f"ALTER CONSTRAINT {name} {flag[new.not_null_no_inherit]}"),),
            (_alter(t, f"ALTER CONSTRAINT {name} {flag[old.not_null_no_inherit]}"),),
            why="catalog-only (inheriting children gain or lose the constraint)"))
    if new_nn and old.not_null_not_valid != new.not_null_not_valid:
        unvalidated = _alter(t, f"ALTER COLUMN {q} DROP NOT NULL",
                             f"ADD CONSTRAINT {name} NOT NULL {q} NOT VALID")
        validate = _alter(t, f"VALIDATE CONSTRAINT {name}")
        if new.not_null_not_valid:
            steps.append(Step(f"NOT NULL {new_nn}: NOT VALID", (unvalidated,), (validate,),
                              why="PostgreSQL cannot unvalidate: dropped and added back NOT "
                                  "VALID, which scans nothing"))
        else:
            steps.append(Step(f"validate NOT NULL {new_nn}", (validate,), (unvalidated,),
                              why="VALIDATE scans under SHARE UPDATE EXCLUSIVE: reads and "
                                  "writes continue"))
    return steps


# --------------------------------------------------------------------------- constraints

def validity_steps(t: Table, old: Check | ForeignKey, new: Check | ForeignKey, name: str,
                   server_version: int) -> list[Step]:
    """A constraint kept, whose NOT VALID (or, for a foreign key, NOT ENFORCED) changed."""
    q = quote_ident(name)
    steps = []
    if isinstance(new, ForeignKey) and old.enforced != new.enforced:
        if server_version < PG18:
            raise MigrationError(f"foreign key {name}: NOT ENFORCED needs PostgreSQL 18")
        flag = {True: "ENFORCED", False: "NOT ENFORCED"}
        steps.append(Step(f"foreign key {name}: {flag[new.enforced]}",
                          (_alter(t, f"ALTER CONSTRAINT {q} {flag[new.enforced]}"),),
                          (_alter(t, f"ALTER CONSTRAINT {q} {flag[old.enforced]}"),),
                          why="ENFORCED checks every existing row (the table stays readable)"
                          if new.enforced else "catalog-only"))
    if old.not_valid != new.not_valid and new.enforced:
        if isinstance(new, Check):
            definition = check_sql(t, replace(new, name=name), server_version)
        else:
            from pgarch_kit.ddl.render_table import foreign_key_sql
            definition = foreign_key_sql(t, replace(new, name=name), server_version)
        readd = (_alter(t, f"DROP CONSTRAINT {q}"), _alter(t, f"ADD {definition} NOT VALID"))
        validate = (_alter(t, f"VALIDATE CONSTRAINT {q}"),)
        if new.not_valid:
            steps.append(Step(f"{name}: NOT VALID", readd, validate,
                              why="PostgreSQL cannot unvalidate: dropped and added back NOT "
                                  "VALID in one transaction, which scans nothing"))
        else:
            steps.append(Step(f"validate {name}", validate, readd,
                              why="VALIDATE scans under SHARE UPDATE EXCLUSIVE: reads and "
                                  "writes continue"))
    return steps


def comment_steps(o: Table, t: Table, old_names: ConstraintNames,
                  new_names: ConstraintNames, old_nn: dict[str, str] | None = None,
                  new_nn: dict[str, str] | None = None) -> list[Step]:
    """COMMENT ON CONSTRAINT / POLICY, and on a column's NOT NULL constraint and identity
    sequence, for those in both versions whose comment changed (a constraint added or dropped
    carries its comment in its own step; index comments are :mod:`.comments`')."""
    up: list[str] = []
    down: list[str] = []
    target = rel(t.schema, t.name)

    def note(kind: str, what: str, before: str | None, after: str | None) -> None:
        if before != after:
            up.append(f"COMMENT ON {kind} {what} IS "
                      f"{literal(after) if after is not None else 'NULL'};")
            down.append(f"COMMENT ON {kind} {what} IS "
                        f"{literal(before) if before is not None else 'NULL'};")
    old_cons = dict(_named_constraints(o, old_names))
    for name, con in _named_constraints(t, new_names):
        prev = old_cons.get(name)
        if prev is not None and same(prev) == same(con):
            note("CONSTRAINT", f"{quote_ident(name)} ON {target}", prev.comment, con.comment)
        elif isinstance(con, (PrimaryKey, Exclusion)):  # (re)added by steps that omit it
            note("CONSTRAINT", f"{quote_ident(name)} ON {target}", None, con.comment)
    old_pol = {p.name: p for p in o.policies}
    for p in t.policies:
        prev = old_pol.get(p.name)
        if prev is not None and replace(prev, comment=None) == replace(p, comment=None):
            note("POLICY", f"{quote_ident(p.name)} ON {target}", prev.comment, p.comment)
    for c in t.columns:
        prev = o.column(c.name)
        name = (new_nn or {}).get(c.name)
        if prev is None or prev.nullable:  # the column or its NOT NULL is new
            if name is not None and not c.nullable:
                note("CONSTRAINT", f"{quote_ident(name)} ON {target}", None,
                     c.not_null_comment)
        elif name is not None:  # renamed or not, the comment goes with the constraint
            note("CONSTRAINT", f"{quote_ident(name)} ON {target}", prev.not_null_comment,
                 c.not_null_comment)
        if c.identity and (prev is None or prev.identity):
            po = prev.identity_options if prev is not None else None
            no = c.identity_options
            seq = (no.sequence if no else None) or identity_sequence_name(t, c.name)
            note("SEQUENCE", rel(t.schema, seq), po.comment if po else None,
                 no.comment if no else None)
    if not up:
        return []
    return [Step(f"comments on constraints and policies of {t.name}", tuple(up),
                 tuple(down), why="catalog-only")]


def _named_constraints(t: Table, names: ConstraintNames) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    if t.primary_key is not None and names.primary_key:
        out.append((names.primary_key, t.primary_key))
    for items, found in ((t.uniques, names.uniques), (t.checks, names.checks),
                         (t.exclusions, names.exclusions),
                         (t.foreign_keys, names.foreign_keys)):
        out += list(zip(found, items, strict=True))
    return out


def constraint_comment(t: Table, name: str, comment: str | None) -> tuple[str, ...]:
    """The COMMENT statement for a constraint just added (nothing when it has none)."""
    if comment is None:
        return ()
    return (f"COMMENT ON CONSTRAINT {quote_ident(name)} ON {rel(t.schema, t.name)} IS "
            f"{literal(comment)};",)


# --------------------------------------------------------------------------- tables, indexes

def index_detail_steps(o: Table, t: Table) -> list[Step]:
    """Statistics targets of expression keys, for indexes kept."""
    from .tables import index_shape
    old_idx = {i.name: i for i in o.indexes}
    steps = []
    for i in t.indexes:
        prev = old_idx.get(i.name)
        if prev is None or index_shape(prev) != index_shape(i):
            continue
        if [k.statistics for k in prev.keys] != [k.statistics for k in i.keys]:
            def stats(ix: Index) -> tuple[str, ...]:
                return tuple(
                    f"ALTER INDEX {rel(t.schema, ix.name)} ALTER COLUMN {n} SET STATISTICS "
                    f"{k.statistics if k.statistics is not None else -1};"
                    for n, k in enumerate(ix.keys, start=1) if k.expression)
            steps.append(Step(f"statistics of index {i.name}", stats(i), stats(prev),
                              why="catalog-only: used by the next ANALYZE"))
    return steps


def new_index_statistics(t: Table, i: Index) -> tuple[str, ...]:
    return tuple(index_statistics_sql(t.schema, i))


def extension_comment_steps(old: Design, new: Design) -> list[Step]:
    """A comment on an extension the new design sets or changes; ``None`` is the comment the
    extension's install script wrote, looked up on the server."""
    had = {e.name: e.comment for e in old.extensions}
    return [Step(f"comment on extension {e.name}", (_extension_comment(e.name, e.comment),),
                 (_extension_comment(e.name, had.get(e.name)),), why="catalog-only")
            for e in new.extensions if e.name in had and had[e.name] != e.comment]


def _extension_comment(name: str, comment: str | None) -> str:
    if comment is not None:
        return f"COMMENT ON EXTENSION {quote_ident(name)} IS {literal(comment)};"
    body = (f"\nBEGIN\n  EXECUTE format('COMMENT ON EXTENSION %I IS %L', {literal(name)}, "
            f"(SELECT comment FROM pg_catalog.pg_available_extensions WHERE name = "
            f"{literal(name)}));\nEND\n")
    tag = dollar_tag(body, "ext")
    return f"DO {tag}{body}{tag};"


def inherit_steps(o: Table, t: Table) -> list[Step]:
    """INHERIT / NO INHERIT for parents added or removed."""
    old, new = list(o.parent_keys), list(t.parent_keys)
    steps = []
    for schema, name in new:
        if (schema, name) not in old:
            steps.append(Step(
                f"{t.name} inherits {name}",
                (_alter(t, f"INHERIT {rel(schema, name)}"),),
                (_alter(t, f"NO INHERIT {rel(schema, name)}"),),
                why="the table must already have the parent's columns and CHECK constraints; "
                    "queries on the parent see its rows from now on"))
    for schema, name in old:
        if (schema, name) not in new:
            steps.append(Step(
                f"{t.name} no longer inherits {name}",
                (_alter(t, f"NO INHERIT {rel(schema, name)}"),),
                (_alter(t, f"INHERIT {rel(schema, name)}"),),
                why="catalog-only: queries on the parent stop seeing its rows"))
    return steps


def default_not_null_name(t: Table, column: str) -> str:
    return pg_default_name(t.name, (column,), "not_null")
