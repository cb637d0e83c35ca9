"""table-without-primary-key: ordinary and partitioned tables with no PRIMARY KEY."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table


class TableWithoutPrimaryKey(Rule):
    """What: an ordinary or partitioned table with no PRIMARY KEY. Partitions are judged
    through their parent, and so are inheritance children (``INHERITS``: a child never
    inherits its parent's key, so flagging it would repeat the parent's finding). Framework
    tables (``schema_migrations``…) are left alone. A table whose rows already have an
    identity — a UNIQUE constraint or a non-partial unique index over NOT NULL plain columns
    — is info, with the fix promoting that key; a table with none is a warning. Needs only
    the design.

    Why: without a primary key a row has no identity: logical replication cannot replicate
    its UPDATEs and DELETEs (unless REPLICA IDENTITY names a unique index), ORMs and admin
    tools cannot edit rows, and duplicate rows creep in unnoticed.

    Fix: ``ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY``, or
    ``ALTER TABLE t ADD PRIMARY KEY (cols)`` over existing unique NOT NULL columns
    (``ADD PRIMARY KEY USING INDEX`` reuses a unique index without building another).

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
            if t.primary_key is not None or t.inherits or ctx.is_framework_table(t):
                continue
            notnull = {c.name for c in t.columns if not c.nullable or c.identity}
            natural = next((u for u in t.uniques if set(u.columns) <= notnull), None)
            index = next((ix for ix in t.indexes
                          if ix.unique and ix.method == "btree" and not ix.where
                          and all(not k.expression and k.column in notnull and not k.opclass
                                  and not k.collation and not k.descending for k in ix.keys)),
                         None)
            if natural is not None:
                cols = ", ".join(quote_ident(c) for c in natural.columns)
                fix = f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY ({cols});"
                has = f"its unique key ({', '.join(natural.columns)}) could be promoted"
            elif index is not None:
                fix = (f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY USING INDEX "
                       f"{quote_ident(index.name)};" if t.partition_by is None else
                       f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY "
                       f"({', '.join(quote_ident(k.column) for k in index.keys)});")
                has = f"its unique index {index.name} could be promoted"
            else:
                name = "id" if t.column("id") is None else derive_name(t.name, suffix="id")
                # a partitioned table's key must contain the partition key columns
                part = [k for k in (t.partition_by.keys if t.partition_by else ())
                        if not k.startswith("(")]
                key = (f"; ALTER TABLE {sql_table(t)} ADD PRIMARY KEY "
                       f"({', '.join(quote_ident(c) for c in [name, *part])});" if part
                       else " PRIMARY KEY;")
                fix = (f"ALTER TABLE {sql_table(t)} ADD COLUMN {quote_ident(name)} bigint "
                       f"GENERATED ALWAYS AS IDENTITY{key}")
                has = ""
            yield self.finding(
                t, None,
                f"{t.name} has no primary key: "
                + (f"rows are unique, but {has} — logical replication needs a key (or "
                   f"REPLICA IDENTITY) to replicate updates and deletes" if has else
                   "rows have no identity, so logical replication cannot replicate its "
                   "updates and deletes and duplicates go unnoticed"),
                fix, severity="info" if has else None)
