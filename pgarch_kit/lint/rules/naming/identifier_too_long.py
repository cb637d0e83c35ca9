"""identifier-too-long: names at or over PostgreSQL's 63-byte identifier limit."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import MAX_IDENT_BYTES, shorten

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._objects import named_objects, where_label


class IdentifierTooLong(Rule):
    """What: any declared name (schema, table, column, index, constraint, view, type,
    sequence, routine) of 63 bytes or more. Validation rejects names over 63 bytes in a
    design, so on a valid design this fires for names exactly at the limit — typically the
    name PostgreSQL produced by truncating a longer one the script asked for.

    Why: PostgreSQL silently truncates identifiers to 63 bytes (NAMEDATALEN - 1). Two long
    names that share a prefix collide, and migrations or code that spell out the full name
    no longer match the catalog. A name at exactly 63 bytes is usually such a truncation,
    and derived names (``<table>_pkey``, ``<table>_<col>_idx``) truncate too.

    Fix: rename explicitly to a shorter name: ``ALTER TABLE t RENAME TO shorter_name;``.

    References: squawk identifier-too-long; pg-index-health possible_object_name_overflow.
    """

    code = "PGA051"
    slug = "identifier-too-long"
    category = "naming"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for obj in ctx.memo("named_objects", lambda: list(named_objects(ctx.design))):
            size = len(obj.name.encode("utf-8"))
            if size < MAX_IDENT_BYTES:
                continue
            state = "is at" if size == MAX_IDENT_BYTES else "exceeds"
            yield self.finding(
                where_label(obj.where), obj.column,
                f"{obj.kind} name {obj.name[:20]}… is {size} bytes and {state} PostgreSQL's "
                f"{MAX_IDENT_BYTES}-byte limit, where names are silently truncated and can "
                f"collide or stop matching the name migrations use",
                obj.rename(shorten(obj.name, MAX_IDENT_BYTES - 8)))
