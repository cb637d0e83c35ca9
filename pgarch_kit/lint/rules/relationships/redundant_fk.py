"""redundant-fk: two foreign keys to the same target where one repeats or contains the other."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model import ForeignKey, Table
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import table_sql


def _pairs(fk: ForeignKey) -> frozenset[tuple[str, str]]:
    return frozenset(zip(fk.columns, fk.ref_columns))


def _name(fk: ForeignKey) -> str:
    return fk.name or f"({', '.join(fk.columns)})"


class RedundantFk(Rule):
    """What: two foreign keys of one table to the same target where the column pairings
    (child column → parent column) are identical (duplicated), or where one key's pairings
    are a strict subset of the other's (intersected). Keys that merely share a column, like
    ``(tenant_id, parent_id)`` and ``(tenant_id, other_id)`` into the same parent, are
    distinct relationships and not reported. Needs only the design.

    Why: each constraint is checked on every write to the child and every delete on the
    parent, so a redundant one doubles that work for no extra guarantee, and readers of the
    model wonder which relationship is meant.

    Fix: ``ALTER TABLE child DROP CONSTRAINT redundant_fk;``

    References: pg-index-health duplicated_foreign_keys, intersected_foreign_keys.
    """

    code = "PGA030"
    slug = "redundant-fk"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            by_target: dict[tuple[str, str], list[ForeignKey]] = {}
            for fk in t.foreign_keys:
                by_target.setdefault((fk.ref_schema or t.schema, fk.ref_table), []).append(fk)
            for fks in by_target.values():
                if len(fks) > 1:  # keys to one target are few: pairwise is fine here
                    yield from self._group(t, fks)

    def _group(self, t: Table, fks: list[ForeignKey]) -> Iterator[Finding]:
        reported: set[int] = set()
        for i, a in enumerate(fks):
            for j, b in enumerate(fks):
                if i == j or j in reported:
                    continue
                pa, pb = _pairs(a), _pairs(b)
                if pa == pb and i < j:
                    why = f"duplicates {_name(a)}"
                elif pb < pa:
                    why = f"is contained in {_name(a)} ({', '.join(a.columns)})"
                else:
                    continue
                reported.add(j)
                drop = (f"ALTER TABLE {table_sql(t)} DROP CONSTRAINT {quote_ident(b.name)};"
                        if b.name else f"drop the foreign key ({', '.join(b.columns)}) "
                                       f"→ {b.ref_table} from {t.name}")
                yield self.finding(
                    t, b.columns[0] if len(b.columns) == 1 else None,
                    f"foreign key {_name(b)} → {b.ref_table} {why}: the same rows are "
                    f"checked twice on every write for no extra guarantee", drop)
