"""identifier-needs-quoting: names that only work double-quoted (upper case, reserved words)."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import COLUMN_NAME_KEYWORDS, is_plain_identifier

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._objects import named_objects, suggest_name, where_label

_TYPE_OR_ROUTINE = {"type", "domain", "function", "procedure", "aggregate"}


class IdentifierNeedsQuoting(Rule):
    """What: a schema, table, column, index, constraint, view, type, sequence or routine
    whose name is not a plain identifier: it has upper-case letters or other characters
    outside ``[a-z0-9_]``, or it is a reserved keyword (``user``, ``order``, ``group``).
    "Column name" keywords such as ``json`` or ``timestamp`` work unquoted as table and
    column names, so they are not reported there.

    Why: every query must double-quote the name exactly. An unquoted ``Orders`` is folded to
    ``orders`` and fails; an unquoted ``user`` means ``current_user``, and ``order`` is a
    syntax error — mistakes that surface in application code, not in the schema.

    Fix: ``ALTER TABLE "Orders" RENAME TO orders;`` (``app_user`` for a reserved ``user``),
    behind a compatibility view while clients move.

    References: PostgreSQL wiki "Don't Do This" (upper case names); schemalint name-casing;
    pglinter B005, B010.
    """

    code = "PGA049"
    slug = "identifier-needs-quoting"
    category = "naming"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for obj in ctx.memo("named_objects", lambda: list(named_objects(ctx.design))):
            if is_plain_identifier(obj.name):
                continue
            if obj.name in COLUMN_NAME_KEYWORDS and obj.kind not in _TYPE_OR_ROUTINE:
                continue  # json, timestamp …: usable unquoted as relation and column names
            why = ("is a reserved word" if obj.name.isascii() and obj.name.islower()
                   and obj.name.isidentifier()
                   else "is not all lower-case letters, digits and underscores")
            yield self.finding(
                where_label(obj.where), obj.column,
                f"{obj.kind} name {obj.name!r} {why}, so every query must double-quote it "
                f"exactly or fail (or silently mean something else)",
                obj.rename(suggest_name(obj.name)))
