"""soft-delete-unique: UNIQUE keys of soft-deleted tables that also count deleted rows."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import IndexKey
from pgarch_kit.model.default_names import constraint_names
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import create_index_sql, drop_index_sql, includes, shape_keys
from ..keys._shared import identifier_column, referencing_fks
from ._shared import index_name


class SoftDeleteUnique(Rule):
    """What: on a table with a soft-delete column (declared as the ``soft_delete`` intent, or
    inferred from a nullable ``deleted_at`` or an ``is_deleted`` flag), a UNIQUE constraint,
    or a unique index whose WHERE does not mention that column. Left alone: the primary key,
    keys that include the soft-delete column itself, a key that is a single identifier (a
    generated id, a uuid, a token or hash — never reused, so deleted rows block nothing) or
    a key that is a single foreign key column (a 1:1 row: restoring it is the way back), keys
    of indexes whose predicate already tests a deleted flag, and keys that foreign keys
    reference (they need the full, non-partial key). Warning when the design declares the
    soft-delete intent; info when it was inferred (restoring a row, rather than re-creating
    it, may be the intended way back).

    Why: the deleted rows are still there, so a deleted customer's e-mail blocks a new sign-up
    with the same address, and "restore" and "re-create" fight over the key.

    Fix: replace the key by a partial unique index over the live rows, keeping its keys,
    INCLUDE columns and any predicate it had:
    ``CREATE UNIQUE INDEX CONCURRENTLY … ON t (email) WHERE deleted_at IS NULL;`` then drop the
    old one (``ON CONFLICT`` clauses must then name the predicate too).
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
            live = (f"NOT {quote_ident(sd)}" if ctx.base_type(col.type) == "boolean"
                    else f"{quote_ident(sd)} IS NULL")
            # a predicate on any deleted-flag already keeps deleted rows out
            mentions = re.compile(rf"\b({re.escape(sd)}|deleted|is_deleted|deleted_at)\b", re.I)
            referenced = {frozenset(fk.ref_columns) for _r, fk in referencing_fks(ctx, t)}
            shapes = {s.name: s for s in ctx.index_shapes(t)}
            keyed: list[tuple[str, tuple[str, ...], str | None]] = [
                (u_name, tuple(u.columns), None)
                for u, u_name in zip(t.uniques, constraint_names(t).uniques, strict=True)]
            keyed += [(ix.name, tuple(f"({k.column})" if k.expression else k.column
                                      for k in ix.keys), ix.where)
                      for ix in t.indexes
                      if ix.unique and not (ix.where and mentions.search(ix.where))]
            for name, keys, where in keyed:
                if any(mentions.search(k) for k in keys) or frozenset(keys) in referenced:
                    continue
                if len(keys) == 1 and not keys[0].startswith("(") and \
                        identifier_column(ctx, t, keys[0]):
                    continue  # an id, uuid or token is never reused; a 1:1 key is restored
                shape = shapes.get(name)
                ix = shape.index if shape else None
                new_where = f"({where}) AND {live}" if where else live
                fix = create_index_sql(
                    t, shape_keys(shape) if shape else tuple(IndexKey(k) for k in keys),
                    name=index_name(t.name, list(keys), "live_key"), unique=True,
                    nulls_not_distinct=bool(ix and ix.nulls_not_distinct),
                    include=includes(t, shape) if shape else (), where=new_where)
                drop = drop_index_sql(t, shape) if shape else f"-- then drop {name}"
                yield self.finding(
                    t, keys[0] if len(keys) == 1 and not keys[0].startswith("(") else None,
                    f"unique key {name} ({', '.join(keys)}) also counts soft-deleted rows: a "
                    f"deleted row blocks a new live row with the same key",
                    f"{fix} {drop}",
                    severity="info" if "soft_delete" in inferred else None,
                    inferred="soft_delete" if "soft_delete" in inferred else None)
