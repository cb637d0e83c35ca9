"""nullable-boolean: boolean columns that may be NULL and have no default."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table

_END = r"(?=\s*(?:$|\)|,|;|AND\b|OR\b|THEN\b|ORDER\b|GROUP\b|LIMIT\b|ELSE\b|END\b))"


def _two_state(column: str) -> re.Pattern[str]:
    """SQL that reads the flag as two-state: ``NOT flag``, ``flag = false``, ``flag <> true``,
    ``flag IS FALSE`` — each skips the NULL rows a reader of "not set" means to include."""
    col = rf'(?:[\w"]+\.)?"?{re.escape(column)}"?'
    return re.compile(
        rf"\bNOT\s+\(?\s*{col}\s*\)?{_END}"
        rf"|(?<![\w.\"]){col}\s*(?:=\s*(?:false|'f'|'false')|(?:<>|!=)\s*(?:true|'t'|'true')"
        rf"|IS\s+FALSE)\b",
        re.IGNORECASE)


def _readers(ctx: LintContext, t: Table) -> list[tuple[str, str]]:
    """(where, SQL) that can read ``t``'s columns: its index predicates, checks and
    policies, and the views, routines and query patterns that name it."""
    own = [(f"index {ix.name}", ix.where) for ix in t.indexes if ix.where]
    own += [("a check", ch.expression) for ch in t.checks]
    own += [(f"policy {p.name}", e) for p in t.policies for e in (p.using, p.with_check) if e]
    named = re.compile(rf'(?<![\w"]){re.escape(t.name)}(?![\w"])|"{re.escape(t.name)}"')
    others = [(f"view {v.name}", v.query) for v in ctx.design.views]
    others += [(f"routine {r.name}", r.definition) for r in ctx.design.routines]
    others += [(f"query pattern {q.name}", q.sql) for q in ctx.design.queries]
    return own + [(w, sql) for w, sql in others if sql and named.search(sql)]


class NullableBoolean(Rule):
    """What: a ``boolean`` column that is nullable and has no default (generated columns are
    left alone: their value is computed). A warning where the design's own SQL — an index
    predicate, check, policy, or a view, routine or query pattern naming the table — reads it
    as two-state (``NOT flag``, ``flag = false``, ``flag <> true``, ``flag IS FALSE``), which
    skips the NULL rows; otherwise info, since a third state ("not answered", "unknown") is
    often deliberate. Needs only the design; code outside it is not seen.

    Why: the column has three states, not two. ``WHERE NOT flag`` and ``WHERE flag = false``
    silently skip the NULL rows, and application code that maps NULL to false disagrees with
    SQL that does not.

    Fix: ``ALTER TABLE t ALTER COLUMN flag SET DEFAULT false`` and, after backfilling,
    ``SET NOT NULL`` — or model a real third state explicitly (an enum or a text CHECK), or
    write ``flag IS NOT TRUE`` where NULL means false.
    """

    code = "PGA101"
    slug = "nullable-boolean"
    category = "constraints"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            flags = [c for c in t.columns if ctx.base_type(c.type) == "boolean" and c.nullable
                     and c.default is None and c.generated is None]
            if not flags:
                continue
            readers = _readers(ctx, t)
            for c in flags:
                pattern = _two_state(c.name)
                seen = next((w for w, sql in readers if pattern.search(sql)), None)
                tab, col = sql_table(t), quote_ident(c.name)
                message = (f"boolean {c.name} is nullable without a default: it has three "
                           f"states, and " + (f"{seen} reads it as two (NOT {c.name} / = false "
                                              f"skip the NULL rows)" if seen else
                                              f"`WHERE NOT {c.name}` would skip the NULL rows"))
                yield self.finding(
                    t, c.name, message,
                    f"UPDATE {tab} SET {col} = false WHERE {col} IS NULL; ALTER TABLE {tab} "
                    f"ALTER COLUMN {col} SET DEFAULT false, ALTER COLUMN {col} SET NOT NULL;",
                    severity=None if seen else "info")
