"""partition-unique-without-key: PK/UNIQUE on a partitioned table missing the key columns."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class PartitionUniqueWithoutKey(Rule):
    """What: a PRIMARY KEY, UNIQUE constraint or unique index on a partitioned table that
    doesn't include every partition-key column — or any at all when the partition key is an
    expression, which PostgreSQL can't enforce uniqueness over. Validation reports the same
    problem; the rule explains it in the advisor's terms. Needs only the design.

    Why: PostgreSQL rejects the statement (uniqueness is enforced per partition, so the key
    must decide the partition), and designers then drop uniqueness altogether.

    Fix: include the partition key: ``ALTER TABLE t ADD PRIMARY KEY (id, created_at);`` —
    and keep ``id`` globally unique by its identity sequence.

    References: proposed (no source tool); PostgreSQL docs "Partitioning — Limitations".
    """

    code = "PGA097"
    slug = "partition-unique-without-key"
    category = "partitioning"
    severity = "error"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.design.tables:
            if t.partition_by is None:
                continue
            keys = t.partition_by.keys
            cols = [k for k in keys if not k.startswith("(")]
            has_expr = len(cols) < len(keys)
            shapes = [("PRIMARY KEY", t.primary_key.name if t.primary_key else None,
                       t.primary_key.columns if t.primary_key else None),
                      *(("UNIQUE", u.name, u.columns) for u in t.uniques),
                      *(("unique index", ix.name, tuple(k.column for k in ix.keys))
                        for ix in t.indexes if ix.unique)]
            for kind, name, columns in shapes:
                if columns is None:
                    continue
                missing = [c for c in cols if c not in columns]
                if not missing and not has_expr:
                    continue
                lacks = ("an expression partition key, which no unique constraint can include"
                         if has_expr else f"the partition key column(s) {', '.join(missing)}")
                want = ", ".join(quote_ident(c) for c in dict.fromkeys([*columns, *missing]))
                yield self.finding(
                    t, None,
                    f"{kind} ({', '.join(columns)}) on partitioned table {t.name} lacks {lacks}, "
                    f"so PostgreSQL rejects it",
                    f"ALTER TABLE {qualified(t.schema, t.name)} ADD "
                    f"{'PRIMARY KEY' if kind == 'PRIMARY KEY' else 'UNIQUE'} ({want});"
                    + (f"  -- replacing {quote_ident(name)}" if name else ""))
