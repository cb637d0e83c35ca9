"""Grants, default privileges and owners in a confined import: kept for the design's own roles.

A design role, during an import, is a ``NOLOGIN`` group role that is neither a superuser nor
PostgreSQL's (``pg_…``) nor the kit's own (``pgarch_…``): the placeholders the kit makes for the
roles the script names, or such a role the server already has (an earlier design's) — unless
the script itself makes it a superuser. A login role or a superuser the script names
(``postgres``) is a role of the server the import runs on, not of the design. So:

* ``GRANT``/``REVOKE`` and ``ALTER DEFAULT PRIVILEGES`` run as the import role with grantees
  that are not design roles (nor ``PUBLIC``) taken out, re-printed from PostgreSQL's parse
  tree; a statement left with no grantee, or ``FOR ROLE`` a role that is not the design's, is
  skipped with a note; grants on objects the import does not own (an extension's, which the
  kit made) are noted too;
* ``ALTER … OWNER TO`` a design role runs at the end of the import, by the kit: the new owner
  needs ``CREATE`` on the schema, which a placeholder does not have, and the import role could
  no longer alter what it gave away. So does ``ALTER DEFAULT PRIVILEGES FOR ROLE`` a design
  role (it needs that role's privileges, which the ``NOINHERIT`` import role does not use).
  Both are re-printed from the parse tree, so only that one statement runs. Any other owner is
  noted: the objects then belong to whoever applies the design.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgarch_kit.db.import_policy import Statement

if TYPE_CHECKING:
    import psycopg

__all__ = ["PrivilegeGate"]

_NOT_OWN = ("privileges on objects the import does not own (an extension's, which the kit "
            "made) are not part of the design")


def _parsed(text: str) -> Any:
    import pglast
    (raw,) = pglast.parse_sql(text)
    return raw.stmt


def _sql(node: Any) -> str:
    from pglast.stream import RawStream
    return RawStream()(node)


def _superuser_roles(statements: list[Statement]) -> set[str]:
    """Roles the script creates as superusers (``CREATE ROLE x SUPERUSER``)."""
    from pglast import parser
    out = set()
    for st in statements:
        if st.kind != "CreateRoleStmt":
            continue
        body = json.loads(parser.parse_sql_json(st.text))["stmts"][0]["stmt"]["CreateRoleStmt"]
        for opt in body.get("options", []):
            elem = opt.get("DefElem", {})
            if elem.get("defname") == "superuser" and elem.get("arg", {}).get(
                    "Boolean", {}).get("boolval", False):
                out.add(body.get("role", ""))
    return out


@dataclass
class PrivilegeGate:
    """Decides, statement by statement, what of the privileges and owners an import keeps."""

    design_roles: set[str]
    deferred: list[tuple[Statement, str, str]] = field(default_factory=list)  # + sql, path

    @classmethod
    def for_import(cls, conn: psycopg.Connection, statements: list[Statement]
                   ) -> PrivilegeGate:
        from pgarch_kit.db.introspect_privileges import DESIGN_ROLE_SQL
        found = conn.execute("SELECT r.rolname FROM pg_catalog.pg_roles r"
                             f" WHERE {DESIGN_ROLE_SQL.format(r='r')}").fetchall()
        return cls({name for (name,) in found} - _superuser_roles(statements))

    def _kept(self, spec: Any) -> bool:
        from pglast.enums import RoleSpecType
        if spec.roletype == RoleSpecType.ROLESPEC_CSTRING:
            return spec.rolename in self.design_roles
        return True  # PUBLIC; CURRENT_USER and its kin are the import role: the owner

    def privilege(self, conn: psycopg.Connection, st: Statement) -> tuple[str | None, str]:
        """``(sql to run, note)``: the statement for the design's roles, with a note when
        grantees were taken out; ``(None, why)`` when it is skipped; ``(None, note)`` when it
        is deferred to the end (default privileges ``FOR ROLE`` a design role, which only a
        role that has that role's privileges may set)."""
        from pglast import ast
        stmt = _parsed(st.text)
        grant = stmt.action if isinstance(stmt, ast.AlterDefaultPrivilegesStmt) else stmt
        for_role = False
        if isinstance(stmt, ast.AlterDefaultPrivilegesStmt):
            for opt in stmt.options or ():
                if opt.defname == "roles":
                    for_role = True
                    others = [r.rolename for r in opt.arg if not self._kept(r)]
                    if others:
                        return None, (f"default privileges for role {others[0]!r} are not "
                                      "kept: it is not one of the design's roles")
        kept = tuple(r for r in grant.grantees if self._kept(r))
        if not kept:
            names = ", ".join(repr(r.rolename) for r in grant.grantees)
            return None, (f"privileges for {names}, not one of the design's roles (a role of "
                          "this server, or one the script makes a superuser), are not kept")
        dropped = [repr(r.rolename) for r in grant.grantees if not self._kept(r)]
        why = (f"privileges for {', '.join(dropped)} (not the design's roles) are not kept; "
               "the rest is" if dropped else "")
        grant.grantees = kept
        if for_role:
            self._defer(conn, st, _sql(stmt))
            return None, why
        return _sql(stmt), why

    def not_owned(self) -> str:
        return _NOT_OWN

    def owner(self, conn: psycopg.Connection, st: Statement) -> str | None:
        """Defer an ownership change to a design role (``None``), or say why it is not kept."""
        from pglast import ast
        stmt = _parsed(st.text)
        spec = stmt.cmds[0].newowner if isinstance(stmt, ast.AlterTableStmt) else stmt.newowner
        from pglast.enums import RoleSpecType
        if spec.roletype != RoleSpecType.ROLESPEC_CSTRING or \
                spec.rolename not in self.design_roles:
            who = spec.rolename if spec.rolename else "the current role"
            return (f"ownership by {who!r} is not kept: it is not one of the design's roles "
                    "(the objects belong to whoever applies the design)")
        self._defer(conn, st, _sql(stmt))
        return None

    def _defer(self, conn: psycopg.Connection, st: Statement, sql: str) -> None:
        path = conn.execute("SELECT pg_catalog.current_setting('search_path')").fetchone()[0]
        self.deferred.append((st, sql, path))

    def finish(self, admin: psycopg.Connection) -> list[tuple[Statement, str]]:
        """Run the deferred ownership changes and ``FOR ROLE`` default privileges (as the
        kit, in the confined database); returns the ones that failed, with the reason."""
        import psycopg
        failed = []
        for st, sql, path in self.deferred:
            try:
                with admin.transaction():
                    admin.execute("SELECT pg_catalog.set_config('search_path', %s, true)",
                                  [path])
                    admin.execute(sql, prepare=False)
            except psycopg.Error as exc:
                failed.append((st, f"not kept: {exc.diag.message_primary}"))
        return failed
