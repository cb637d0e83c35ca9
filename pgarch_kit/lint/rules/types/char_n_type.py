"""char-n-type: blank-padded character(n) columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, sql_table, typed_columns


class CharNType(Rule):
    """What: columns typed ``char(n)`` / ``character(n)`` / ``bpchar``, arrays included
    (the one-byte internal type ``"char"`` is a different type and is not flagged).

    Why: values are blank-padded to n, trailing spaces are ignored in some comparisons and
    kept in others, so equality with ``text`` values surprises users. It is no faster than
    ``text`` and does not even reject values shorter than n.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE text`` plus ``CHECK (length(c) = n)`` when the
    length really is fixed.

    References: PostgreSQL wiki Don't Do This; squawk ban-char-field; pg-index-health
    columns_with_char_type.
    """

    code = "PGA003"
    slug = "char-n-type"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base != "character":
                continue
            n = ty.params[0] if ty.params else 1
            fix = alter_type(t, c.name, "text[]" if ty.is_array else "text")
            if not ty.is_array:
                fix += (f" ALTER TABLE {sql_table(t)} ADD CHECK "
                        f"(length({quote_ident(c.name)}) = {n}) NOT VALID;")
            yield self.finding(
                t, c.name,
                f"{c.name} is {c.type}: values are blank-padded and trailing spaces compare "
                f"inconsistently, with no speed or validation benefit over text",
                fix)
