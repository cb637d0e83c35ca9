"""redundant-partial-predicate: WHERE col IS NOT NULL on a column that is NOT NULL."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import conjuncts, create_index_sql, drop_index_sql, not_null, not_null_column


class RedundantPartialPredicate(Rule):
    """What: an index predicate — alone or one of its top-level AND-ed parts — of the form
    ``col IS NOT NULL`` where ``col`` is already NOT NULL (declared, identity, or in the
    primary key). Predicates with a top-level OR are not judged. Needs only the design.

    Why: the condition excludes nothing, but it makes the index partial: the planner uses a
    partial index only when it can prove the query implies the predicate, so queries that
    would use the index (``ORDER BY col LIMIT n``, say) may not.

    Fix: recreate the index without that condition, keeping everything else (method, key
    spellings, INCLUDE, uniqueness, the other conditions): ``CREATE INDEX CONCURRENTLY … ON t
    (col);`` then ``DROP INDEX CONCURRENTLY`` the old one.

    References: pg-index-health indexes_with_unnecessary_where_clause.
    """

    code = "PGA046"
    slug = "redundant-partial-predicate"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for ix in t.indexes:
                parts = conjuncts(ix.where)
                if not parts:
                    continue
                keep, redundant = [], []
                for p in parts:
                    col = not_null_column(p)
                    (redundant if col and not_null(t, col) else keep).append((p, col))
                if not redundant:
                    continue
                where = " AND ".join(f"({p})" for p, _ in keep) or None
                create = create_index_sql(t, ix.keys, method=ix.method, unique=ix.unique,
                                          nulls_not_distinct=ix.nulls_not_distinct,
                                          include=ix.include, where=where)
                shape = next(s for s in ctx.index_shapes(t) if s.name == ix.name)
                cols = [c for _, c in redundant]
                yield self.finding(
                    t, cols[0],
                    f"index {ix.name} has WHERE {' AND '.join(f'{c} IS NOT NULL' for c in cols)}"
                    f" on a NOT NULL column: it excludes nothing, yet keeps the planner from "
                    f"using the index for queries that do not repeat it",
                    f"{create} {drop_index_sql(t, shape)}")
