"""missing-comment: tables and functions without COMMENT ON."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..security._sql import routine_ref


class MissingComment(Rule):
    """What: tables (partitions excepted: they share their parent's meaning) and functions
    or procedures without a ``COMMENT ON``. Columns are deliberately not checked: one finding
    per undocumented column buries the table-level signal, and a table's comment is where
    the column story starts; aggregates are skipped too.

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
        for t in ctx.tables:
            if not (t.comment or "").strip():
                yield self.finding(
                    t, None, f"table {t.name} has no comment, so catalogs and generated API "
                             f"docs can't say what a row means",
                    f"COMMENT ON TABLE {qualified(t.schema, t.name)} IS '…';")
        for r in ctx.design.routines:
            if r.kind == "aggregate" or (r.comment or "").strip():
                continue
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            yield self.finding(
                where, None, f"{r.kind} {r.name}({r.signature}) has no comment, so callers "
                             f"must read its body to learn what it does",
                f"COMMENT ON {routine_ref(r)} IS '…';")
