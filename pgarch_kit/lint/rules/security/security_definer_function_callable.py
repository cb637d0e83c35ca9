"""security-definer-function-callable: SECURITY DEFINER routines callable through the API."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Routine
from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext, where_of
from ...finding import Finding
from ...rule import Rule
from ._exposure import exposure
from ._sql import is_security_definer, routine_header, routine_ref

# Request roles that need no sign-in: a grant to one of them is an open door.
_ANONYMOUS = ("public", "anon", "web_anon", "api_anon", "anonymous")
# Trigger functions run only as triggers: no API can call them.
_TRIGGER = re.compile(r"\bRETURNS\s+(?:pg_catalog\s*\.\s*)?(?:event_)?trigger\b", re.IGNORECASE)

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
      AND p.prorettype NOT IN ('pg_catalog.trigger'::pg_catalog.regtype,
                               'pg_catalog.event_trigger'::pg_catalog.regtype)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                        AND d.deptype = 'e')
    ORDER BY 1, 2, 3"""


def _callers(ctx: LintContext, r: Routine, roles: frozenset[str]) -> list[str]:
    """Who may EXECUTE ``r`` by the design's grants: PUBLIC unless a revoke (or a database-wide
    default privilege revoke) took it away, plus the request roles granted it explicitly."""
    d = ctx.design

    def same(g) -> bool:
        return (g.kind == "routine" and g.schema == r.schema and g.name == r.name
                and (g.signature is None or g.signature == r.signature))
    revoked = any(same(g) and g.revoke and g.grantee == "public" for g in d.grants) or any(
        p.objects == "functions" and p.revoke and p.grantee == "public"
        and p.schema in (None, r.schema) and p.role is None for p in d.default_privileges)
    who = [] if revoked else ["public"]
    who += sorted({g.grantee for g in d.grants
                   if same(g) and not g.revoke and g.grantee in roles})
    return who


class SecurityDefinerFunctionCallable(Rule):
    """What: a SECURITY DEFINER function or procedure in a schema an API exposes (declared in
    ``exposed_schemas`` or inferred from the API's roles, settings and grants, as for
    rls-disabled-exposed-table) that anonymous requests may run: ``EXECUTE`` still goes to
    PUBLIC (PostgreSQL's default, unless the design revokes it) or is granted to an
    anonymous role (``anon``, ``web_anon``). A definer routine granted only to signed-in
    roles (``authenticated``) is a deliberate RPC and is left alone, and trigger functions
    can't be called at all. On a live database the rule asks ``has_function_privilege``
    instead of reading the design's grants.

    A warning, not an error: whether running with the owner's rights does harm depends on
    what the routine does, which the advisor can't judge.

    Why: the API exposes the function as an RPC endpoint, and it runs with its owner's
    rights, so anonymous callers get a privilege-escalation surface that skips row level
    security.

    Fix: ``REVOKE EXECUTE ON FUNCTION s.f(args) FROM PUBLIC, anon;`` and grant it to the
    roles that need it — or make it ``SECURITY INVOKER``, or move it to a schema the API
    doesn't expose.

    References: Supabase splinter anon_security_definer_function_executable,
    authenticated_security_definer_function_executable.
    """

    code = "PGA063"
    slug = "security-definer-function-callable"
    category = "security/RLS"
    severity = "warning"
    mode = "S/L"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        if ctx.conn is not None:
            return  # the live check knows the grants: let it decide
        api = exposure(ctx)
        for r in ctx.design.routines:
            if r.kind == "aggregate" or r.schema not in api.schemas \
                    or not is_security_definer(r) or _TRIGGER.search(routine_header(r)):
                continue
            who = [w for w in _callers(ctx, r, api.roles) if w in _ANONYMOUS]
            if not who:
                continue
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            how = ("EXECUTE goes to PUBLIC by default" if "public" in who
                   else f"EXECUTE is granted to {', '.join(who)}")
            yield self.finding(
                where, None,
                f"SECURITY DEFINER {r.kind} {r.name}({r.signature}) is in exposed schema "
                f"{r.schema} ({api.how()}) and {how}, so anonymous API callers run it with "
                f"its owner's rights",
                f"REVOKE EXECUTE ON {routine_ref(r)} FROM "
                f"{', '.join('PUBLIC' if w == 'public' else quote_ident(w) for w in who)};")

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        api = exposure(ctx)
        rows = ctx.conn.execute(_LIVE, {"roles": sorted(api.roles),
                                        "schemas": sorted(api.schemas)}).fetchall()
        for schema, name, args, kind, who in rows:
            if not any(w in _ANONYMOUS for w in who):
                continue  # only signed-in roles may run it: a deliberate RPC
            where = where_of(schema, name)
            yield self.finding(
                where, None,
                f"SECURITY DEFINER {kind} {name}({args}) in exposed schema {schema} is "
                f"executable by {', '.join(who)}, so API callers run it with its owner's rights",
                f"REVOKE EXECUTE ON {kind.upper()} {qualified(schema, name)}({args}) FROM "
                f"{', '.join('PUBLIC' if w == 'public' else quote_ident(w) for w in who)};")
