"""rules-usage: query-rewrite rules (CREATE RULE) on tables and views."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule
from ..types._common import live_rows

# pg_rules already leaves out the _RETURN rules that implement views.
_QUERY = """
SELECT schemaname, tablename, rulename, definition FROM pg_rules
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1, 2, 3
"""
_CREATE_RULE = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?RULE\s+([\w\"]+)", re.I)


class RulesUsage(Rule):
    """What: query-rewrite rules created with ``CREATE RULE`` on tables or views. The design
    model has no place for rules, so they are found on a live database (``pg_rules``, which
    leaves out the internal rules behind views) and in routine bodies that create them; the
    catalog's mode is S, this rule runs as S/L so the live check can run. Needs: a live database
    for rules on tables; the design for rules its routines create.

    Why: a rule rewrites the query before it runs, not the rows it touches: with volatile
    functions, multi-row statements or ``RETURNING`` they behave in surprising ways, and
    almost any non-trivial rule is subtly wrong.

    Fix: ``DROP RULE r ON t;`` and use a trigger instead (an INSTEAD OF trigger, or an
    updatable view, for views).

    References: PostgreSQL wiki Don't Do This ("Don't use rules").
    """

    code = "PGA026"
    slug = "rules-usage"
    category = "constraints"
    severity = "warning"
    mode = "S/L"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for r in ctx.design.routines:
            for m in _CREATE_RULE.finditer(r.definition):
                where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
                yield self.finding(
                    where, None,
                    f"routine {where} creates the rewrite rule {m.group(1)}: rules rewrite "
                    f"queries in non-obvious ways and non-trivial ones behave wrongly",
                    "create a trigger instead of the rule")

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        for schema, table, name, _definition in live_rows(ctx, _QUERY):
            where = where_of(schema, table)
            tbl = quote_ident(table) if schema == "public" else qualified(schema, table)
            yield self.finding(
                where, None,
                f"rule {name} on {where} rewrites queries: rules behave in non-obvious ways "
                f"with volatile functions and multi-row statements",
                f"DROP RULE {quote_ident(name)} ON {tbl}; -- and use a trigger instead")
