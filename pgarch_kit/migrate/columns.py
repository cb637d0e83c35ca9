"""Column changes in their lock-safe forms.

PostgreSQL facts each form relies on:

* ``ADD COLUMN`` with no default or a non-volatile one is a catalog change (PostgreSQL 11+
  stores the default once); a volatile default (``gen_random_uuid()``, ``clock_timestamp()``)
  would rewrite the table under ACCESS EXCLUSIVE — so the column is added bare, the default
  set for new rows, and old rows filled in batches;
* ``SET NOT NULL`` scans the table under ACCESS EXCLUSIVE unless a validated
  ``CHECK (col IS NOT NULL)`` already proves it (PostgreSQL 12+): add the check ``NOT VALID``,
  ``VALIDATE`` it (SHARE UPDATE EXCLUSIVE: reads and writes go on), then ``SET NOT NULL`` and
  drop the check;
* a type change rewrites the table unless the new type is binary-compatible (``varchar(n)``
  widened or to ``text``, ``numeric`` precision widened at the same scale, a dropped
  length or precision) — otherwise expand/contract: a new column kept in sync by a
  trigger, a batched backfill, and a swap at contract time;
* a rename breaks every running client at once, so it is expand/contract too: the new column
  is added and kept in sync in both directions until the contract step drops the old one.
"""
from __future__ import annotations

import re
from dataclasses import replace

from pgarch_kit.ddl._common import literal
from pgarch_kit.ddl.render_table import column_sql
from pgarch_kit.ddl.render_types import dollar_tag
from pgarch_kit.model.design import Column, Table
from pgarch_kit.model.names import derive_name, pg_default_name, quote_ident

from .plan import MigrationError, Step

__all__ = ["add_column", "batched_backfill", "change_default", "change_nullability",
           "change_type", "drop_column", "rename_column", "rename_not_null", "volatile"]

_VOLATILE = re.compile(r"\b(gen_random_uuid|uuid_generate_v[14]|uuidv[47]|random|"
                       r"clock_timestamp|timeofday|nextval|statement_timestamp)\s*\(", re.I)


def volatile(default: str | None) -> bool:
    """Whether a default expression calls a volatile function (those force a rewrite)."""
    return bool(default and _VOLATILE.search(default))


def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def _alter(t: Table, *clauses: str) -> str:
    return f"ALTER TABLE {_rel(t)} " + ", ".join(clauses) + ";"


def _name(*parts: str) -> str:
    """A constraint/function name within PostgreSQL's 63-byte limit (in bytes)."""
    return derive_name(*parts)


def batched_backfill(t: Table, set_sql: str, where: str, batch: int = 10_000) -> str:
    """A ``DO`` block updating ``batch`` rows per transaction until none is left: short
    row locks, no long transaction holding back vacuum (runs outside a transaction block)."""
    return (f"DO $backfill$\nDECLARE n bigint;\nBEGIN\n  LOOP\n"
            f"    UPDATE {_rel(t)} SET {set_sql}\n"
            f"     WHERE ctid = ANY (ARRAY(SELECT ctid FROM {_rel(t)} WHERE {where} "
            f"LIMIT {batch}));\n"
            f"    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n    COMMIT;\n"
            f"  END LOOP;\nEND\n$backfill$;")


def _not_null_steps(t: Table, col: str, title: str) -> list[Step]:
    # not <table>_<col>_not_null: PostgreSQL 18 gives the NOT NULL constraint that name, and
    # would number it (…_not_null1) while this check holds it
    check = _name(t.name, col, "not_null_check")
    q = quote_ident(col)
    return [
        Step(f"{title}: CHECK NOT VALID", (
            _alter(t, f"ADD CONSTRAINT {quote_ident(check)} CHECK ({q} IS NOT NULL) NOT VALID"),),
            (_alter(t, f"DROP CONSTRAINT IF EXISTS {quote_ident(check)}"),),
            why="NOT VALID skips the scan: the ACCESS EXCLUSIVE lock is held for a moment"),
        Step(f"{title}: VALIDATE", (_alter(t, f"VALIDATE CONSTRAINT {quote_ident(check)}"),), (),
             why="VALIDATE scans under SHARE UPDATE EXCLUSIVE: reads and writes continue"),
        Step(f"{title}: SET NOT NULL", (
            _alter(t, f"ALTER COLUMN {q} SET NOT NULL"),
            _alter(t, f"DROP CONSTRAINT IF EXISTS {quote_ident(check)}")),
            (_alter(t, f"ALTER COLUMN {q} DROP NOT NULL"),),
            why="the validated CHECK proves the column has no NULL, so SET NOT NULL does not "
                "scan (PostgreSQL 12+)"),
    ]


def add_column(t: Table, c: Column, server_version: int) -> list[Step]:
    label = f"add column {t.name}.{c.name}"
    if not c.nullable and c.not_null_not_valid:
        # rows already there may hold NULL: the column comes nullable, then its NOT NULL
        # NOT VALID (PostgreSQL 18), checked for new rows only, as the design keeps it
        plain = replace(c, nullable=True, not_null_name=None, not_null_no_inherit=False,
                        not_null_not_valid=False, not_null_comment=None)
        named = f"CONSTRAINT {quote_ident(c.not_null_name)} " if c.not_null_name else ""
        flag = " NO INHERIT" if c.not_null_no_inherit else ""
        return [*add_column(t, plain, server_version), Step(
            f"{label}: NOT NULL NOT VALID",
            (_alter(t, f"ADD {named}NOT NULL {quote_ident(c.name)}{flag} NOT VALID"),),
            (_alter(t, f"ALTER COLUMN {quote_ident(c.name)} DROP NOT NULL"),),
            why="NOT VALID: new rows are checked, existing ones are not scanned")]
    drop = (_alter(t, f"DROP COLUMN IF EXISTS {quote_ident(c.name)}"),)
    if c.identity or c.generated:
        return [Step(label, (_alter(t, "ADD COLUMN IF NOT EXISTS "
                                    + column_sql(t, c, server_version)),), drop,
                     why="identity and stored generated columns fill every existing row: "
                         "this rewrites the table (the advisor flags it); run it in a quiet "
                         "window or add the column on a new table")]
    if not c.nullable and c.default is None:
        raise MigrationError(
            f"column {t.name}.{c.name} is NOT NULL without a default: existing rows need a "
            f"value. Give it a default in the new design (a constant is free; the plan "
            f"backfills a volatile one in batches), or add it nullable in this version, fill "
            f"it, and make it NOT NULL in the next")
    if not volatile(c.default):
        return [Step(label, (_alter(t, "ADD COLUMN IF NOT EXISTS "
                                    + column_sql(t, c, server_version)),), drop,
                     why="no default or a non-volatile one: a catalog-only change "
                         "(PostgreSQL 11+ stores the default once)")]
    bare = Column(c.name, c.type, collation=c.collation, comment=c.comment)
    q = quote_ident(c.name)
    steps = [Step(f"{label} (no default yet)", (
        _alter(t, "ADD COLUMN IF NOT EXISTS " + column_sql(t, bare, server_version)),
        _alter(t, f"ALTER COLUMN {q} SET DEFAULT {c.default}")), drop,
        why=f"the default {c.default} is volatile: adding it with the column would rewrite "
            f"the table; new rows get it from now on"),
        Step(f"backfill {t.name}.{c.name}", (batched_backfill(t, f"{q} = {c.default}",
                                                              f"{q} IS NULL"),), (),
             phase="backfill", transactional=False,
             why="existing rows filled in batches of 10,000, one commit each")]
    if not c.nullable:
        steps += [_with_phase(s, "backfill") for s in _not_null_steps(t, c.name, label)]
        if c.not_null_name:
            default = pg_default_name(t.name, (c.name,), "not_null")
            steps.append(Step(f"{label}: name its NOT NULL {c.not_null_name}", (
                rename_not_null(t, default, c.not_null_name),), (), phase="backfill",
                why="catalog-only"))
    return steps


def rename_not_null(t: Table, old: str, new: str) -> str:
    """Rename a NOT NULL constraint where the server has one: PostgreSQL 18 names them,
    older servers have none, so the same script runs on both (a DO block that looks first)."""
    table = f"{quote_ident(t.schema)}.{quote_ident(t.name)}"
    body = (f"\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = "
            f"{literal(table)}::regclass AND conname = {literal(old)} AND contype = 'n') THEN"
            f"\n    ALTER TABLE {table} RENAME CONSTRAINT {quote_ident(old)} TO "
            f"{quote_ident(new)};\n  END IF;\nEND\n")
    tag = dollar_tag(body, "nn")
    return f"DO {tag}{body}{tag};"


def _not_null_name(t: Table, c: Column) -> str:
    """The NOT NULL constraint's name PostgreSQL 18 gives ``c`` on ``t`` (or the design's)."""
    return c.not_null_name or pg_default_name(t.name, (c.name,), "not_null")


def _with_phase(s: Step, phase: str) -> Step:
    return Step(s.title, s.up, s.down, phase, s.transactional, s.why, s.loses_data)  # type: ignore[arg-type]


def drop_column(t: Table, c: Column, server_version: int) -> list[Step]:
    keep_default = c.default is not None and not volatile(c.default)
    # with a constant default the column comes back NOT NULL as it was (the default fills it)
    back = Column(c.name, c.type, c.nullable or not keep_default,
                  c.default if keep_default else None, collation=c.collation, comment=c.comment)
    return [Step(f"drop column {t.name}.{c.name}",
                 (_alter(t, f"DROP COLUMN IF EXISTS {quote_ident(c.name)}"),),
                 (_alter(t, "ADD COLUMN IF NOT EXISTS " + column_sql(t, back, server_version)),),
                 phase="contract",
                 why="dropped last, once no running code reads it",
                 loses_data=f"the values of {t.name}.{c.name} (the down script re-adds the "
                            f"column{', nullable,' if back.nullable != c.nullable else ''} "
                            + ("filled with its default)" if keep_default else "empty)"))]


def change_default(t: Table, old: Column, new: Column) -> list[Step]:
    def set_(c: Column) -> str:
        q = quote_ident(c.name)
        return _alter(t, f"ALTER COLUMN {q} SET DEFAULT {c.default}" if c.default is not None
                      else f"ALTER COLUMN {q} DROP DEFAULT")
    return [Step(f"default of {t.name}.{new.name}: {old.default or 'none'} -> "
                 f"{new.default or 'none'}", (set_(new),), (set_(old),),
                 why="a default applies to new rows only: catalog-only, no rewrite")]


def change_nullability(t: Table, old: Column, new: Column) -> list[Step]:
    q = quote_ident(new.name)
    if new.nullable:
        return [Step(f"{t.name}.{new.name} DROP NOT NULL",
                     (_alter(t, f"ALTER COLUMN {q} DROP NOT NULL"),),
                     (_alter(t, f"ALTER COLUMN {q} SET NOT NULL"),),
                     why="catalog-only; the down script's SET NOT NULL scans (and fails if "
                         "NULLs were written meanwhile)")]
    title = f"{t.name}.{new.name} SET NOT NULL"
    fill: list[Step] = []
    if new.default is not None:
        fill = [Step(f"{title}: fill NULLs with the default", (batched_backfill(
            t, f"{q} = {new.default}", f"{q} IS NULL"),), (), transactional=False,
            why="rows written before the change may hold NULL; they get the new default in "
                "batches (the down script keeps the filled values)")]
    steps = _not_null_steps(t, new.name, title)
    if not fill:
        steps[1] = Step(steps[1].title, steps[1].up, steps[1].down, why=steps[1].why
                        + "; it fails if a NULL is left — give the column a default in the "
                          "design (the plan then fills NULLs first) or fix the rows")
    return fill + steps


_VARCHAR = re.compile(r"^(?:character varying|varchar)\s*\((\d+)\)$", re.I)
_NUMERIC = re.compile(r"^(?:numeric|decimal)\s*\((\d+)\s*(?:,\s*(\d+))?\)$", re.I)


def binary_compatible(old: str, new: str) -> bool:
    """Type changes PostgreSQL makes without rewriting the table (or its indexes)."""
    o, n = old.strip().lower(), new.strip().lower()
    if o == n:
        return True
    if (mo := _VARCHAR.match(o)) and (n in ("text", "varchar", "character varying")
                                      or ((mn := _VARCHAR.match(n)) and
                                          int(mn.group(1)) >= int(mo.group(1)))):
        return True
    if (mo := _NUMERIC.match(o)) and (n in ("numeric", "decimal") or (
            (mn := _NUMERIC.match(n)) and (mn.group(2) or "0") == (mo.group(2) or "0")
            and int(mn.group(1)) >= int(mo.group(1)))):
        return True
    return o in ("varchar", "character varying") and n == "text"


def _sync_function(t: Table, fn: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {quote_ident(t.schema)}.{quote_ident(fn)}() "
            f"RETURNS trigger LANGUAGE plpgsql AS $sync$\nBEGIN\n{body}\n  RETURN NEW;\n"
            f"END\n$sync$;")


def _both_ways(src: str, dst: str) -> str:
    """Rename sync: an insert fills whichever name the writer left empty; an update copies
    the name that changed into the other."""
    s, d = f"NEW.{quote_ident(src)}", f"NEW.{quote_ident(dst)}"
    return (f"  IF TG_OP = 'INSERT' THEN\n    {d} := coalesce({d}, {s});\n"
            f"    {s} := coalesce({s}, {d});\n"
            f"  ELSIF {d} IS DISTINCT FROM OLD.{quote_ident(dst)} THEN\n    {s} := {d};\n"
            f"  ELSE\n    {d} := {s};\n  END IF;")


def _trigger(t: Table, fn: str) -> str:
    return (f"CREATE OR REPLACE TRIGGER {quote_ident(fn)} BEFORE INSERT OR UPDATE ON {_rel(t)} "
            f"FOR EACH ROW EXECUTE FUNCTION {quote_ident(t.schema)}.{quote_ident(fn)}();")


def _drop_sync(t: Table, fn: str) -> tuple[str, str]:
    return (f"DROP TRIGGER IF EXISTS {quote_ident(fn)} ON {_rel(t)};",
            f"DROP FUNCTION IF EXISTS {quote_ident(t.schema)}.{quote_ident(fn)}();")


def _expand_copy(t: Table, dst: Column, *, title: str, why: str, body: str, value: str,
                 server_version: int) -> list[Step]:
    """Expand: ``dst`` added and kept in sync by a trigger running ``body``; rows written
    before the trigger get ``value`` in batches."""
    fn = _name(t.name, dst.name, "sync")
    qd = quote_ident(dst.name)
    bare = Column(dst.name, dst.type, True, dst.default if not volatile(dst.default) else None,
                  collation=dst.collation)
    return [
        Step(f"{title}: add {t.name}.{dst.name} kept in sync",
             (_alter(t, "ADD COLUMN IF NOT EXISTS " + column_sql(t, bare, server_version)),
              _sync_function(t, fn, body), _trigger(t, fn)),
             (*_drop_sync(t, fn), _alter(t, f"DROP COLUMN IF EXISTS {qd}")), why=why),
        Step(f"{title}: backfill {t.name}.{dst.name}",
             (batched_backfill(t, f"{qd} = {value}", f"{qd} IS DISTINCT FROM {value}"),), (),
             phase="backfill", transactional=False,
             why="rows written before the trigger existed, copied in batches"),
    ]


def rename_column(t: Table, old: Column, new: Column, server_version: int) -> list[Step]:
    """Expand/contract: ``new`` added and synced both ways; contract drops ``old``."""
    fn = _name(t.name, new.name, "sync")
    qn = quote_ident(new.name)
    title = f"rename {t.name}.{old.name} -> {new.name}"
    steps = _expand_copy(t, new, title=title, body=_both_ways(old.name, new.name),
                         value=quote_ident(old.name), server_version=server_version,
                         why="old code keeps writing the old name, new code the new one; a "
                             "trigger copies each into the other until the contract step")
    if not new.nullable:
        steps += [_with_phase(s, "backfill") for s in _not_null_steps(t, new.name, title)]
    back_old = Column(old.name, old.type, True, None if volatile(old.default) else old.default,
                      collation=old.collation)
    up = [*_drop_sync(t, fn), _alter(t, f"DROP COLUMN IF EXISTS {quote_ident(old.name)}")]
    down = [_alter(t, "ADD COLUMN IF NOT EXISTS " + column_sql(t, back_old, server_version)),
            _sync_function(t, fn, _both_ways(new.name, old.name)), _trigger(t, fn),
            batched_backfill(t, f"{quote_ident(old.name)} = {qn}",
                             f"{quote_ident(old.name)} IS DISTINCT FROM {qn}")]
    if not old.nullable:
        down.append(_alter(t, f"ALTER COLUMN {quote_ident(old.name)} SET NOT NULL"))
    down += list(_drop_sync(t, fn))
    steps.append(Step(f"{title}: drop the old column", tuple(up), tuple(down),
                      phase="contract", transactional=False,
                      why="once every client uses the new name"))
    return steps


def change_type(t: Table, old: Column, new: Column, server_version: int) -> list[Step]:
    q = quote_ident(new.name)
    title = f"type of {t.name}.{new.name}: {old.type} -> {new.type}"
    if binary_compatible(old.type, new.type):
        return [Step(title, (_alter(t, f"ALTER COLUMN {q} TYPE {new.type}"),),
                     (_alter(t, f"ALTER COLUMN {q} TYPE {old.type}"),),
                     why="binary-compatible: no table rewrite, no index rebuild")]
    used = _used_by(t, new.name)
    if used:
        return [Step(title, (_alter(t, f"ALTER COLUMN {q} TYPE {new.type} "
                                       f"USING {q}::{new.type}"),),
                     (_alter(t, f"ALTER COLUMN {q} TYPE {old.type} USING {q}::{old.type}"),),
                     why=f"rewrites the table under ACCESS EXCLUSIVE (the advisor flags it): "
                         f"the column is part of {used}, which expand/contract would have to "
                         f"rebuild — run in a quiet window, or migrate by hand")]
    tmp = Column(_name(new.name, "new"), new.type, True, None)
    steps = _expand_copy(t, tmp, title=title,
                         body=f"  NEW.{quote_ident(tmp.name)} := NEW.{q}::{new.type};",
                         value=f"{q}::{new.type}", server_version=server_version,
                         why="the new type needs a rewrite: a new column is filled alongside "
                             "and swapped in at contract time")
    if not new.nullable:  # proven on the new column while both exist: the swap does not scan
        steps += [_with_phase(s, "backfill") for s in _not_null_steps(t, tmp.name, title)]
    fn = _name(t.name, tmp.name, "sync")
    qt = quote_ident(tmp.name)
    swap = [*_drop_sync(t, fn), _alter(t, f"DROP COLUMN IF EXISTS {q}"),
            f"ALTER TABLE {_rel(t)} RENAME COLUMN {qt} TO {q};"]
    # PostgreSQL 18: the NOT NULL constraint keeps the temporary column's name unless renamed
    nn_rename = not new.nullable
    tmp_nn = pg_default_name(t.name, (tmp.name,), "not_null")
    if nn_rename:
        swap.append(rename_not_null(t, tmp_nn, _not_null_name(t, new)))
    if new.default is not None:
        swap.append(_alter(t, f"ALTER COLUMN {q} SET DEFAULT {new.default}"))
    # The undo rebuilds the expand state (both columns, the trigger), so the earlier steps'
    # undos find what they expect: in two steps, the second outside a transaction.
    restored = Column(old.name, old.type, True, None if volatile(old.default) else old.default,
                      collation=old.collation)
    back_tx = (f"ALTER TABLE {_rel(t)} RENAME COLUMN {q} TO {qt};",
               *([rename_not_null(t, _not_null_name(t, new), tmp_nn)] if nn_rename else []),
               _alter(t, "ADD COLUMN IF NOT EXISTS " + column_sql(t, restored, server_version)),
               _sync_function(t, fn, f"  NEW.{qt} := NEW.{q}::{new.type};"), _trigger(t, fn))
    back_fill = [batched_backfill(t, f"{q} = {qt}::{old.type}", f"{q} IS DISTINCT FROM "
                                  f"{qt}::{old.type}")]
    if not old.nullable:
        back_fill += [x for st in _not_null_steps(t, old.name, title) for x in st.up]
    steps.append(Step(f"(undo only) {title}: refill the old column", (), tuple(back_fill),
                      phase="contract", transactional=False))
    steps.append(Step(f"{title}: swap", tuple(swap), back_tx, phase="contract",
                      why="one short transaction: the old column goes and the new one takes "
                          "its name, so clients see the column with its new type at once"))
    return steps


def _used_by(t: Table, col: str) -> str:
    """What besides plain storage depends on the column (a key, constraint or index)."""
    def mentions(cols: tuple[str, ...]) -> bool:
        return col in cols
    if t.primary_key and mentions(t.primary_key.columns):
        return "the primary key"
    for u in t.uniques:
        if mentions(u.columns):
            return "a unique constraint"
    for fk in t.foreign_keys:
        if mentions(fk.columns):
            return "a foreign key"
    for i in t.indexes:
        if any(k.column == col or (k.expression and col in k.column) for k in i.keys):
            return f"index {i.name}"
    for c in t.checks:
        if re.search(rf"\b{re.escape(col)}\b", c.expression):
            return "a CHECK constraint"
    return ""
