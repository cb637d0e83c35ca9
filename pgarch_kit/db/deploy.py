"""Apply a design to its sandbox database: the step from a model to a real PostgreSQL.

The design's DDL goes into ``pgarch_<design>`` (created and marked by the kit), in one
transaction, so a design that PostgreSQL rejects leaves the previous state untouched.
"""
from __future__ import annotations

from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.connect import server_dsn
from pgarch_kit.db.design_roles import check_design_roles_on
from pgarch_kit.db.sandbox import Sandbox, create_sandbox
from pgarch_kit.model import Design

__all__ = ["apply_design"]


def apply_design(design: Design, *, dsn: str | None = None, recreate: bool = True,
                 server_version: int | None = None) -> Sandbox:
    """Create (by default: recreate) the design's sandbox and apply its DDL there.

    Only a kit sandbox is ever recreated; a database of the same name that the kit did not
    create is refused (UnsafeOperationError), never overwritten."""
    import psycopg

    from pgarch_kit.ddl import to_sql
    from pgarch_kit.model.extensions import check_extensions
    from pgarch_kit.model.validate import check
    check(design)
    check_extensions(design, f"apply design {design.name!r}")
    check_design_roles_on(dsn, design, f"apply design {design.name!r}")
    dbname = create_sandbox(design.name, dsn=dsn, recreate=recreate)
    target = server_dsn(dsn, dbname)
    with psycopg.connect(target, autocommit=True) as conn:
        version = server_version or conn.info.server_version
        apply_sql(conn, to_sql(design, server_version=version), source=f"design {design.name!r}")
    return Sandbox(dbname, target)
