"""degenerate-table: tables with at most one column, or linked to no other table."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

# Below this share of tables taking part in a foreign key (zero or almost no FKs), a design
# links its tables some other way (in the application): a table without FKs is its norm.
_FK_LIGHT = 0.25


class DegenerateTable(Rule):
    """What: a table with zero columns, or with one column that no foreign key references;
    or a table that neither references nor is referenced by any foreign key (a
    self-reference counts as a link). Partitions are judged through their parent, a design
    with a single table is not judged at all, and migration tools' bookkeeping tables
    (``schema_migrations``, ``flyway_schema_history`` …) are never reported. A one-column
    table that other tables reference is a lookup table (the recommended alternative to an
    enum) and is fine. In a design with no or almost no foreign keys (under a quarter of its
    tables take part in one), links evidently live in the application: unlinked tables are
    not reported one by one, and a single design-wide note says so instead.

    Why: such tables are often leftovers, attributes that belong in a parent table, or
    entities whose foreign keys were forgotten — so the database cannot keep them
    consistent with the rest of the model.

    Fix: add the missing foreign keys, fold the table into its parent, or — when it is a
    deliberate standalone lookup, log or queue — suppress this finding for it.

    References: pg-index-health tables_with_zero_or_one_column, tables_not_linked_to_others.
    """

    code = "PGA035"
    slug = "degenerate-table"
    category = "relationships"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        tables = ctx.tables
        if len(tables) < 2:
            return
        # a partition's foreign keys are its parent's: attribute links to the parent table
        parent_of = {t.key: (t.schema, t.partition_of) for t in ctx.design.tables
                     if t.partition_of}
        linked: set[tuple[str, str]] = set()
        for t in ctx.design.tables:
            for fk in t.foreign_keys:
                linked.add(parent_of.get(t.key, t.key))
                linked.add((fk.ref_schema or t.schema, fk.ref_table))
        unlinked = [t for t in tables if t.key not in linked]
        fk_light = len(tables) - len(unlinked) < len(tables) * _FK_LIGHT
        if fk_light:
            yield self.finding(
                None, None,
                f"{len(unlinked)} of {len(tables)} tables take part in no foreign key: the "
                f"design links its tables without declared foreign keys (in the application), "
                f"so unlinked tables are not reported one by one; the database can't keep "
                f"those links consistent",
                "declare the foreign keys the application relies on where their cost is "
                "acceptable (NOT VALID first on big tables), or keep this as a documented "
                "choice")
        referenced = ctx.referenced
        for t in tables:
            n = len(t.columns)
            if n == 0:
                problem = "has no columns"
            elif n == 1 and t.key not in referenced:
                problem = (f"has a single column ({t.columns[0].name})"
                           + ("" if t.key in linked or fk_light
                              else " and no foreign key in or out"))
            elif t.key not in linked and not fk_light:
                problem = "has no foreign key to or from any other table"
            else:
                continue
            yield self.finding(
                t, None,
                f"{t.name} {problem}: it is likely a leftover, a misplaced attribute or an "
                f"entity whose foreign keys are missing",
                f"add the missing foreign keys to or from {t.name}, fold it into its "
                f"parent, or suppress this finding if it is a deliberate standalone table")
