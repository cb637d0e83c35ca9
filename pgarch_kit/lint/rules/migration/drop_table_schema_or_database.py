"""drop-table-schema-or-database: DROP TABLE, DROP SCHEMA or DROP DATABASE in a migration."""
from __future__ import annotations

from collections.abc import Iterator

from pglast.ast import RangeVar

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import ObjectType, names

_KINDS = {ObjectType.OBJECT_TABLE: "TABLE", ObjectType.OBJECT_SCHEMA: "SCHEMA"}


class DropTableSchemaOrDatabase(Rule):
    """What: ``DROP TABLE``, ``DROP SCHEMA`` or ``DROP DATABASE`` in a migration (a table the
    same migration created is exempt).

    Why: the data is lost for good, and clients still using the object fail; with CASCADE the
    drop also takes views, foreign keys and everything else that depends on it.

    Fix: remove the readers first, back the data up, check in a pre-migration step that the
    object is empty or unused, and make schema and database drops a manual, reviewed step.

    References: squawk ban-drop-table, ban-drop-database; Atlas DS101, DS102.
    """

    code = "PGA085"
    slug = "drop-table-schema-or-database"
    category = "migration-safety"
    severity = "error"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig:
            if s.kind == "DropdbStmt":
                yield self.finding(
                    None, None,
                    f"line {s.line}: DROP DATABASE {s.node.dbname} destroys every table in it",
                    "make dropping a database a manual, reviewed step outside migrations",
                    line=s.line)
            if s.kind != "DropStmt" or s.node.removeType not in _KINDS:
                continue
            kind = _KINDS[s.node.removeType]
            cascade = " CASCADE also drops everything depending on it." if s.node.behavior else ""
            for obj in s.node.objects or ():
                parts = names(obj) if kind == "TABLE" else (obj.sval,)
                if kind == "TABLE":
                    rv = RangeVar(relname=parts[-1],
                                  schemaname=parts[0] if len(parts) > 1 else None)
                    if mig.is_new(rv, s):
                        continue  # a scratch table of this migration
                    where = mig.where(rv)
                else:
                    where = None
                yield self.finding(
                    where, None,
                    f"line {s.line}: DROP {kind} {'.'.join(parts)} deletes its data for good, "
                    f"and clients still using it break.{cascade}",
                    "remove the readers first, back it up, check it is unused in a "
                    "pre-migration step; rename it aside (e.g. to _deprecated) before dropping "
                    "it in a later release", line=s.line)
