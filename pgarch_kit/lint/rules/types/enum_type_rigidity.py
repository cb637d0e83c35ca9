"""enum-type-rigidity: columns of CREATE TYPE … AS ENUM types."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import EnumType
from pgarch_kit.model.names import quote_ident

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, sql_table, typed_columns


def _names(e: EnumType) -> tuple[str, ...]:
    """Spellings a column type may use for the enum: bare, qualified, quoted."""
    q = quote_ident(e.name)
    return (e.name, q, f"{e.schema}.{e.name}", f"{quote_ident(e.schema)}.{q}")


class EnumTypeRigidity(Rule):
    """What: enum types (``CREATE TYPE … AS ENUM``), one finding per type naming the columns
    that use it (arrays included), or saying no column does. Info: a modelling opinion —
    enums are compact and right for truly fixed sets; the finding is worth knowing where the
    set will change (workflow states, product categories). Needs only the design; how often
    the set changes it cannot see.

    Why: values can only be added, never removed, and reordering or renaming breaks clients
    that compare the labels; changing the set is DDL and a deploy rather than data.

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
        uses: dict[int, list[str]] = {id(e): [] for e in ctx.design.enums}
        fixes: dict[int, list[str]] = {id(e): [] for e in ctx.design.enums}
        for t, c, ty in typed_columns(ctx):
            e = spell.get(ty.base)
            if e is None:
                continue
            uses[id(e)].append(f"{label(t)}.{c.name}")
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in e.values)
            arr = "[]" if ty.is_array else ""
            fix = alter_type(t, c.name, "text" + arr, f"{quote_ident(c.name)}::text{arr}")
            if not ty.is_array:
                fix += (f" ALTER TABLE {sql_table(t)} ADD CHECK ({quote_ident(c.name)} IN "
                        f"({values}));")
            fixes[id(e)].append(fix)
        for e in ctx.design.enums:
            where = e.name if e.schema == "public" else f"{e.schema}.{e.name}"
            cols = uses[id(e)]
            used = (f"used by {', '.join(cols[:5])}{' …' if len(cols) > 5 else ''}" if cols
                    else "used by no column")
            yield self.finding(
                where, None,
                f"enum type {where} ({len(e.values)} values, {used}) locks its value set: "
                f"values can be added but never removed or renamed without breaking clients; "
                f"fine if the set never changes",
                " ".join(fixes[id(e)]) or
                "use text with CHECK (c IN (…)) or a lookup table instead of the enum")
