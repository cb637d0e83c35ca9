"""enum-type-rigidity: columns of CREATE TYPE … AS ENUM types."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import EnumType
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, sql_table, typed_columns


def _names(e: EnumType) -> tuple[str, ...]:
    """Spellings a column type may use for the enum: bare, qualified, quoted."""
    q = quote_ident(e.name)
    return (e.name, q, f"{e.schema}.{e.name}", f"{quote_ident(e.schema)}.{q}")


class EnumTypeRigidity(Rule):
    """What: columns typed with an enum (``CREATE TYPE … AS ENUM``), arrays included; an enum
    no column uses is reported once on its own.

    Why: values can only be added, never removed, and reordering or renaming breaks clients
    that compare the labels; changing the set is DDL and a deploy rather than data. It is a
    modelling opinion — enums are compact and fine for truly fixed sets — hence info.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE text USING c::text`` with ``CHECK (c IN (…))``,
    or a lookup table referenced by a foreign key.

    References: schemalint prefer-text-with-check-to-enum.
    """

    code = "PGA010"
    slug = "enum-type-rigidity"
    category = "types"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        if not ctx.design.enums:
            return
        spell = {n: e for e in ctx.design.enums for n in _names(e)}
        used: set[int] = set()
        for t, c, ty in typed_columns(ctx):
            e = spell.get(ty.base)
            if e is None:
                continue
            used.add(id(e))
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in e.values)
            arr = "[]" if ty.is_array else ""
            fix = alter_type(t, c.name, "text" + arr, f"{quote_ident(c.name)}::text{arr}")
            if not ty.is_array:
                fix += (f" ALTER TABLE {sql_table(t)} ADD CHECK ({quote_ident(c.name)} IN "
                        f"({values}));")
            yield self.finding(
                t, c.name,
                f"{c.name} uses the enum {e.name}: its values can be added but never removed "
                f"or renamed without breaking clients",
                fix)
        for e in ctx.design.enums:
            if id(e) not in used:
                where = e.name if e.schema == "public" else f"{e.schema}.{e.name}"
                yield self.finding(
                    where, None,
                    f"enum type {where} locks its value set: values can be added but never "
                    f"removed or renamed without breaking clients",
                    "use text with CHECK (c IN (…)) or a lookup table instead of the enum")
