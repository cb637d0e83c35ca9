"""The confined import: an untrusted SQL script runs as a throwaway role that owns only a
throwaway database.

For each import the kit (connected as its own, usually superuser, role) makes:

* a login role ``pgarch_import_<16 hex>`` with no attribute at all (no SUPERUSER, CREATEDB,
  CREATEROLE, REPLICATION, BYPASSRLS, no predefined role such as ``pg_read_server_files``),
  with ``statement_timeout``, ``lock_timeout``, ``idle_in_transaction_session_timeout`` and a
  ``temp_file_limit`` it cannot raise;
* a database of the same name owned by that role, which only it may connect to;
* NOLOGIN placeholders for roles the script names that the server lacks (a policy ``TO
  app_user``), granted to the import role so ``CREATE SCHEMA ... AUTHORIZATION`` works.

Everything is dropped at the end, even after an error. A process killed outright cannot clean
up, so every import holds a session advisory lock named after its token for its whole life:
the server releases it when the process dies, and the next import (or ``pgarch server
reset``) drops every import database and role whose lock is free — never one whose importer
still runs.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pgarch_kit.db.connect import server_dsn
from pgarch_kit.errors import ServerError

if TYPE_CHECKING:
    import psycopg

__all__ = ["IMPORT_ROLE_PREFIX", "Confined", "cleanup_dead_imports", "confined_database"]

IMPORT_ROLE_PREFIX = "pgarch_import_"
_IMPORT_ROLE = re.compile(r"^pgarch_import_[0-9a-f]{16}$")
_LOCK_CLASS = 0x70676173  # "pgas": imports (sandbox.py uses "pgar" for sandboxes)
_ROLES_KEY = 0  # a second key of _LOCK_CLASS: serialises placeholder create/drop
_FINGERPRINT = "pgarch_kit confined import role; dropped when the import ends"
_PLACEHOLDER = "pgarch_kit import placeholder role; dropped when no import uses it"

# Test hook: called in the importing process once the confined database exists, with its
# name. Fault-injection tests use it to stop or kill an import at a known point.
after_setup: Callable[[str], None] | None = None


@dataclass(frozen=True)
class Confined:
    """A confined import's database: its name, the DSN that logs in as its role, and the DSN
    of the kit's own (privileged) connection to it."""

    dbname: str
    dsn: str
    admin_dsn: str


def _key(token: str) -> int:
    return int(token[:8], 16) - (1 << 31)


def _admin(dsn: str | None) -> psycopg.Connection:
    import psycopg
    return psycopg.connect(server_dsn(dsn, "postgres"), autocommit=True)


def _is_superuser(conn: psycopg.Connection) -> bool:
    return conn.info.parameter_status("is_superuser") == "on"


def _drop_import(conn: psycopg.Connection, role: str) -> None:
    """Drop one import's database, role and the placeholders nobody else uses."""
    from psycopg import sql
    ident = sql.Identifier(role)
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
    with conn.transaction():
        conn.execute("SELECT pg_catalog.pg_advisory_xact_lock(%s, %s)", (_LOCK_CLASS, _ROLES_KEY))
        granted = [r[0] for r in conn.execute(
            "SELECT g.rolname FROM pg_catalog.pg_auth_members m"
            " JOIN pg_catalog.pg_roles g ON g.oid = m.roleid"
            " JOIN pg_catalog.pg_roles u ON u.oid = m.member WHERE u.rolname = %s",
            (role,)).fetchall()]
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))
        for name in granted:
            _drop_placeholder(conn, name)


def _drop_placeholder(conn: psycopg.Connection, name: str) -> None:
    from psycopg import errors, sql
    row = conn.execute(
        "SELECT pg_catalog.shobj_description(r.oid, 'pg_authid') = %s AND NOT EXISTS ("
        " SELECT 1 FROM pg_catalog.pg_auth_members m WHERE m.roleid = r.oid)"
        " FROM pg_catalog.pg_roles r WHERE r.rolname = %s", (_PLACEHOLDER, name)).fetchone()
    if not (row and row[0]):
        return  # not ours, or another live import still uses it
    with contextlib.suppress(errors.DependentObjectsStillExist), conn.transaction():
        # something outside the imports started using it: then it is no longer ours to drop
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def cleanup_dead_imports(dsn: str | None = None, *,
                         conn: psycopg.Connection | None = None) -> list[str]:
    """Drop the databases and roles of imports whose process is gone (their advisory lock is
    free); returns the import names dropped. Imports still running are left alone."""
    with contextlib.ExitStack() as stack:
        if conn is None:
            conn = stack.enter_context(_admin(dsn))
        rows = conn.execute(
            "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname ~ %s"
            " AND pg_catalog.shobj_description(oid, 'pg_authid') = %s ORDER BY 1",
            (_IMPORT_ROLE.pattern, _FINGERPRINT)).fetchall()
        dropped = []
        for (role,) in rows:
            key = _key(role.removeprefix(IMPORT_ROLE_PREFIX))
            got = conn.execute("SELECT pg_catalog.pg_try_advisory_lock(%s, %s)",
                               (_LOCK_CLASS, key)).fetchone()
            if not (got and got[0]):
                continue  # a live import holds it
            try:
                _drop_import(conn, role)
                dropped.append(role)
            finally:
                conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)", (_LOCK_CLASS, key))
        return dropped


def _role_settings(limit_s: float, superuser: bool) -> list[tuple[str, str]]:
    settings = [("statement_timeout", f"{int(limit_s * 1000)}"),
                ("lock_timeout", "10s"),
                ("idle_in_transaction_session_timeout", "60s"),
                ("synchronous_commit", "off"),  # a scratch database: no need to wait for fsync
                ("client_connection_check_interval", "1s")]  # a killed client ends its query
    if superuser:  # only a superuser may set it, and then the role cannot raise it
        settings.append(("temp_file_limit", "1GB"))
    return settings


def _make_role(admin: psycopg.Connection, role: str, password: str, limit_s: float) -> None:
    from psycopg import sql
    ident = sql.Identifier(role)
    admin.execute(sql.SQL(
        "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
        " NOINHERIT CONNECTION LIMIT 4 PASSWORD {}").format(ident, sql.Literal(password)))
    admin.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(ident, sql.Literal(_FINGERPRINT)))
    server_version = admin.info.server_version
    for name, value in _role_settings(limit_s, _is_superuser(admin)):
        if name == "client_connection_check_interval" and server_version < 140000:
            continue
        admin.execute(sql.SQL("ALTER ROLE {} SET {} = {}").format(
            ident, sql.Identifier(name), sql.Literal(value)))


def _make_database(admin: psycopg.Connection, name: str) -> None:
    from psycopg import sql
    ident = sql.Identifier(name)
    admin.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'")
                  .format(ident, ident))
    admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(ident))


def _open_public(admin_dsn: str, role: str) -> None:
    """Make the import role the owner of ``public``, as a schema's author is of their own
    database: it owns it through pg_database_owner on PostgreSQL 16 and later, but PostgreSQL
    15 refuses both CREATE and COMMENT there for a database another role made."""
    import psycopg
    from psycopg import sql
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'public'"
                        ).fetchone():
            conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(
                sql.Identifier(role)))


def add_placeholders(admin_dsn: str, role: str, names: set[str]) -> list[str]:
    """Make NOLOGIN placeholders for the role names the script uses that the server lacks
    and grant them (and earlier imports' placeholders of the same names) to ``role``; returns
    the names made. Names PostgreSQL reserves (``pg_*``, ``public``) are left to the server,
    and so are the kit's own (``pgarch_*``): a placeholder ``pgarch_runner`` would stand where
    a concurrent load expects the kit's runner."""
    import psycopg
    from psycopg import sql
    made: list[str] = []
    wanted = sorted(n for n in names if n and not n.startswith(("pg_", "pgarch_"))
                    and n not in ("public", "current_user", "session_user", "current_role"))
    if not wanted:
        return made
    with psycopg.connect(admin_dsn, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_catalog.pg_advisory_xact_lock(%s, %s)", (_LOCK_CLASS, _ROLES_KEY))
        for name in wanted:
            row = conn.execute(
                "SELECT pg_catalog.shobj_description(oid, 'pg_authid') = %s"
                " FROM pg_catalog.pg_roles WHERE rolname = %s", (_PLACEHOLDER, name)).fetchone()
            if row is None:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN NOINHERIT").format(
                    sql.Identifier(name)))
                conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(_PLACEHOLDER)))
                made.append(name)
            elif not row[0]:
                continue  # a real role of the server: grants to it stay inside the sandbox
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(name),
                                                          sql.Identifier(role)))
    return made


@contextlib.contextmanager
def confined_database(dsn: str | None = None, *, limit_s: float = 600) -> Iterator[Confined]:
    """A fresh database owned by a fresh unprivileged role, both dropped on exit (and, when
    the process is killed, by the next import). ``limit_s`` bounds every statement."""
    from psycopg.conninfo import make_conninfo
    token = secrets.token_hex(8)
    name = IMPORT_ROLE_PREFIX + token
    password = secrets.token_urlsafe(24)
    with _admin(dsn) as admin:
        admin.execute("SELECT pg_catalog.set_config('application_name', %s, false)",
                      (f"pgarch import pid {os.getpid()}",))
        admin.execute("SELECT pg_catalog.pg_advisory_lock(%s, %s)", (_LOCK_CLASS, _key(token)))
        cleanup_dead_imports(conn=admin)
        try:
            _make_role(admin, name, password, limit_s)
            _make_database(admin, name)
            _open_public(server_dsn(dsn, name), name)
            confined = Confined(
                name, make_conninfo(server_dsn(dsn, name), user=name, password=password),
                server_dsn(dsn, name))
            _check_login(confined)
            if after_setup is not None:
                after_setup(name)
            yield confined
        finally:
            _drop_import(admin, name)


def _check_login(confined: Confined) -> None:
    import psycopg
    try:
        with psycopg.connect(confined.dsn, connect_timeout=10):
            pass
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ServerError(
            f"the server refused a login for the import's confined role ({first}). Imports "
            f"run the schema as a fresh role with a password; allow password (scram-sha-256) "
            f"or local trust login for new roles in pg_hba.conf, or use the embedded server "
            f"(no --dsn)") from None


class Deadline:
    """The whole-import time limit: when it passes, the running statement is cancelled."""

    def __init__(self, conn: psycopg.Connection, seconds: float):
        self.seconds = seconds
        self.passed = False
        self._conn = conn
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.passed = True
        with contextlib.suppress(Exception):
            self._conn.cancel_safe()

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
