"""Where to connect: an explicit DSN, else ``$PGARCH_DSN``, else the embedded server.

Every function that talks to PostgreSQL takes ``dsn=None`` and resolves it here, so a notebook
works with no setup (the embedded server starts on first use) and a user with their own server
sets one environment variable. psycopg and SQLAlchemy are imported inside the functions so
``import pgarch_kit`` stays fast.

A DSN may carry a password, and libpq quotes pieces of a malformed one in its errors: a DSN is
checked here before use, and every error raised about it shows it through
:func:`pgarch_kit._redact.redact` (password masked; user, host and database kept).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pgarch_kit._redact import redact
from pgarch_kit.errors import DsnError

if TYPE_CHECKING:
    import psycopg
    import sqlalchemy

__all__ = ["KIT_MARK", "check_dsn", "connect", "dsn_dbname", "engine", "redact_dsn",
           "server_dsn", "sqlalchemy_url"]

# Ends the statements the kit runs on a design's tables for its own purposes (loading,
# verifying, sampling parameters, reading volumes). pg_stat_statements keeps a trailing
# comment in the text it stores, so a live import can tell them from the application's.
KIT_MARK = " /* pgarch_kit */"

_servers: dict[str, object] = {}  # one Server per data dir, so its version is looked up once


def _embedded_dsn() -> str:
    from pgarch_kit.db.server import Server, default_home
    key = str(default_home())
    server = _servers.get(key)
    if not isinstance(server, Server):
        server = _servers[key] = Server()
    server.ensure_started()
    return server.dsn()


def redact_dsn(dsn: str | None) -> str:
    """``dsn`` fit to print: its password masked, everything else kept."""
    return redact(dsn or "", dsn)


def check_dsn(dsn: str) -> dict[str, object]:
    """The parameters of ``dsn``; a DSN libpq cannot parse raises :class:`DsnError` showing it
    redacted (psycopg's own message may quote the password, so it is not chained)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict
    try:
        return conninfo_to_dict(dsn)
    except psycopg.Error as exc:
        reason = redact(str(exc).strip(), dsn)
    raise DsnError(f"cannot parse the connection string {redact_dsn(dsn)!r}: {reason} — fix: "
                   f"use libpq keywords (host=... dbname=... user=...) or a URI "
                   f"(postgresql://user@host/dbname), percent-encoding special characters")


def server_dsn(dsn: str | None = None, dbname: str | None = None) -> str:
    """The DSN to use: ``dsn`` > ``$PGARCH_DSN`` > the embedded server (started if needed),
    with ``dbname`` substituted when given. Accepts and returns libpq keyword or URI strings."""
    base = dsn or os.environ.get("PGARCH_DSN") or _embedded_dsn()
    check_dsn(base)
    if dbname is None:
        return base
    from psycopg.conninfo import make_conninfo
    return make_conninfo(base, dbname=dbname)


def dsn_dbname(dsn: str) -> str:
    """The database a DSN names (libpq's default, the user name, when it names none)."""
    params = check_dsn(dsn)
    return str(params.get("dbname") or params.get("user") or os.environ.get("PGDATABASE")
               or os.environ.get("PGUSER") or "postgres")


def connect(dbname: str | None = None, dsn: str | None = None,
            autocommit: bool = True) -> psycopg.Connection:
    """A psycopg connection; autocommit by default because notebooks run one step per cell
    and a forgotten open transaction would hold locks (and block DROP DATABASE)."""
    import psycopg
    target = server_dsn(dsn, dbname)
    try:
        return psycopg.connect(target, autocommit=autocommit)
    except psycopg.Error as exc:
        # same type, so callers' except clauses still match; the message without secrets
        raise type(exc)(redact(str(exc), target)) from None


def sqlalchemy_url(dbname: str | None = None, dsn: str | None = None) -> sqlalchemy.URL:
    """A ``postgresql+psycopg`` URL for the same target; a Unix-socket directory travels as the
    ``host`` query parameter, which is how SQLAlchemy passes it on to libpq."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy import URL
    params = {k: str(v) for k, v in conninfo_to_dict(server_dsn(dsn, dbname)).items()}
    host = params.pop("host", None)
    port = params.pop("port", None)
    query: dict[str, str] = {}
    if host and (host.startswith("/") or "," in host):  # socket dir or multi-host: query form
        query["host"] = host
        if port:
            query["port"] = port
        host, port = None, None
    user = params.pop("user", None)
    password = params.pop("password", None)
    database = params.pop("dbname", None)
    query.update(params)  # sslmode, application_name, ... pass straight through
    return URL.create("postgresql+psycopg", username=user, password=password, host=host,
                      port=int(port) if port else None, database=database, query=query)


def engine(dbname: str | None = None, dsn: str | None = None) -> sqlalchemy.Engine:
    """A SQLAlchemy engine for pandas ``read_sql`` and JupySQL (``%sql engine``)."""
    from sqlalchemy import create_engine
    return create_engine(sqlalchemy_url(dbname, dsn))
