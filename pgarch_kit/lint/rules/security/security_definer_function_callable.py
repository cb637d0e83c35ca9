"""security-definer-function-callable: SECURITY DEFINER routines callable through the API."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule
from ._sql import is_exposed, is_security_definer, routine_ref

# Roles an API typically runs anonymous and signed-in requests as (PostgREST, Supabase).
_API_ROLES = ("public", "anon", "authenticated")

_LIVE = """
    SELECT n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
           CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END,
           ARRAY(SELECT r.name FROM (SELECT 'public'::text AS name UNION
                                     SELECT rolname::text FROM pg_catalog.pg_roles
                                     WHERE rolname = ANY(%(roles)s::text[])) AS r
                 WHERE pg_catalog.has_function_privilege(r.name, p.oid, 'EXECUTE')
                 ORDER BY r.name <> 'public', r.name)
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prosecdef AND n.nspname = ANY(%(schemas)s)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'e')
    ORDER BY 1, 2, 3"""


def _schemas(ctx: LintContext) -> list[str]:
    exposed = ctx.setting("exposed_schemas")
    return [exposed] if isinstance(exposed, str) else list(exposed or ())


class SecurityDefinerFunctionCallable(Rule):
    """What: a SECURITY DEFINER function or procedure in a schema listed in
    ``exposed_schemas``. The design holds no grants, so from the design alone the rule
    assumes the default — PostgreSQL grants EXECUTE on new functions to PUBLIC — and fires
    for every such routine. On a live database it checks instead, with
    ``has_function_privilege``, whether PUBLIC or the API roles ``anon``/``authenticated``
    (plus any listed in the ``api_roles`` setting) can EXECUTE it, and names them; a routine
    revoked from all of them is silent.

    Why: the API exposes the function as an RPC endpoint, and it runs with its owner's
    rights, so anonymous or signed-in users get a privilege-escalation surface that skips
    row level security.

    Fix: ``REVOKE EXECUTE ON FUNCTION s.f(args) FROM PUBLIC, anon, authenticated;`` — or make
    it ``SECURITY INVOKER``, or move it to a schema the API doesn't expose.

    References: Supabase splinter anon_security_definer_function_executable,
    authenticated_security_definer_function_executable.
    """

    code = "PGA063"
    slug = "security-definer-function-callable"
    category = "security/RLS"
    severity = "error"
    mode = "S/L"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        if ctx.conn is not None:
            return  # the live check knows the grants: let it decide
        exposed = ctx.setting("exposed_schemas")
        for r in ctx.design.routines:
            if r.kind == "aggregate" or not is_exposed(r.schema, exposed) \
                    or not is_security_definer(r):
                continue
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            yield self.finding(
                where, None,
                f"SECURITY DEFINER {r.kind} {r.name}({r.signature}) is in exposed schema "
                f"{r.schema} and EXECUTE goes to PUBLIC by default, so API callers run it "
                f"with its owner's rights",
                f"REVOKE EXECUTE ON {routine_ref(r)} FROM PUBLIC;")

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        extra = ctx.setting("api_roles") or ()
        roles = list(dict.fromkeys([*_API_ROLES, *((extra,) if isinstance(extra, str) else extra)]))
        rows = ctx.conn.execute(_LIVE, {"roles": roles, "schemas": _schemas(ctx)}).fetchall()
        for schema, name, args, kind, who in rows:
            if not who:
                continue
            where = where_of(schema, name)
            yield self.finding(
                where, None,
                f"SECURITY DEFINER {kind} {name}({args}) in exposed schema {schema} is "
                f"executable by {', '.join(who)}, so API callers run it with its owner's rights",
                f"REVOKE EXECUTE ON {kind.upper()} {qualified(schema, name)}({args}) "
                f"FROM {', '.join(who).replace('public', 'PUBLIC')};")
