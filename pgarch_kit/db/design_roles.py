"""The guard before the kit grants to, or hands objects to, a design's roles on a server.

A design file is untrusted and names its roles freely. The kit makes the ones a server lacks
``NOLOGIN`` (:func:`pgarch_kit.ddl.render_types.role_sql`), but a name may already belong to a
real role there: ``postgres``, an application's login role. Granting a sandbox's tables to it,
or making it own the sandbox's functions and views (which then run with its rights), would
hand the sandbox to whoever logs in as that role — so the kit refuses, before anything runs,
when a role the design grants to or names as an owner exists as a superuser or a login role.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pgarch_kit.errors import UnsafeOperationError
from pgarch_kit.model.design import Design

if TYPE_CHECKING:
    import psycopg

__all__ = ["check_design_roles", "check_design_roles_on", "privileged_roles"]


def privileged_roles(design: Design) -> set[str]:
    """The roles the design grants to, names as owners or ``FOR ROLE`` of default privileges."""
    names = {g.grantee for g in design.grants} | {o.role for o in design.owners}
    names |= {d.grantee for d in design.default_privileges}
    names |= {d.role for d in design.default_privileges if d.role}
    names.discard("public")
    return names


def check_design_roles(conn: psycopg.Connection, design: Design, action: str) -> None:
    """Raise :class:`UnsafeOperationError` before ``action`` when a role the design grants to
    or makes an owner exists on the server as a superuser or a role that can log in."""
    names = sorted(privileged_roles(design))
    if not names:
        return
    rows = conn.execute(
        "SELECT rolname, rolsuper, rolcanlogin FROM pg_catalog.pg_roles"
        " WHERE rolname = ANY(%s) AND (rolsuper OR rolcanlogin) ORDER BY 1",
        (names,)).fetchall()
    if rows:
        shown = ", ".join(f"{n!r} ({'a superuser' if su else 'a login role'})"
                          for n, su, _ in rows)
        raise UnsafeOperationError(
            f"refusing to {action}: the design grants to or makes owners of role(s) {shown} "
            f"that exist on this server. The kit grants only to the design's own NOLOGIN "
            f"roles; rename the role(s) in the design (roles, grants, owners, "
            f"default_privileges), or remove those grants and owners")


def check_design_roles_on(dsn: str | None, design: Design, action: str) -> None:
    """:func:`check_design_roles` on the server ``dsn`` names (any of its databases), before
    anything is created there."""
    if not privileged_roles(design):
        return
    import psycopg

    from pgarch_kit.db.connect import server_dsn
    with psycopg.connect(server_dsn(dsn, "postgres"), autocommit=True) as conn:
        check_design_roles(conn, design, action)
