"""identifier-too-long: names over PostgreSQL's 63-byte identifier limit, and names that
collide once truncated to it."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import MAX_IDENT_BYTES, clip_bytes, shorten

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._objects import Named, named_objects, where_label

# Kinds that share one namespace per schema: relations (an index is a relation too) and
# types (a table's row type among them, but a clash there also shows as relations).
_RELATIONS = {"table", "index", "view", "sequence"}


def _namespace(obj: Named) -> tuple[str, ...]:
    """Where two names must differ: relations per schema, columns and constraints per table,
    other kinds per kind and place."""
    schema = obj.where.schema if isinstance(obj.where, Table) else ""
    if obj.kind in _RELATIONS:
        if not isinstance(obj.where, Table):
            schema = obj.where.rsplit(".", 1)[0] if "." in (obj.where or "") else "public"
        return ("relation", schema)
    if obj.kind in ("column", "constraint") and isinstance(obj.where, Table):
        return (obj.kind, obj.where.schema, obj.where.name)
    return (obj.kind, str(obj.where))


class IdentifierTooLong(Rule):
    """What: a declared name (schema, table, column, index, constraint, view, type,
    sequence, routine) longer than 63 bytes — a hand-written design may have one — or two
    names that become the same once truncated to 63 bytes. A name of exactly 63 bytes, as
    imported schemas show them, is no evidence of a problem: PostgreSQL truncates the names
    it generates so they stay unique, and ORMs (Prisma) produce such names on purpose — one
    info finding per design says how many there are.

    Why: PostgreSQL silently truncates identifiers to 63 bytes (NAMEDATALEN - 1). A longer
    name in a design is not the name the database will have, so migrations and code that
    spell it out no longer match the catalog; two long names that share a 63-byte prefix
    collide, and the second CREATE fails.

    Fix: rename explicitly to a shorter name: ``ALTER TABLE t RENAME TO shorter_name;`` (in
    a design, before it is created). Names at exactly 63 bytes: nothing to rename —
    migrations must use them as the catalog has them.

    References: squawk identifier-too-long; pg-index-health possible_object_name_overflow.
    """

    code = "PGA051"
    slug = "identifier-too-long"
    category = "naming"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        objects = ctx.memo("named_objects", lambda: list(named_objects(ctx.design)))
        truncated: dict[tuple[tuple[str, ...], str], list[Named]] = {}
        at_limit: list[Named] = []
        for obj in objects:
            size = len(obj.name.encode("utf-8"))
            if size == MAX_IDENT_BYTES:
                at_limit.append(obj)
            truncated.setdefault((_namespace(obj), clip_bytes(obj.name, MAX_IDENT_BYTES)),
                                 []).append(obj)
        for (_, short), same in truncated.items():
            long = [o for o in same if len(o.name.encode("utf-8")) > MAX_IDENT_BYTES]
            for obj in long:
                size = len(obj.name.encode("utf-8"))
                clash = [o.name for o in same if o is not obj]
                if clash:
                    what = (f"collides with {clash[0][:30]}… once truncated to {short[:30]}…, "
                            f"so the second CREATE fails")
                else:
                    what = (f"will be truncated to {short[:30]}…, a name migrations and code "
                            f"spelling out the long one won't match")
                yield self.finding(
                    where_label(obj.where), obj.column,
                    f"{obj.kind} name {obj.name[:20]}… is {size} bytes, over PostgreSQL's "
                    f"{MAX_IDENT_BYTES}-byte limit: it {what}",
                    obj.rename(shorten(obj.name, MAX_IDENT_BYTES - 8)),
                    severity="error" if clash else None)
        if at_limit:
            examples = ", ".join(o.name for o in at_limit[:2])
            yield self.finding(
                None, None,
                f"{len(at_limit)} name{'s are' if len(at_limit) > 1 else ' is'} exactly "
                f"{MAX_IDENT_BYTES} bytes (e.g. {examples}): usually PostgreSQL's or an ORM's "
                f"truncation of a longer generated name, unique by construction",
                "nothing to rename: migrations must spell these names as the catalog has them "
                "(a rename would desync migration tools that drop or alter them by name)",
                severity="info")
