"""Round-trip plumbing: apply SQL to a fresh database, read it back, compare."""
from __future__ import annotations

import dataclasses

import psycopg

from pgarch_kit.db.apply import apply_sql
from pgarch_kit.db.catalog import catalog_snapshot
from pgarch_kit.db.introspect import introspect
from pgarch_kit.ddl import to_sql
from pgarch_kit.model import Design


def load_and_read(dsn: str, sql_text: str, source: str = "SQL"):
    """Apply ``sql_text`` to the (empty, sandbox) database at ``dsn``; return its design and
    catalog snapshot."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_sql(conn, sql_text, source=source)
        version = conn.info.server_version
        return introspect(conn, name="roundtrip"), catalog_snapshot(conn), version


def regenerate(design: Design, version: int) -> str:
    return to_sql(design, server_version=version)


def first_difference(a: object, b: object, path: str = "design") -> str | None:
    """Where two model values first differ, as a readable path (for assertion messages)."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            d = first_difference(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
            if d:
                return d
        return None
    if isinstance(a, tuple):
        if len(a) != len(b):
            names_a = [getattr(x, "name", x) for x in a]
            names_b = [getattr(x, "name", x) for x in b]
            return f"{path}: {len(a)} items != {len(b)} items ({names_a} vs {names_b})"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{getattr(x, 'name', i)}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"
