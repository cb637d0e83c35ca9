"""rls-initplan-function-call: per-row calls of auth.uid()/current_setting() in policies."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import unwrapped_calls

# Stable functions whose value is the same for every row of a query.
_CALL = re.compile(r"(?:auth\s*\.\s*(?:uid|jwt|role|email)|current_setting)\s*\(",
                   re.IGNORECASE)


def wrap(expr: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for a, b in spans:
        out += [expr[last:a], "(select ", expr[a:b], ")"]
        last = b
    return "".join(out) + expr[last:]


class RlsInitplanFunctionCall(Rule):
    """What: a policy whose ``USING`` or ``WITH CHECK`` calls ``auth.uid()``, ``auth.jwt()``,
    ``auth.role()``, ``auth.email()`` or ``current_setting(…)`` directly rather than inside a
    ``(select …)`` sub-select. String literals are skipped; a call anywhere inside a
    parenthesised group that starts with SELECT counts as wrapped.

    Why: a bare call is re-evaluated for every row the policy filters. Wrapped in
    ``(select …)`` the planner runs it once per query as an initPlan and compares a
    constant — on large tables the difference is orders of magnitude.

    An INSERT policy has only ``WITH CHECK``, which runs once per inserted row — once per
    statement for the usual single-row insert — so wrapping gains little there: info.

    Fix: ``ALTER POLICY p ON t USING (user_id = (select auth.uid()));``

    References: Supabase splinter auth_rls_initplan; Supabase RLS performance guide.
    """

    code = "PGA058"
    slug = "rls-initplan-function-call"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.design.tables:
            for p in t.policies:
                clauses = {}
                for kw, expr in (("USING", p.using), ("WITH CHECK", p.with_check)):
                    spans = unwrapped_calls(expr, _CALL) if expr else []
                    if spans:
                        clauses[kw] = (expr, spans)
                if not clauses:
                    continue
                calls = sorted({re.sub(r"\s+", "", e[a:b]) for e, s in clauses.values()
                                for a, b in s})
                fix = " ".join(f"{kw} ({wrap(e, s)})" for kw, (e, s) in clauses.items())
                insert = p.command == "INSERT"
                cost = ("once per inserted row (a single-row insert gains little from "
                        "wrapping it)" if insert
                        else "once per row instead of once per query")
                yield self.finding(
                    t, None,
                    f"policy {p.name} calls {', '.join(calls)} directly, so it is evaluated "
                    f"{cost}",
                    f"ALTER POLICY {quote_ident(p.name)} ON {qualified(t.schema, t.name)} {fix};",
                    severity="info" if insert else None)
