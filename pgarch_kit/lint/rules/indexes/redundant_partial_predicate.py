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

    Info: the planner proves ``col IS NOT NULL`` from any strict condition on ``col``, so
    the index serves the queries that filter on it; when another index leads with the same
    keys, the fix is to drop this one (overlapping-index says so too).

    Why: the condition excludes nothing, but it makes the index partial: the planner uses a
    partial index only when it can prove the query implies the predicate, so queries without
    a condition on the column (``ORDER BY col LIMIT n``, say) do not use it.

    Fix: recreate the index without that condition, keeping everything else (method, key
    spellings, INCLUDE, uniqueness, the other conditions): ``CREATE INDEX CONCURRENTLY … ON t
    (col);`` then ``DROP INDEX CONCURRENTLY`` the old one.

    References: pg-index-health indexes_with_unnecessary_where_clause.
    """

    code = "PGA046"
    slug = "redundant-partial-predicate"
    category = "indexes"
    severity = "info"
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
                wider = next((o for o in ctx.index_shapes(t) if o.name != ix.name
                              and o.method == shape.method and o.where is None
                              and len(o.keys) > len(shape.keys)
                              and o.keys[:len(shape.keys)] == shape.keys), None)
                yield self.finding(
                    t, cols[0],
                    f"index {ix.name} has WHERE {' AND '.join(f'{c} IS NOT NULL' for c in cols)}"
                    f" on a NOT NULL column: it excludes nothing; the planner proves it from any "
                    f"strict condition on the column (=, <, IN), so only queries without one "
                    f"(ORDER BY … LIMIT, say) miss the index"
                    + (f"; {wider.name} leads with the same keys, so the index can simply go "
                       f"(see overlapping-index)" if wider is not None and not ix.unique else ""),
                    (drop_index_sql(t, shape) if wider is not None and not ix.unique
                     else f"{create} {drop_index_sql(t, shape)}"),
                    severity="info")
