"""Which schemas and objects an API (PostgREST, Supabase) serves to its request roles.

Exposure is an intent before it is a fact: ``public`` is the default schema of every ordinary
server application, so the security rules must not assume an API reads it. A design says so
with the ``exposed_schemas`` setting; without that, the kit infers it from evidence an API
leaves in a schema — its request roles (``anon``, ``authenticated``, ``web_anon`` … and the
``api_roles`` setting) named by grants, default privileges or policies, PostgREST's ``pgrst``
settings and ``request.jwt`` claims, Supabase's ``auth.uid()``-style helpers or its
``storage`` schema. Both APIs serve ``public`` unless configured otherwise, so evidence
exposes ``public`` and every schema the request roles were granted something in. With neither
intent nor evidence nothing is exposed, and the rules stay silent (one of them says once what
it would need).

Grants then decide per object: a design that grants table privileges to the request roles
one table at a time exposes only the granted tables of that schema; a revoke from every
request role hides an object; ``REVOKE USAGE ON SCHEMA`` hides a whole schema.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...context import LintContext

__all__ = ["Exposure", "exposure", "API_ROLES"]

# Roles PostgREST and Supabase switch to for anonymous and signed-in requests.
API_ROLES = frozenset({"anon", "authenticated", "web_anon", "api_anon", "api_user",
                       "web_user", "anonymous"})
# Where PostgREST or Supabase show in SQL text: PostgREST's settings and claims (GUCs
# ``pgrst.*``, ``request.jwt.claims``, the ``pgrst`` NOTIFY channel, ``pgrst_watch``) and
# Supabase's auth helpers.
_PGRST = re.compile(r"\bpgrst\b|\bpgrst\.|\bpgrst_watch\b|\brequest\.jwt\b|\brequest\.headers\b",
                    re.IGNORECASE)
_SUPABASE_AUTH = re.compile(r"\bauth\s*\.\s*(uid|jwt|role|email)\s*\(", re.IGNORECASE)
_SUPABASE_HELPERS = {("auth", "uid"), ("auth", "jwt"), ("auth", "role")}
_SUPABASE_STORAGE = {("storage", "objects"), ("storage", "buckets")}


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Exposure:
    """What the design says or shows about an API. ``schemas`` is empty when nothing is
    exposed; ``declared`` tells an intent from an inference, ``evidence`` says what the
    inference rests on (for messages)."""

    schemas: frozenset[str]
    declared: bool
    evidence: tuple[str, ...]
    roles: frozenset[str]                         # the request roles in play
    granted: frozenset[tuple[str, str]]           # (schema, object) granted to a request role
    per_object: frozenset[str]                    # schemas whose tables are granted one by one
    hidden: frozenset[tuple[str, str]]            # (schema, object) revoked from every role

    @property
    def known(self) -> bool:
        """The design declared its exposure (possibly none) or showed evidence of an API."""
        return self.declared or bool(self.evidence)

    def exposes(self, schema: str, name: str) -> bool:
        """Whether a table, view or materialized view is readable through the API."""
        if schema not in self.schemas or (schema, name) in self.hidden:
            return False
        return schema not in self.per_object or (schema, name) in self.granted

    def how(self) -> str:
        """A clause for messages: why the kit thinks these schemas are exposed."""
        if self.declared:
            return "listed in the design's exposed_schemas setting"
        return (f"inferred from {', '.join(self.evidence)}; declare lint.settings."
                f"exposed_schemas to confirm")


def exposure(ctx: LintContext) -> Exposure:
    """The design's :class:`Exposure`, computed once per lint run."""
    return ctx.memo("api_exposure", lambda: _build(ctx))


def _build(ctx: LintContext) -> Exposure:
    d = ctx.design
    roles_setting = set(_names(ctx.setting("api_roles")))
    api = API_ROLES | roles_setting
    named: set[str] = set()            # request roles the design mentions anywhere
    named |= {r for r in d.roles if r in api}
    named |= {g.grantee for g in d.grants if g.grantee in api}
    named |= {p.grantee for p in d.default_privileges if p.grantee in api}
    named |= {r for t in d.tables for p in t.policies for r in p.roles if r in api}
    evidence: list[str] = []
    if named:
        evidence.append(f"the API role(s) {', '.join(sorted(named))}")
    if any(_PGRST.search(r.definition) or r.name == "pgrst_watch" for r in d.routines):
        evidence.append("PostgREST settings (pgrst, request.jwt) in routines")
    supabase = ({(r.schema, r.name) for r in d.routines} & _SUPABASE_HELPERS
                or {t.key for t in d.tables} & _SUPABASE_STORAGE
                or any(_SUPABASE_AUTH.search(f"{p.using or ''} {p.with_check or ''}")
                       for t in d.tables for p in t.policies))
    if supabase:
        evidence.append("Supabase's auth/storage schemas")
    # the roles requests run as: those the design names, else each API's defaults
    roles = frozenset(named or roles_setting | {"anon", "authenticated"}
                      | (set() if supabase else {"web_anon"}))

    request = roles | {"public"}
    granted = frozenset((g.schema, g.name) for g in d.grants
                        if g.kind in ("table", "column") and not g.revoke
                        and g.grantee in request)
    revoked: dict[tuple[str, str], set[str]] = {}
    for g in d.grants:
        if g.kind == "table" and g.revoke and ("SELECT" in g.privileges or not g.privileges):
            revoked.setdefault((g.schema, g.name), set()).add(g.grantee)
    hidden = frozenset(k for k, who in revoked.items() if roles <= who)
    blanket = {p.schema for p in d.default_privileges
               if p.objects == "tables" and not p.revoke and p.grantee in request}
    per_object = frozenset(s for s, _ in granted
                           if s not in blanket and None not in blanket)

    declared_value = ctx.setting("exposed_schemas")
    declared = declared_value is not None
    if declared:
        schemas = set(_names(declared_value))
    elif evidence:
        usage_revoked = {g.name for g in d.grants if g.kind == "schema" and g.revoke
                         and "USAGE" in g.privileges and g.grantee in request}
        usage = {g.name for g in d.grants if g.kind == "schema" and not g.revoke
                 and "USAGE" in g.privileges and g.grantee in roles}
        schemas = {"public"} - usage_revoked | usage | {s for s, _ in granted}
        schemas |= {s for s in blanket if s}
    else:
        schemas = set()
    return Exposure(frozenset(schemas), declared, tuple(evidence), roles, granted,
                    per_object, hidden)
