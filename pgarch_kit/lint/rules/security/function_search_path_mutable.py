"""function-search-path-mutable: routines without a pinned search_path."""
from __future__ import annotations

from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._sql import is_security_definer, language, pinned_search_path, routine_ref

# Languages whose code doesn't resolve SQL names through search_path.
_NO_SQL = ("c", "internal")


class FunctionSearchPathMutable(Rule):
    """What: a function or procedure whose definition has no ``SET search_path`` clause. A
    warning for SECURITY DEFINER routines, where a hijack runs with the owner's rights; an
    info for ordinary (invoker) routines, which only mislead their own caller. Aggregates
    and C/internal-language routines are skipped. Only the routine header counts: a
    ``SET search_path`` statement inside the body is not a pin.

    Why: unqualified names in the body resolve through the caller's ``search_path``, so a
    caller who can create objects in a schema earlier on the path can shadow a table or
    function the routine uses and hijack its execution.

    Fix: ``ALTER FUNCTION s.f(args) SET search_path = '';`` and schema-qualify the names in
    the body (or pin a fixed list such as ``pg_catalog, app``).

    References: Supabase splinter function_search_path_mutable; PostgreSQL docs "Writing
    SECURITY DEFINER Functions Safely".
    """

    code = "PGA062"
    slug = "function-search-path-mutable"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for r in ctx.design.routines:
            if r.kind == "aggregate" or language(r) in _NO_SQL or pinned_search_path(r) is not None:
                continue
            definer = is_security_definer(r)
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            kind = f"SECURITY DEFINER {r.kind}" if definer else r.kind
            rights = " with its owner's rights" if definer else ""
            yield self.finding(
                where, None,
                f"{kind} {r.name}({r.signature}) has no pinned search_path, so a caller can "
                f"shadow the objects it uses and hijack it{rights}",
                f"ALTER {routine_ref(r)} SET search_path = '';",
                severity="warning" if definer else "info")
