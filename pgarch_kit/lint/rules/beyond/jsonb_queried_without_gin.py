"""jsonb-queried-without-gin: JSONB filters of query patterns no index can serve."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.query import JsonbUse, RelationUse, implied, index_key_id, service

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import Target, index_name, key_sql, pattern_index

_EXISTENCE = {"?", "?|", "?&"}                # jsonb_ops only
_PATH = {"->>", "->", "#>>", "#>"}            # an expression index on the same path


class JsonbQueriedWithoutGin(Rule):
    """What: a query pattern that filters a ``jsonb`` column with ``@>``/``<@``/``@?``/``@@``
    and no GIN index on the column; with ``?``/``?|``/``?&`` and no GIN index in the default
    ``jsonb_ops`` class (``jsonb_path_ops`` does not support key existence); or compares a path
    (``col ->> 'key' = …``) that no B-tree expression index on the same path serves. A partial
    index counts when the query repeats its WHERE. Error for ``critical`` patterns. Needs: query
    patterns; without them the rule is silent.

    Why: without the index each such query reads and decompresses every row's document.

    Fix: ``CREATE INDEX CONCURRENTLY … ON t USING gin (col jsonb_path_ops);`` for containment
    (smaller and faster), ``USING gin (col)`` when key existence is queried too, and
    ``CREATE INDEX CONCURRENTLY … ON t ((col ->> 'key'));`` for one hot path.

    References: PostgreSQL documentation, 8.14.4 jsonb Indexing.
    """

    code = "PGA109"
    slug = "jsonb-queried-without-gin"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        pi = pattern_index(ctx)
        for q, blocks in pi.blocks:
            seen: set[tuple[str, str, str]] = set()
            for block in blocks:
                uses = {u.relation: (u, t) for u, t in pi.relation_uses(block)}
                for use in block.jsonb:
                    rel = block.relation_of(use.qualifier, use.column, pi.columns_of)
                    ruse, target = uses.get(rel, (None, None)) if rel else (None, None)
                    if target is None or target.columns.get(use.column, "jsonb") != "jsonb":
                        continue
                    group = use.expr if use.operator in _PATH else use.operator in _EXISTENCE
                    mark = (target.name, use.column, str(group))
                    if mark in seen or self._served(target, ruse, use):
                        continue
                    seen.add(mark)
                    yield self._finding(q, target, use)

    @staticmethod
    def _served(target: Target, ruse: RelationUse, use: JsonbUse) -> bool:
        """A B-tree or hash index leading with the compared path, or an index whose opclass
        answers the operator (:func:`pgarch_kit.model.query.service`)."""
        for ix in target.indexes:
            if use.operator in _PATH:
                if ix.method in ("btree", "hash") and ix.keys \
                        and index_key_id(ix.keys[0]) == f"({use.expr})" \
                        and implied(ix.where, ruse.terms, set(ruse.compared)):
                    return True
                continue
            s = service(ix, ruse)
            if s is not None and use.operator in s.operators:
                return True
        return False

    def _finding(self, q, target: Target, use) -> Finding:
        col = key_sql(use.column)
        if use.operator in _PATH:
            fix = (f"CREATE INDEX CONCURRENTLY {index_name(target.name, [use.expr])} ON "
                   f"{key_sql(target.name)} (({use.expr}));")
            what = f"compares the path {use.expr}"
        else:
            opclass = "" if use.operator in _EXISTENCE else " jsonb_path_ops"
            fix = (f"CREATE INDEX CONCURRENTLY {index_name(target.name, [use.column], 'gin')} "
                   f"ON {key_sql(target.name)} USING gin ({col}{opclass});")
            what = f"filters {use.column} with {use.operator}"
        return self.finding(
            target.table or target.name, use.column,
            f"query pattern {q.name!r} {what}, but no index on {target.name} serves it: each "
            f"call reads every row's document",
            fix, severity="error" if q.critical else None)
