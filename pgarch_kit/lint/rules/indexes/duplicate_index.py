"""duplicate-index: two indexes of one table that are the same index twice."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import IndexShape, LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import drop_index_sql, includes, key_identities, predicate_key


def _keeper_rank(shape: IndexShape) -> tuple[int, int, str]:
    """Which copy to keep: the one backing a constraint, then a unique one (NULLS NOT
    DISTINCT first: it is the stricter), then the first by name."""
    nnd = bool(shape.index and shape.index.nulls_not_distinct)
    return (0 if shape.constraint else 1, 0 if shape.unique and nnd else
            1 if shape.unique else 2, shape.name)


class DuplicateIndex(Rule):
    """What: two indexes (a PRIMARY KEY or UNIQUE constraint's index included) of one table
    with the same method, the same keys — columns or expressions, with their opclasses,
    collations and sort order — the same INCLUDE columns and the same predicate. Uniqueness
    may differ: a plain index is a duplicate of a unique one with the same shape, since the
    unique one serves every query the plain one can.

    Why: every write maintains both, vacuum scans both and both take disk and cache, while
    the planner only ever needs one of them.

    Fix: ``DROP INDEX CONCURRENTLY the_copy;`` — keep the index that backs a constraint (or
    the unique one).

    References: Supabase splinter duplicate_index; pg-index-health duplicated_indexes;
    pglinter B002.
    """

    code = "PGA037"
    slug = "duplicate-index"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            groups: dict[tuple, list[IndexShape]] = {}
            for shape in ctx.index_shapes(t):
                sig = (shape.method, key_identities(shape), predicate_key(shape.where),
                       frozenset(includes(t, shape)))
                groups.setdefault(sig, []).append(shape)
            for shapes in groups.values():
                if len(shapes) < 2:
                    continue
                keep, *extra = sorted(shapes, key=_keeper_rank)
                for shape in extra:
                    yield self.finding(
                        t, shape.keys[0] if len(shape.keys) == 1 and
                        not shape.keys[0].startswith("(") else None,
                        f"index {shape.name} duplicates {keep.name} ({', '.join(keep.keys)}): "
                        f"every write and vacuum pays for both, queries use only one",
                        drop_index_sql(t, shape))
