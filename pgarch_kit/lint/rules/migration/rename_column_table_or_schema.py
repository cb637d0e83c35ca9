"""rename-column-table-or-schema: RENAME of a column, table or schema in use."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...migration import Migration, Statement
from ...rule import Rule
from ._common import ObjectType, names, where

_KINDS = {ObjectType.OBJECT_COLUMN: "column", ObjectType.OBJECT_TABLE: "table",
          ObjectType.OBJECT_SCHEMA: "schema", ObjectType.OBJECT_VIEW: "view"}


class RenameColumnTableOrSchema(Rule):
    """What: ``ALTER TABLE … RENAME COLUMN``, ``ALTER TABLE … RENAME TO`` or ``ALTER SCHEMA …
    RENAME TO`` on objects that already exist (a table the migration created is exempt).

    Why: during a deploy the running application version still uses the old name, and its
    queries fail from the moment the rename commits until every instance is replaced.

    Fix: expand and contract: add the new column (or table), dual-write or backfill, move the
    readers, then drop the old one; for a table, rename and leave a compatibility view
    (``CREATE VIEW old_name AS SELECT * FROM new_name``) for one release — or first create
    a view under the new name, move the readers to it, then drop the view and rename the
    table in one transaction (that contract step is not reported).

    References: squawk renaming-column, renaming-table; strong_migrations rename_column,
    rename_table, rename_schema; Atlas BC101, BC102.
    """

    code = "PGA088"
    slug = "rename-column-table-or-schema"
    category = "migration-safety"
    severity = "warning"
    mode = "M"

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        mig = ctx.migration
        for s in mig.of_kind("RenameStmt"):
            n = s.node
            kind = _KINDS.get(n.renameType)
            if kind is None:
                continue
            if kind == "schema":
                yield self.finding(
                    None, None,
                    f"line {s.line}: renaming schema {n.subname} to {n.newname} breaks every "
                    f"query that names it while old app versions run",
                    f"keep {n.subname}; move objects over a release with views left behind",
                    line=s.line)
                continue
            if kind == "column" and n.relationType != ObjectType.OBJECT_TABLE:
                continue  # views: no data to move, and usually recreated by the migration
            if mig.is_new(n.relation, s):
                continue
            if kind == "table" and _view_swap(mig, s):
                continue
            table = mig.prior_table(n.relation)
            t = where(mig, n.relation, table)
            old = n.subname if kind == "column" else n.relation.relname
            yield self.finding(
                t, n.subname if kind == "column" else None,
                f"line {s.line}: renaming {kind} {old} to {n.newname} breaks the running app "
                f"version, which still uses the old name during the deploy",
                f"ALTER TABLE … ADD COLUMN {n.newname} …; dual-write and backfill, move the "
                f"readers, then drop {old}" if kind == "column" else
                f"ALTER TABLE {old} RENAME TO {n.newname}; CREATE VIEW {old} AS SELECT * FROM "
                f"{n.newname};  -- compatibility view for one release", line=s.line)


def _view_swap(mig: Migration, s: Statement) -> bool:
    """The contract step of a rename through a view: earlier, in the same transaction, the
    script drops the view that stood in under the new name (``CREATE VIEW new AS SELECT * FROM
    old`` shipped first, the readers moved to ``new``), so nothing uses the old name any
    more."""
    for e in mig.statements[:s.index]:
        if e.kind == "DropStmt" and e.node.removeType == ObjectType.OBJECT_VIEW \
                and mig.same_transaction(e, s) \
                and any(names(o)[-1] == s.node.newname for o in e.node.objects or ()):
            return True
    return False
