"""json-instead-of-jsonb: the text-backed json type."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import alter_type, typed_columns


class JsonInsteadOfJsonb(Rule):
    """What: columns typed ``json`` (arrays included). Needs only the design; whether the exact
    text must be kept it cannot see.

    Why: ``json`` is stored as text and reparsed on every access; it has no equality
    operator, so ``DISTINCT``, ``GROUP BY`` and ``UNION`` fail on it, and it cannot be indexed
    with GIN. Keep it only when the exact text (key order, duplicates, whitespace) must be
    preserved.

    Fix: ``ALTER TABLE t ALTER COLUMN c TYPE jsonb USING c::jsonb``.

    References: schemalint prefer-jsonb-to-json; pg-index-health columns_with_json_type;
    strong_migrations add_column_json.
    """

    code = "PGA009"
    slug = "json-instead-of-jsonb"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base != "json":
                continue
            arr = "[]" if ty.is_array else ""
            yield self.finding(
                t, c.name,
                f"{c.name} is json: it is reparsed on every access, has no equality operator "
                f"and cannot use a GIN index",
                alter_type(t, c.name, "jsonb" + arr, f"{quote_ident(c.name)}::jsonb{arr}"))
