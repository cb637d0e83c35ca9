"""Sandbox databases: where designs are applied, loaded and benchmarked, and the guard that keeps
destructive steps away from every other database.

Each design gets its own database ``pgarch_<design>``. A database is the kit's when it is
*owned by the kit's role* ``pgarch_sandbox_owner`` (NOLOGIN, no attributes). Why ownership rather
than a setting, a table or a comment:

* only a superuser, or a member of that role, can create a database owned by it or give one to
  it; a database owner, a CREATEDB user or an imported script cannot forge it (a per-database
  setting, which the kit used before, any owner could set);
* ownership is given by ``CREATE DATABASE ... OWNER`` itself, so no crash can leave a database
  that exists but is not yet marked (and so blocks the design's name for ever);
* it is read from the shared catalog ``pg_database`` from any database, without connecting to
  the target, and it creates no schema object that introspection or a user's
  ``DROP SCHEMA public CASCADE`` would see;
* a ``CREATE DATABASE ... TEMPLATE`` copy belongs to whoever made it, so it is *not* a sandbox.

A database comment says the same for humans (``\\l+``) but is not trusted by the guard.

Concurrent kit runs on one sandbox (two ``pgarch seed`` of one design) are serialised by
:func:`sandbox_lock`, a session advisory lock held on the maintenance database.

:func:`reset_sandboxes` is the facilitator's reset (``pgarch server reset``): it drops the
kit's databases only, plus the login roles the kit's checks leave behind when killed mid-run.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pgarch_kit.db.connect import server_dsn
from pgarch_kit.errors import UnsafeOperationError
from pgarch_kit.model.names import MAX_IDENT_BYTES, quote_ident, shorten

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "OWNER_ROLE",
    "SANDBOX_PREFIX",
    "Reset",
    "Sandbox",
    "create_sandbox",
    "database_exists",
    "drop_sandbox",
    "guard_destructive",
    "is_sandbox",
    "list_sandboxes",
    "plan_reset",
    "reset_sandboxes",
    "sandbox_lock",
    "sandbox_name",
    "scratch_database",
    "truncate_all",
]

SANDBOX_PREFIX = "pgarch_"
OWNER_ROLE = "pgarch_sandbox_owner"
_LOCK_CLASS = 0x70676172  # "pgar": the first key of the kit's sandbox locks

# Test hook: called right after CREATE DATABASE, before anything else; fault-injection tests
# make it raise to stand for a crash at the worst moment.
after_create: Callable[[str], None] | None = None
_MAINTENANCE_DB = "postgres"


@dataclass(frozen=True)
class Sandbox:
    """A sandbox database: its name and a DSN that connects to it."""

    dbname: str
    dsn: str


def sandbox_name(design: str) -> str:
    """``pgarch_<design>`` as a plain lower-case identifier of at most 63 bytes.
    A name that already starts with ``pgarch_`` is kept, so passing a sandbox's own name works."""
    cleaned = re.sub(r"[^a-z0-9_]+", "_", design.strip().lower()).strip("_")
    cleaned = re.sub(r"_+", "_", cleaned)
    if not cleaned:
        raise ValueError(f"design name {design!r} has no letters or digits to name a database")
    full = cleaned if cleaned.startswith(SANDBOX_PREFIX) else SANDBOX_PREFIX + cleaned
    return shorten(full, MAX_IDENT_BYTES)


def _admin(dsn: str | None) -> psycopg.Connection:
    # Database-level DDL runs from the maintenance database: you cannot drop the database you
    # are connected to, and CREATE/DROP DATABASE refuse to run inside a transaction.
    import psycopg
    return psycopg.connect(server_dsn(dsn, _MAINTENANCE_DB), autocommit=True)


def _marked(conn: psycopg.Connection, dbname: str) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database d"
        " JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
        " WHERE d.datname = %s AND r.rolname = %s)", (dbname, OWNER_ROLE)).fetchone()
    return bool(row and row[0])


def _exists(conn: psycopg.Connection, dbname: str) -> bool:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s)",
                       (dbname,)).fetchone()
    return bool(row and row[0])


def database_exists(dbname: str, dsn: str | None = None) -> bool:
    """True when the server has a database of that exact name."""
    with _admin(dsn) as conn:
        return _exists(conn, dbname)


def is_sandbox(dbname: str, dsn: str | None = None) -> bool:
    """True when ``dbname`` exists and carries the kit's sandbox marker."""
    with _admin(dsn) as conn:
        return _marked(conn, dbname)


def _check(conn: psycopg.Connection, dbname: str, operation: str,
           allow_destructive: str | None) -> None:
    if _marked(conn, dbname):
        return
    if allow_destructive is not None and allow_destructive == dbname:
        return
    if not _exists(conn, dbname):
        raise UnsafeOperationError(
            f"cannot {operation}: database {dbname!r} does not exist; create a marked one with "
            f"create_sandbox({dbname!r})")
    wrong = (f" (allow_destructive={allow_destructive!r} does not match; it must repeat the "
             f"database name exactly)" if allow_destructive is not None else "")
    raise UnsafeOperationError(
        f"refusing to {operation} in database {dbname!r}: it is not a pgarch_kit sandbox, so it "
        f"may hold data you care about{wrong}. Work in a sandbox (create_sandbox(...)), or, if "
        f"you really mean this database, opt in by naming it: allow_destructive={dbname!r} "
        f"(command line: --allow-destructive {dbname}).")


def guard_destructive(dbname: str, operation: str, allow_destructive: str | None = None,
                      dsn: str | None = None, *, conn: psycopg.Connection | None = None) -> None:
    """Raise UnsafeOperationError unless ``dbname`` is a sandbox or ``allow_destructive``
    repeats its exact name. ``conn`` may be any connection to the same server."""
    if conn is not None:
        _check(conn, dbname, operation, allow_destructive)
        return
    with _admin(dsn) as admin:
        _check(admin, dbname, operation, allow_destructive)


def _ensure_owner_role(conn: psycopg.Connection) -> None:
    """Create the kit's owner role once per server. A role of that name that can log in or is
    a superuser was not made by the kit: refuse rather than trust it."""
    from psycopg import errors
    row = conn.execute("SELECT rolcanlogin OR rolsuper FROM pg_catalog.pg_roles"
                       " WHERE rolname = %s", (OWNER_ROLE,)).fetchone()
    if row is None:
        try:
            conn.execute(f"CREATE ROLE {OWNER_ROLE} NOLOGIN NOINHERIT")
        except (errors.DuplicateObject, errors.UniqueViolation):
            pass  # another kit process made it between our look and our CREATE
        except errors.InsufficientPrivilege as exc:
            raise UnsafeOperationError(
                f"cannot create the kit's sandbox owner role {OWNER_ROLE!r}: "
                f"{exc.diag.message_primary}. Ask an administrator to run once: CREATE ROLE "
                f"{OWNER_ROLE} NOLOGIN; GRANT {OWNER_ROLE} TO <your login role>;") from exc
    elif row[0]:
        raise UnsafeOperationError(
            f"role {OWNER_ROLE!r} exists but can log in or is a superuser, so the kit did not "
            f"make it and will not trust databases it owns; drop or rename that role")


def _create(conn: psycopg.Connection, dbname: str, design: str) -> None:
    from psycopg import sql
    _ensure_owner_role(conn)
    ident = sql.SQL(quote_ident(dbname))
    # Owned at birth: there is no moment at which the database exists unmarked.
    conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'")
                 .format(ident, sql.SQL(OWNER_ROLE)))
    if after_create is not None:
        after_create(dbname)
    conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
        ident, sql.Literal(f"pgarch_kit sandbox for design {design!r}; safe to drop")))


def _drop(conn: psycopg.Connection, dbname: str) -> None:
    from psycopg import sql
    # FORCE ends other sessions (a notebook's engine pool, a JupySQL connection) first.
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.SQL(quote_ident(dbname))))


_held: dict[tuple[str, str, int], int] = {}  # (server, database, thread) -> lock depth
_held_guard = threading.Lock()


def _server_key(dsn: str | None) -> str:
    """One spelling per server, whatever database or formatting a DSN has: a re-entered lock
    must be recognised, or the same thread would wait for itself on a second session."""
    from psycopg.conninfo import conninfo_to_dict
    params = conninfo_to_dict(server_dsn(dsn, _MAINTENANCE_DB))
    return " ".join(f"{k}={params[k]}" for k in ("host", "hostaddr", "port", "user")
                    if params.get(k))


def _lock_key(dbname: str) -> int:
    return int.from_bytes(hashlib.sha256(dbname.encode()).digest()[:4], "big", signed=True)


@contextlib.contextmanager
def sandbox_lock(dbname: str, dsn: str | None = None, *,
                 on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the kit's lock on sandbox ``dbname`` (a session advisory lock in the maintenance
    database) for the block, so two kit runs never recreate or load one sandbox at once: the
    second waits for the first (``on_wait`` is told why first). Re-entrant within a process."""
    key = (_server_key(dsn), dbname, threading.get_ident())
    with _held_guard:
        if _held.get(key):
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    with _admin(dsn) as conn:
        conn.execute("SELECT pg_catalog.set_config('application_name', %s, false)",
                     (f"pgarch lock {dbname} pid {os.getpid()}"[:63],))
        got = conn.execute("SELECT pg_catalog.pg_try_advisory_lock(%s, %s)",
                           (_LOCK_CLASS, _lock_key(dbname))).fetchone()
        if not (got and got[0]):
            if on_wait is not None:
                on_wait(f"waiting for another pgarch_kit run that is using {dbname} "
                        f"(it holds the sandbox's lock); this run goes on when that one ends")
            conn.execute("SELECT pg_catalog.pg_advisory_lock(%s, %s)",
                         (_LOCK_CLASS, _lock_key(dbname)))
        with _held_guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
            # closing the session releases the lock as well; unlocking first is just tidy
            with contextlib.suppress(Exception):
                conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)",
                             (_LOCK_CLASS, _lock_key(dbname)))


def create_sandbox(name: str, dsn: str | None = None, recreate: bool = False) -> str:
    """Create (or reuse) the sandbox for design ``name``; returns the database name.
    ``recreate=True`` drops an existing sandbox first. An existing database of the same name
    that the kit does not own is never reused or dropped."""
    dbname = sandbox_name(name)
    with sandbox_lock(dbname, dsn), _admin(dsn) as conn:
        if _exists(conn, dbname):
            if not _marked(conn, dbname):
                raise UnsafeOperationError(
                    f"database {dbname!r} already exists but is not a pgarch_kit sandbox (it is "
                    f"not owned by the kit's role {OWNER_ROLE}); the kit will not write into it. "
                    f"Rename the design or drop {dbname!r} yourself. A sandbox made by an older "
                    f"pgarch_kit can be handed back with: ALTER DATABASE {quote_ident(dbname)} "
                    f"OWNER TO {OWNER_ROLE};")
            if not recreate:
                return dbname
            _drop(conn, dbname)
        _create(conn, dbname, name)
    return dbname


def drop_sandbox(name: str, dsn: str | None = None) -> bool:
    """Drop a sandbox (by design or database name); False when it did not exist. Databases
    without the marker are always refused: dropping is the one step with no undo."""
    dbname = sandbox_name(name)
    with sandbox_lock(dbname, dsn), _admin(dsn) as conn:
        if not _exists(conn, dbname):
            return False
        if not _marked(conn, dbname):
            raise UnsafeOperationError(
                f"refusing to drop database {dbname!r}: it is not a pgarch_kit sandbox. The kit "
                f"only drops databases it created; use DROP DATABASE yourself if you mean it.")
        _drop(conn, dbname)
    return True


def truncate_all(dbname: str, allow_destructive: str | None = None,
                 dsn: str | None = None) -> list[str]:
    """Empty every user table in ``dbname`` (identities restart); returns the tables emptied.
    Tables that belong to extensions (e.g. PostGIS reference data) are left alone."""
    guard_destructive(dbname, "truncate all tables", allow_destructive, dsn)
    import psycopg
    with psycopg.connect(server_dsn(dsn, dbname), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
            " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid ="
            " 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid AND dep.deptype = 'e')"
            " ORDER BY 1, 2").fetchall()
        names = [f"{quote_ident(s)}.{quote_ident(t)}" for s, t in rows]
        if names:
            conn.execute(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    return names


@contextlib.contextmanager
def scratch_database(prefix: str = "scratch", dsn: str | None = None) -> Iterator[Sandbox]:
    """A uniquely named, marked sandbox that is dropped on exit (even after an error); used to
    load a SQL file and read it back without touching any design's sandbox."""
    dbname = create_sandbox(f"{SANDBOX_PREFIX}{prefix}_{secrets.token_hex(4)}", dsn)
    try:
        yield Sandbox(dbname, server_dsn(dsn, dbname))
    finally:
        drop_sandbox(dbname, dsn)


# -- the facilitator's reset ---------------------------------------------------------------

# Login roles the kit makes for a check and drops when it ends (bench/tenancy.py); a killed run
# leaves them behind. Recognised by their whole fingerprint, not the name alone: pgarch_,
# 8 random hex digits, _tenant, LOGIN, NOINHERIT and no attribute beyond that.
_KIT_ROLES_SQL = (
    "SELECT rolname FROM pg_catalog.pg_roles WHERE rolname ~ '^pgarch_[0-9a-f]{8}_tenant$'"
    " AND rolcanlogin AND NOT rolinherit AND NOT rolsuper AND NOT rolcreatedb"
    " AND NOT rolcreaterole AND NOT rolreplication AND NOT rolbypassrls ORDER BY 1")


@dataclass(frozen=True)
class Reset:
    """What a reset drops (:func:`plan_reset`) or dropped (:func:`reset_sandboxes`): sandbox
    databases, leftover kit login roles, and the roles kept because something still needs
    them (``role: reason``)."""

    databases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.databases or self.roles)

    def __str__(self) -> str:
        lines = [f"sandbox {d}" for d in self.databases] + [f"role {r}" for r in self.roles]
        lines += [f"kept role {k}" for k in self.kept]
        return "\n".join(lines) or "nothing to reset"


def _sandboxes(conn: psycopg.Connection) -> list[str]:
    # The same test as _marked(), for every database at once.
    rows = conn.execute(
        "SELECT d.datname FROM pg_catalog.pg_database d"
        " JOIN pg_catalog.pg_roles r ON r.oid = d.datdba WHERE r.rolname = %s ORDER BY 1",
        (OWNER_ROLE,)).fetchall()
    return [r[0] for r in rows]


def list_sandboxes(dsn: str | None = None) -> list[str]:
    """Names of every marked sandbox database on the server, sorted."""
    with _admin(dsn) as conn:
        return _sandboxes(conn)


def _plan(conn: psycopg.Connection, design: str | None) -> Reset:
    if design is None:
        return Reset(tuple(_sandboxes(conn)),
                     tuple(r[0] for r in conn.execute(_KIT_ROLES_SQL).fetchall()))
    dbname = sandbox_name(design)
    if not _exists(conn, dbname):
        return Reset()
    if not _marked(conn, dbname):
        raise UnsafeOperationError(
            f"refusing to reset {dbname!r}: it is not a pgarch_kit sandbox, so it may hold data "
            f"you care about. The kit only drops databases it created.")
    return Reset((dbname,))


def plan_reset(design: str | None = None, dsn: str | None = None) -> Reset:
    """What :func:`reset_sandboxes` would drop now, without dropping anything: every sandbox and
    leftover kit login role, or only the sandbox of ``design`` (empty when it has none)."""
    with _admin(dsn) as conn:
        return _plan(conn, design)


def reset_sandboxes(design: str | None = None, dsn: str | None = None, *,
                    plan: Reset | None = None) -> Reset:
    """Drop every sandbox (or only the one of ``design``) and, for a full reset, the login
    roles the kit's checks left behind; returns what was dropped. Unmarked databases are never
    touched. ``plan`` (from :func:`plan_reset`, e.g. shown before a confirmation) limits the
    reset to what it names, so nothing made since then is dropped unseen."""
    from psycopg import errors, sql
    dropped: list[str] = []
    roles: list[str] = []
    kept: list[str] = []
    with _admin(dsn) as conn:
        now = _plan(conn, design)
        if design is None:  # scratch databases and roles of imports killed mid-run
            from pgarch_kit.db.confine import cleanup_dead_imports
            dropped += cleanup_dead_imports(conn=conn)
        for dbname in now.databases:
            if plan is not None and dbname not in plan.databases:
                continue
            if _marked(conn, dbname):  # still marked at the moment of the drop
                _drop(conn, dbname)
                dropped.append(dbname)
        for role in now.roles:
            if plan is not None and role not in plan.roles:
                continue
            try:
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
                roles.append(role)
            except errors.DependentObjectsStillExist as exc:
                # Never DROP OWNED: what the role owns outside the sandboxes is not ours to drop.
                detail = (exc.diag.message_detail or "").replace("\n", "; ")
                kept.append(f"{role}: still owns or is granted something ({detail})")
    return Reset(tuple(dropped), tuple(roles), tuple(kept))
