"""table-without-primary-key: ordinary and partitioned tables with no PRIMARY KEY."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table


class TableWithoutPrimaryKey(Rule):
    """What: an ordinary or partitioned table with no PRIMARY KEY (partitions are judged
    through their parent). When a UNIQUE constraint over NOT NULL columns exists, the fix
    promotes it instead of adding a column.

    Why: without a primary key a row has no identity: logical replication cannot replicate
    its UPDATEs and DELETEs, ORMs and admin tools cannot edit rows, and duplicate rows creep
    in unnoticed.

    Fix: ``ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY``, or
    ``ALTER TABLE t ADD PRIMARY KEY (cols)`` over existing unique NOT NULL columns.

    References: Supabase splinter no_primary_key; pg-index-health tables_without_primary_key;
    pglinter B001; schemalint require-primary-key.
    """

    code = "PGA018"
    slug = "table-without-primary-key"
    category = "keys"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            if t.primary_key is not None:
                continue
            notnull = {c.name for c in t.columns if not c.nullable}
            natural = next((u for u in t.uniques if set(u.columns) <= notnull), None)
            if natural is not None:
                cols = ", ".join(quote_ident(c) for c in natural.columns)
                fix = f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY ({cols});"
            else:
                name = "id" if t.column("id") is None else derive_name(t.name, suffix="id")
                fix = (f"ALTER TABLE {sql_table(t)} ADD COLUMN {quote_ident(name)} bigint "
                       f"GENERATED ALWAYS AS IDENTITY PRIMARY KEY;")
            yield self.finding(
                t, None,
                f"{t.name} has no primary key: rows have no identity, so logical replication "
                f"cannot replicate its updates and deletes and duplicates go unnoticed",
                fix)
