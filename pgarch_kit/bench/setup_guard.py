"""Consent before setup: nothing is installed or configured where the kit is only a guest.

Timing a pattern wants helpers on the server: ``pg_stat_statements`` (the server's side of each
timing), ``pg_prewarm`` (every timing starts from warm buffers), and on an older kit cluster a
``shared_preload_libraries`` change with a restart. In the kit's own sandboxes (databases it
created, :func:`pgarch_kit.db.sandbox.is_sandbox`) that is the kit's business. Anywhere else —
a database the user points ``dsn`` at — ``CREATE EXTENSION`` leaves objects in someone's
schema and ``ALTER SYSTEM`` changes their server, so both wait for an explicit
``allow_setup=True`` (command line ``--allow-setup``). When refused, the measurement still runs
without the helper and says what was skipped and how to allow it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

__all__ = ["SETUP_FLAG", "conn_dsn", "may_set_up", "refused"]

SETUP_FLAG = "allow_setup=True (command line: --allow-setup)"


def may_set_up(dbname: str, dsn: str, allow_setup: bool = False) -> bool:
    """True when the kit may install extensions in (and reconfigure the server of) ``dbname``:
    the user opted in, or the database is one of the kit's sandboxes."""
    if allow_setup:
        return True
    import psycopg

    from pgarch_kit.db.sandbox import is_sandbox
    from pgarch_kit.errors import PgArchError
    try:
        return is_sandbox(dbname, dsn=dsn)
    except (psycopg.Error, PgArchError):  # cannot tell whose it is: treat it as not ours
        return False


def conn_dsn(conn: psycopg.Connection) -> str:
    """A DSN reaching the same server as ``conn`` (with its password, which ``info.dsn``
    leaves out), for the sandbox check."""
    from psycopg.conninfo import make_conninfo
    password = conn.info.password
    return make_conninfo(conn.info.dsn, password=password) if password else conn.info.dsn


def refused(action: str, dbname: str) -> str:
    """The note shown when ``action`` was skipped in a database that is not the kit's."""
    return (f"{action} was not done: database {dbname!r} is not a pgarch_kit sandbox, and the "
            f"kit installs and configures nothing in a database it did not create unless asked "
            f"— fix: pass {SETUP_FLAG} to allow it, or do it yourself there")
