"""varchar-n-limit: arbitrary length caps on character varying(n)."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, sql_table, typed_columns


class VarcharNLimit(Rule):
    """What: columns typed ``varchar(n)`` / ``character varying(n)`` (arrays included); plain
    ``varchar`` without a limit is not flagged. Needs only the design; whether the limit is a
    real rule it cannot tell, hence info.

    Why: the cap is usually arbitrary. It turns into insert failures in production when a
    real value is longer, and raising it later is an ``ALTER … TYPE`` under an ACCESS
    EXCLUSIVE lock. A limit that is real is better stated as a CHECK, which can be changed
    online. This is a convention rather than a defect, hence info.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE text`` (binary compatible, no rewrite) and, when
    the limit matters, ``ADD CHECK (char_length(c) <= n) NOT VALID``.

    References: PostgreSQL wiki Don't Do This; squawk prefer-text-field; schemalint
    prefer-text-to-varchar; pg-index-health columns_with_fixed_length_varchar.
    """

    code = "PGA004"
    slug = "varchar-n-limit"
    category = "types"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base != "character varying" or not ty.params:
                continue
            n = ty.params[0]
            fix = alter_type(t, c.name, "text[]" if ty.is_array else "text")
            if not ty.is_array:
                fix += (f" ALTER TABLE {sql_table(t)} ADD CHECK "
                        f"(char_length({quote_ident(c.name)}) <= {n}) NOT VALID;")
            yield self.finding(
                t, c.name,
                f"{c.name} is {c.type}: an arbitrary length cap fails inserts once real data "
                f"is longer, and raising it later takes an exclusive lock",
                fix)
