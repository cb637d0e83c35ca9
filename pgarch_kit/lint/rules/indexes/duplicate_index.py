"""duplicate-index: two indexes of one table that are the same index twice."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.default_names import constraint_names

from ...context import IndexShape, LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import drop_index_sql, includes, key_identities, predicate_key


def _strictness(table: Table, shape: IndexShape) -> tuple[bool, bool, bool]:
    """What the index enforces, beyond serving lookups: (unique, NULLS NOT DISTINCT,
    usable as a foreign key target / ON CONFLICT arbiter — a deferrable key is not)."""
    nnd, deferrable = bool(shape.index and shape.index.nulls_not_distinct), False
    if shape.constraint:
        names = constraint_names(table)
        pk = table.primary_key
        if pk and shape.name == names.primary_key:
            deferrable = pk.deferrable
        for u, u_name in zip(table.uniques, names.uniques, strict=True):
            if u_name == shape.name:
                nnd, deferrable = u.nulls_not_distinct, u.deferrable
    return shape.unique, nnd, shape.unique and not deferrable


def _keeper_rank(table: Table, shape: IndexShape) -> tuple[int, int, str]:
    """Which copy to keep: the one backing a constraint, then a unique one (NULLS NOT
    DISTINCT first: it is the stricter), then the first by name."""
    unique, nnd, _ = _strictness(table, shape)
    return (0 if shape.constraint else 1, 0 if unique and nnd else 1 if unique else 2,
            shape.name)


class DuplicateIndex(Rule):
    """What: two indexes (a PRIMARY KEY or UNIQUE constraint's index included) of one table
    with the same method, the same keys — columns or expressions, with their opclasses,
    collations and sort order — the same INCLUDE columns and the same predicate. Uniqueness
    may differ: a plain index is a duplicate of a unique one with the same shape, since the
    unique one serves every query the plain one can. Needs only the design. The copy to drop
    must enforce nothing the kept one does not: a NULLS NOT DISTINCT index beside a plain
    UNIQUE constraint, or a non-deferrable unique index beside a deferrable key (foreign keys
    and ON CONFLICT can use only the former), is not a duplicate.

    Why: every write maintains both, vacuum scans both and both take disk and cache, while
    the planner only ever needs one of them.

    Fix: ``DROP INDEX CONCURRENTLY the_copy;`` — keeping the index that backs a constraint
    (or the unique one). When the copy is unique and foreign keys reference those columns,
    one of them may be bound to the copy: DROP then fails (never use CASCADE, which would
    drop the foreign key); recreate that key first.

    References: Supabase splinter duplicate_index; pg-index-health duplicated_indexes;
    pglinter B002.
    """

    code = "PGA037"
    slug = "duplicate-index"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        referenced = self._referenced_columns(ctx)
        for t in ctx.tables:
            groups: dict[tuple, list[IndexShape]] = {}
            for shape in ctx.index_shapes(t):
                sig = (shape.method, key_identities(shape), predicate_key(shape.where),
                       frozenset(includes(t, shape)))
                groups.setdefault(sig, []).append(shape)
            for shapes in groups.values():
                if len(shapes) < 2:
                    continue
                keep, *extra = sorted(shapes, key=lambda s: _keeper_rank(t, s))
                kept = _strictness(t, keep)
                for shape in extra:
                    if any(mine and not theirs
                           for mine, theirs in zip(_strictness(t, shape), kept, strict=True)):
                        continue  # the copy enforces something the kept one does not
                    fix = drop_index_sql(t, shape)
                    if shape.unique and frozenset(shape.keys) in referenced.get(t.key, ()):
                        fix += (" -- if a foreign key referencing these columns is bound to "
                                "it, the DROP fails: recreate that foreign key first (never "
                                "DROP … CASCADE)")
                    yield self.finding(
                        t, shape.keys[0] if len(shape.keys) == 1 and
                        not shape.keys[0].startswith("(") else None,
                        f"index {shape.name} duplicates {keep.name} ({', '.join(keep.keys)}): "
                        f"every write and vacuum pays for both, queries use only one",
                        fix, severity="info" if ctx.is_framework_table(t) else None)

    @staticmethod
    def _referenced_columns(ctx: LintContext) -> dict[tuple[str, str], set[frozenset[str]]]:
        out: dict[tuple[str, str], set[frozenset[str]]] = {}
        for t in ctx.design.tables:
            for fk in t.foreign_keys:
                out.setdefault((fk.ref_schema or t.schema, fk.ref_table), set()).add(
                    frozenset(fk.ref_columns))
        return out
