"""missing-comment: tables and functions without COMMENT ON."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..security._sql import routine_ref


class MissingComment(Rule):
    """What: tables (partitions and migration tools' bookkeeping tables excepted) and
    functions or procedures without a ``COMMENT ON``. Columns are deliberately not checked:
    one finding per undocumented column buries the table-level signal, and a table's comment
    is where the column story starts; aggregates are skipped too. In a design that documents
    fewer than half of these objects, commenting is not (yet) its practice: one design-wide
    finding gives the count instead of one per object.

    Why: the schema isn't self-documenting, so data catalogs, generated API docs (PostgREST
    and GraphQL read comments) and the next engineer get nothing.

    Fix: ``COMMENT ON TABLE t IS '…';`` / ``COMMENT ON FUNCTION f(args) IS '…';``

    References: pg-index-health tables_without_description, columns_without_description,
    functions_without_description.
    """

    code = "PGA052"
    slug = "missing-comment"
    category = "naming"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        tables = [t for t in ctx.tables if not (t.comment or "").strip()]
        routines = [r for r in ctx.design.routines
                    if r.kind != "aggregate" and not (r.comment or "").strip()]
        total = len(ctx.tables) + sum(r.kind != "aggregate" for r in ctx.design.routines)
        if total and len(tables) + len(routines) > total / 2:
            parts = [f"{len(tables)} of {len(ctx.tables)} tables"] if ctx.tables else []
            if routines:
                parts.append(f"{len(routines)} routine{'s' if len(routines) > 1 else ''}")
            yield self.finding(
                None, None,
                f"{' and '.join(parts)} have no comment: the design documents little in the "
                f"catalog, so data catalogs, generated API docs and the next engineer get "
                f"nothing",
                "start with the central tables: COMMENT ON TABLE t IS '…'; (what a row means, "
                "who writes it)")
            return
        for t in tables:
            yield self.finding(
                t, None, f"table {t.name} has no comment, so catalogs and generated API "
                         f"docs can't say what a row means",
                f"COMMENT ON TABLE {qualified(t.schema, t.name)} IS '…';")
        for r in routines:
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            yield self.finding(
                where, None, f"{r.kind} {r.name}({r.signature}) has no comment, so callers "
                             f"must read its body to learn what it does",
                f"COMMENT ON {routine_ref(r)} IS '…';")
