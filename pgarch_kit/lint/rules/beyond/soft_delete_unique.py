"""soft-delete-unique: UNIQUE keys of soft-deleted tables that also count deleted rows."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.default_names import constraint_names

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import index_name, key_sql


class SoftDeleteUnique(Rule):
    """What: on a table with a soft-delete column (declared as the ``soft_delete`` intent, or
    inferred from ``deleted_at``/``is_deleted``…), a UNIQUE constraint, or a unique index whose
    WHERE does not mention that column. The primary key and keys that include the soft-delete
    column itself are left alone.

    Why: the deleted rows are still there, so a deleted customer's e-mail blocks a new sign-up
    with the same address, and "restore" and "re-create" fight over the key.

    Fix: replace the constraint by a partial unique index over the live rows:
    ``CREATE UNIQUE INDEX CONCURRENTLY … ON t (email) WHERE deleted_at IS NULL;`` then drop the
    constraint (``ON CONFLICT`` clauses must then name the predicate too).
    """

    code = "PGA104"
    slug = "soft-delete-unique"
    category = "constraints"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            intent, inferred = ctx.intent(t)
            sd = intent.soft_delete
            col = t.column(sd) if sd else None
            if col is None:
                continue
            live = f"NOT {sd}" if ctx.base_type(col.type) == "boolean" else f"{sd} IS NULL"
            mentions = re.compile(rf"\b{re.escape(sd)}\b", re.I)
            keyed: list[tuple[str, tuple[str, ...]]] = [
                (u_name, tuple(u.columns))
                for u, u_name in zip(t.uniques, constraint_names(t).uniques, strict=True)]
            keyed += [(ix.name, tuple(f"({k.column})" if k.expression else k.column
                                      for k in ix.keys))
                      for ix in t.indexes
                      if ix.unique and not (ix.where and mentions.search(ix.where))]
            for name, keys in keyed:
                if any(mentions.search(k) for k in keys):
                    continue
                cols = ", ".join(key_sql(k) for k in keys)
                yield self.finding(
                    t, keys[0] if len(keys) == 1 and not keys[0].startswith("(") else None,
                    f"unique key {name} ({', '.join(keys)}) also counts soft-deleted rows: a "
                    f"deleted row blocks a new live row with the same key",
                    f"CREATE UNIQUE INDEX CONCURRENTLY "
                    f"{index_name(t.name, list(keys), 'live_key')} ON {key_sql(t.name)} "
                    f"({cols}) WHERE {live}; then drop {name}",
                    inferred="soft_delete" if "soft_delete" in inferred else None)
