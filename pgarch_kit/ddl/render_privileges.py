"""Renderers for grants, default privileges and owners.

Grants and revokes come after every object exists; owners after the grants (a new owner
takes the grants its predecessor made); default privileges last, so they shape only objects
made after the script, as they did in the database the design came from.
"""
from __future__ import annotations

from ..model.names import quote_ident
from ..model.privileges import DefaultPrivilege, Grant, Owner
from ._common import rel

__all__ = ["default_privilege_sql", "grant_sql", "owner_sql", "role_spec"]

_ROLE_WORDS = frozenset({"public", "current_user", "current_role", "session_user"})


def role_spec(role: str) -> str:
    """A grantee or owner: PUBLIC and CURRENT_USER are keywords, not role names."""
    return role.upper() if role in _ROLE_WORDS else quote_ident(role)


def grant_target_sql(kind: str, schema: str, name: str, signature: str | None) -> str:
    if kind == "schema":
        return f"SCHEMA {quote_ident(name)}"
    if kind in ("table", "column"):
        return f"TABLE {rel(schema, name)}"
    if kind == "routine":
        return f"ROUTINE {rel(schema, name)}({signature or ''})"
    return f"{kind.upper()} {rel(schema, name)}"


def _privileges(privileges: tuple[str, ...], server_version: int) -> list[str]:
    # MAINTAIN exists from PostgreSQL 17; an older server has nothing to grant for it
    return [p for p in privileges if p != "MAINTAIN" or server_version >= 170000]


def grant_sql(g: Grant, server_version: int = 180000) -> list[str]:
    privs = _privileges(g.privileges, server_version)
    if not privs:
        return []
    if g.kind == "column":
        what = ", ".join(f"{p} ({quote_ident(g.column or '')})" for p in privs)
    else:
        what = ", ".join(privs)
    target = grant_target_sql(g.kind, g.schema, g.name, g.signature)
    if g.revoke:
        return [f"REVOKE {what} ON {target} FROM {role_spec(g.grantee)};"]
    option = " WITH GRANT OPTION" if g.grant_option else ""
    return [f"GRANT {what} ON {target} TO {role_spec(g.grantee)}{option};"]


def ungrant_sql(g: Grant, server_version: int = 180000) -> list[str]:
    """What undoes :func:`grant_sql`: a grant revoked, a revoke granted again."""
    from dataclasses import replace
    return grant_sql(replace(g, revoke=not g.revoke, grant_option=False), server_version)


def default_privilege_sql(dp: DefaultPrivilege, server_version: int = 180000,
                          undo: bool = False) -> list[str]:
    privs = _privileges(dp.privileges, server_version)
    if not privs:
        return []
    head = "ALTER DEFAULT PRIVILEGES"
    if dp.role is not None:
        head += f" FOR ROLE {role_spec(dp.role)}"
    if dp.schema is not None:
        head += f" IN SCHEMA {quote_ident(dp.schema)}"
    what = f"{', '.join(privs)} ON {dp.objects.upper()}"
    if dp.revoke != undo:
        return [f"{head} REVOKE {what} FROM {role_spec(dp.grantee)};"]
    option = " WITH GRANT OPTION" if dp.grant_option and not undo else ""
    return [f"{head} GRANT {what} TO {role_spec(dp.grantee)}{option};"]


def owner_target_sql(o: Owner) -> str:
    if o.kind == "schema":
        return f"SCHEMA {quote_ident(o.name)}"
    if o.kind in ("function", "procedure", "aggregate"):
        args = o.signature or ("*" if o.kind == "aggregate" else "")
        return f"{o.kind.upper()} {rel(o.schema, o.name)}({args})"
    return f"{o.kind.upper()} {rel(o.schema, o.name)}"


def owner_sql(o: Owner, role: str | None = None) -> list[str]:
    """``ALTER … OWNER TO``; ``role`` overrides the owner (``current_user`` gives the object
    back to whoever runs the script, as a down migration does)."""
    return [f"ALTER {owner_target_sql(o)} OWNER TO {role_spec(role or o.role)};"]
