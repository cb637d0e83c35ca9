"""table-without-primary-key: ordinary and partitioned tables with no PRIMARY KEY."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table
from ..types._growth import append_only_shape


class TableWithoutPrimaryKey(Rule):
    """What: an ordinary or partitioned table with no PRIMARY KEY. Partitions are judged
    through their parent, and so are inheritance children (``INHERITS``: a child never
    inherits its parent's key, so flagging it would repeat the parent's finding). Framework
    tables (``schema_migrations``…) are left alone. A table whose rows already have an
    identity — a UNIQUE constraint or a non-partial unique index over NOT NULL plain columns
    — is info, with the fix promoting that key; so is one whose unique key has nullable
    columns (the fix sets them NOT NULL and promotes the key in one ALTER TABLE), and a
    settings table named ``config``/``settings`` that nothing links (the fix is a one-row
    guard key, not an id). A table with none is a warning; its fix is the natural key of a
    two- or three-column link table (one a foreign key), else a surrogate id — or, first,
    the widest plain index over NOT NULL columns, if it identifies a row. An append-only
    record table (nothing references it, rows time-stamped and never marked updated) is
    info: its inserts replicate without a key, and a surrogate adds a column and an index to
    a growing table. Needs only the design.

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
            loose = (None if natural is not None or index is not None
                     else _nullable_key(t, notnull))
            single = _single_row(ctx, t)
            lead = "rows are unique, but "
            if single and natural is None and index is None and loose is None:
                guard = derive_name(t.name, suffix="one_row") if t.column("one_row") else \
                    "one_row"
                fix = (f"ALTER TABLE {sql_table(t)} ADD COLUMN {quote_ident(guard)} boolean "
                       f"NOT NULL DEFAULT true PRIMARY KEY CHECK ({quote_ident(guard)});")
                lead = ""
                has = ("it looks like a one-row settings table: a one-row guard key keeps a "
                       "second row from duplicating every join on it")
            elif loose is not None:
                cols, nullable, via = loose
                sets = ", ".join(f"ALTER COLUMN {quote_ident(c)} SET NOT NULL" for c in nullable)
                key = (f"ADD PRIMARY KEY USING INDEX {quote_ident(via)}"
                       if via and t.partition_by is None else
                       f"ADD PRIMARY KEY ({', '.join(quote_ident(c) for c in cols)})")
                fix = f"ALTER TABLE {sql_table(t)} {sets}, {key};"
                has = (f"its unique key ({', '.join(cols)}) could be promoted once "
                       f"{', '.join(nullable)} {'is' if len(nullable) == 1 else 'are'} never "
                       f"NULL (check the code writes them)")
            elif natural is not None:
                cols = ", ".join(quote_ident(c) for c in natural.columns)
                fix = f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY ({cols});"
                has = f"its unique key ({', '.join(natural.columns)}) could be promoted"
            elif index is not None:
                fix = (f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY USING INDEX "
                       f"{quote_ident(index.name)};" if t.partition_by is None else
                       f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY "
                       f"({', '.join(quote_ident(k.column) for k in index.keys)});")
                has = f"its unique index {index.name} could be promoted"
            elif (pair := _natural_pair(t)) is not None:
                cols, nullable = pair
                sets = "".join(f"ALTER COLUMN {quote_ident(c)} SET NOT NULL, " for c in nullable)
                fix = (f"ALTER TABLE {sql_table(t)} {sets}ADD PRIMARY KEY "
                       f"({', '.join(quote_ident(c) for c in cols)});")
                has = ""
            elif (log := append_only_shape(ctx, t)) is not None:
                # inserts replicate without a key, and nothing updates or deletes rows here:
                # a surrogate would add 8 bytes a row and an index to a growing table
                fix = (f"-- if rows can repeat by mistake, a key over what identifies an event "
                       f"stops it; else: ALTER TABLE {sql_table(t)} REPLICA IDENTITY FULL; -- "
                       f"only if rows are ever updated or deleted under logical replication")
                has = f"{log}; inserts replicate without a key"
                lead = ""
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
                candidate = _indexed_candidate(t, notnull)
                if candidate:  # a natural key is leaner than a surrogate, if it is one
                    cols = ", ".join(quote_ident(c) for c in candidate)
                    fix = (f"ALTER TABLE {sql_table(t)} ADD PRIMARY KEY ({cols}); -- if "
                           f"({', '.join(candidate)}) identifies a row (it is indexed and NOT "
                           f"NULL); else: {fix}")
                has = ""
            yield self.finding(
                t, None,
                f"{t.name} has no primary key: "
                + (f"{lead}{has} — logical replication needs a key (or "
                   f"REPLICA IDENTITY) to replicate updates and deletes" if has else
                   "rows have no identity, so logical replication cannot replicate its "
                   "updates and deletes and duplicates go unnoticed"),
                fix, severity="info" if has else None)


_CONFIG_NAME = re.compile(r"^(app_|site_|global_|system_)?(config|configuration|settings?)$", re.I)
_KEYABLE = ("bytea", "json", "jsonb", "text[]", "tsvector", "xml", "point", "polygon")


def _single_row(ctx: LintContext, t: Table) -> bool:
    """A settings table meant to hold one row: named config/settings, linked to nothing."""
    return bool(_CONFIG_NAME.match(t.name)) and not t.foreign_keys and \
        t.key not in ctx.referenced


def _nullable_key(t: Table, notnull: set[str]) -> tuple[list[str], list[str], str] | None:
    """A UNIQUE constraint or plain unique index over columns some of which are nullable:
    (columns, the nullable ones, the index to promote or empty for a constraint)."""
    for u in t.uniques:
        if not u.nulls_not_distinct and len(u.columns) <= 4:
            cols = list(u.columns)
            return cols, [c for c in cols if c not in notnull], ""
    for ix in t.indexes:
        if (ix.unique and ix.method == "btree" and not ix.where and len(ix.keys) <= 4
                and all(not k.expression and not k.opclass and not k.collation
                        and not k.descending for k in ix.keys)):
            cols = [k.column for k in ix.keys]
            return cols, [c for c in cols if c not in notnull], ix.name
    return None


def _natural_pair(t: Table) -> tuple[list[str], list[str]] | None:
    """A link or element-collection table — two or three columns, one a foreign key, all of
    comparable types — whose columns together are its natural key: (columns, nullable)."""
    if not 2 <= len(t.columns) <= 3 or not t.foreign_keys or t.partition_by is not None:
        return None
    if any(c.type.lower() in _KEYABLE or c.type.endswith("[]") for c in t.columns):
        return None
    cols = [c.name for c in t.columns]
    return cols, [c.name for c in t.columns if c.nullable and not c.identity]


def _indexed_candidate(t: Table, notnull: set[str]) -> list[str] | None:
    """The columns of the widest plain B-tree index over two or more NOT NULL columns: what
    the application looks rows up by, so the likeliest natural key (the fix says to check)."""
    best: list[str] | None = None
    for ix in t.indexes:
        cols = [k.column for k in ix.keys]
        if (ix.method == "btree" and not ix.where and len(cols) >= 2
                and all(not k.expression for k in ix.keys) and set(cols) <= notnull
                and (best is None or len(cols) > len(best))):
            best = cols
    return best
