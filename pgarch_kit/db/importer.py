"""Import a schema into a design: PostgreSQL parses, the catalogs tell.

A SQL file is applied to a scratch sandbox (so the server, not a home-made parser, decides
what it means), read back with :func:`introspect`, and the scratch database is dropped. A live
database is read in place, read-only.
"""
from __future__ import annotations

from pathlib import Path

from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.sandbox import scratch_database
from pgarch_kit.model import Design

__all__ = ["import_live", "import_sql", "import_sql_file"]


def import_sql(sql_text: str, *, name: str = "imported", source: str = "SQL",
               dsn: str | None = None, schemas: list[str] | None = None) -> Design:
    """The design a SQL script creates. Raises SqlApplyError (server message and line) when
    PostgreSQL rejects the script, and for psql meta-commands such as ``\\c``."""
    import psycopg

    from pgarch_kit.db.introspect import introspect
    with scratch_database("import", dsn) as scratch:
        apply_sql(scratch.dbname, sql_text, source=source, dsn=dsn)
        with psycopg.connect(scratch.dsn, autocommit=True) as conn:
            return introspect(conn, name=name, schemas=schemas)


def import_sql_file(path: str | Path, *, name: str | None = None, dsn: str | None = None,
                    schemas: list[str] | None = None) -> Design:
    """:func:`import_sql` on a file; the design is named after the file unless ``name``."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return import_sql(text, name=name or path.stem, source=str(path), dsn=dsn, schemas=schemas)


def import_live(dsn: str, *, schemas: list[str] | None = None, name: str | None = None) -> Design:
    """Read the design of a live database (any server) without changing it."""
    import psycopg

    from pgarch_kit.db.connect import dsn_dbname
    from pgarch_kit.db.introspect import introspect
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.read_only = True
        return introspect(conn, name=name or dsn_dbname(dsn), schemas=schemas)
