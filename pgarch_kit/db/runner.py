"""The unprivileged role that runs a design's own SQL when the kit loads it.

A design file is untrusted. Its fragments are checked to be one expression or statement each
(:mod:`pgarch_kit.model.fragments`), but one well-formed expression can still call any function
its role may call: a ``DEFAULT pg_read_file(...)``, a trigger whose body runs ``COPY ... TO
PROGRAM``. Loading fires defaults, CHECKs, generated columns, triggers, index expressions and
materialized views, so a load runs as ``pgarch_runner``: a login role with no attribute but
BYPASSRLS (a load writes and verifies every row, as the superuser did, even under FORCE ROW
LEVEL SECURITY), a member of the sandboxes' owner role (so it may create objects in every
sandbox, as their owner) and of nothing else. The few steps that need the server's
superuser — creating the design's roles and its allow-listed extensions — are done by the kit
itself, from its own fixed SQL.

The runner logs in without a password, which the embedded server's private socket allows
(trust, 0700 socket directory). On a server reached through a DSN where that login is refused,
the load runs as the DSN's own role, with a warning.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from pgarch_kit.db.sandbox import OWNER_ROLE
from pgarch_kit.errors import UnsafeOperationError

if TYPE_CHECKING:
    import psycopg

__all__ = ["RUNNER_ROLE", "design_dsn", "runner_dsn"]

RUNNER_ROLE = "pgarch_runner"


def _ensure_role(admin: psycopg.Connection) -> bool:
    """Create the runner once per server; False when this connection may not."""
    from psycopg import errors
    row = admin.execute(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication, rolbypassrls"
        " FROM pg_catalog.pg_roles WHERE rolname = %s", (RUNNER_ROLE,)).fetchone()
    superuser = admin.info.parameter_status("is_superuser") == "on"
    if row is not None:
        if row[0]:
            raise UnsafeOperationError(
                f"role {RUNNER_ROLE!r} has attributes the kit never gives it, so the kit did "
                f"not make it; drop or rename that role")
        if not row[1] and superuser:  # made by an earlier version of the kit
            admin.execute(f"ALTER ROLE {RUNNER_ROLE} BYPASSRLS")
        return True
    if not superuser:
        return False
    try:
        admin.execute(f"CREATE ROLE {RUNNER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                      f" NOREPLICATION BYPASSRLS INHERIT")
    except (errors.DuplicateObject, errors.UniqueViolation):
        pass  # another kit process made it first
    admin.execute(f"GRANT {OWNER_ROLE} TO {RUNNER_ROLE}")
    return True


def runner_dsn(admin: psycopg.Connection, target: str) -> str:
    """A DSN for ``target`` (a kit sandbox) that logs in as the runner; ``target`` itself, with
    a warning, when the server has no runner for us or refuses its login."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    if conninfo_to_dict(target).get("user") == RUNNER_ROLE:
        return target
    if admin.info.parameter_status("is_superuser") != "on":
        return target  # the DSN's own role is not a superuser: nothing to drop
    if _ensure_role(admin):
        # The runner creates objects as a member of the database's owner role, which owns
        # public through pg_database_owner on PostgreSQL 16 and later; PostgreSQL 15 refuses
        # CREATE and COMMENT there, so the runner is made the schema's owner outright.
        if admin.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'"
                         " AND pg_catalog.pg_get_userbyid(nspowner) <> %s",
                         (RUNNER_ROLE,)).fetchone():
            admin.execute(f"ALTER SCHEMA public OWNER TO {RUNNER_ROLE}")
        dsn = make_conninfo(target, user=RUNNER_ROLE, password="")
        try:
            with psycopg.connect(dsn, connect_timeout=10):
                return dsn
        except psycopg.OperationalError:
            pass
    warnings.warn(f"the server refused a login for the kit's unprivileged role {RUNNER_ROLE}; "
                  f"the design's SQL runs as the DSN's own (superuser) role. Allow local trust "
                  f"login for {RUNNER_ROLE} in pg_hba.conf, or use the embedded server",
                  stacklevel=3)
    return target


def _loaded_by_runner(admin: psycopg.Connection) -> bool:
    """True when the connected database is a kit sandbox whose every user relation (not an
    extension's) belongs to the runner: a sandbox the kit loaded, whose SQL the runner may run
    in full. A sandbox built otherwise (DDL applied as the superuser) is left as it is."""
    from pgarch_kit.db.introspect_common import not_extension_member, nsp_filter
    from pgarch_kit.db.sandbox import _marked
    if not _marked(admin, admin.info.dbname):
        return False
    row = admin.execute(
        "SELECT count(*), count(*) FILTER (WHERE r.rolname = %s) FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_catalog.pg_roles r ON r.oid = c.relowner"
        f" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {nsp_filter('n', None)}"
        f" AND {not_extension_member('pg_class', 'c.oid')}", (RUNNER_ROLE,)).fetchone()
    return bool(row and row[0] and row[0] == row[1])


def design_dsn(admin: psycopg.Connection, target: str) -> str:
    """The DSN to run the design's own SQL (query patterns, load tests) with: the runner's in
    a sandbox the kit loaded, else ``target`` itself."""
    if admin.info.parameter_status("is_superuser") != "on" or not _loaded_by_runner(admin):
        return target
    return runner_dsn(admin, target)
