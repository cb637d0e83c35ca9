"""overlapping-index: an index whose keys lead another B-tree index on the same table."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import IndexShape, LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import drop_index_sql, includes, key_identities, lost_service, predicate_key


class OverlappingIndex(Rule):
    """What: a non-unique B-tree index whose keys (with opclass, collation and order) are a
    strict leading prefix of another B-tree index's keys on the same table, with the same
    predicate — ``(account_id)`` beside ``(account_id, kind)``. Not reported when the shorter
    index is unique or backs a constraint (it enforces something), when the methods differ,
    or when the shorter one INCLUDEs columns the longer one lacks (it may serve
    index-only scans the longer cannot). Needs only the design; with query patterns
    (``queries:``) it also checks that the longer index serves each of them as well as the
    shorter one did (the same keys to seek on, the same ORDER BY), and stays silent when not;
    the foreign keys the shorter index serves stay served, since the longer one leads with
    the same columns. Framework tables (``schema_migrations``, ``qrtz_*``…) are info.

    Why: the longer index serves every lookup the shorter one does, so the shorter one is
    mostly write, vacuum and cache overhead.

    Fix: ``DROP INDEX CONCURRENTLY the_prefix_idx;`` — unless it is much smaller and hot
    enough that its size matters more than the write cost.

    References: pg-index-health intersected_indexes; pglinter B002.
    """

    code = "PGA038"
    slug = "overlapping-index"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            btrees = [s for s in ctx.index_shapes(t) if s.method == "btree"]
            # every strict prefix of every index, mapped to the shortest index having it:
            # linear in the number of keys, no comparison of all pairs
            longer: dict[tuple, IndexShape] = {}
            for s in btrees:
                ids, where = key_identities(s), predicate_key(s.where)
                for k in range(1, len(ids)):
                    prev = longer.get((where, ids[:k]))
                    if prev is None or len(prev.keys) > len(s.keys):
                        longer[(where, ids[:k])] = s
            for s in btrees:
                if s.unique or s.constraint:
                    continue
                wide = longer.get((predicate_key(s.where), key_identities(s)))
                if wide is None:
                    continue
                if not set(includes(t, s)) <= set(wide.keys) | set(includes(t, wide)):
                    continue
                if lost_service(ctx, t, [s]):
                    continue  # the shorter index serves something the wider one does not
                yield self.finding(
                    t, s.keys[0] if len(s.keys) == 1 and not s.keys[0].startswith("(")
                    else None,
                    f"index {s.name} ({', '.join(s.keys)}) is a leading prefix of {wide.name} "
                    f"({', '.join(wide.keys)}): the wider index serves the same lookups, so "
                    f"this one is mostly write overhead",
                    drop_index_sql(t, s),
                    severity="info" if ctx.is_framework_table(t) or t.key in _parents(ctx)
                    else None)


def _parents(ctx) -> set[tuple[str, str]]:
    """Tables others INHERIT from: often abstract and empty, so an index there costs no
    writes (the children's own indexes are judged on the children)."""
    return ctx.memo("overlapping-index.parents", lambda: {
        (ref.schema or t.schema, ref.name) for t in ctx.design.tables for ref in t.inherits})
