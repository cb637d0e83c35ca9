"""Where the real-world schema corpus lives: ``$PGARCH_REALWORLD``, else ``shared/realworld``
beside the repository (how CI lays it out). Tests fail loudly when it is missing rather than
skipping, so a broken layout cannot pass as green.

The corpus is one list: the first eight files at the top of the folder and the fourteen added
later in ``next/`` (the folder layout is the corpus keeper's; the tests do not care)."""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pgarch_kit.db.importer import ImportResult

REALWORLD = Path(os.environ.get(
    "PGARCH_REALWORLD",
    Path(__file__).resolve().parents[1].parent / "shared" / "realworld"))
REALWORLD_FILES = sorted(REALWORLD.glob("*.sql")) + sorted((REALWORLD / "next").glob("*.sql"))


def original_sql(path: Path) -> str:
    """The file as a script the kit can run in one transaction to make "the original"
    database: its ``COPY … FROM stdin`` data blocks (LedgerSMB) blanked, as an import does."""
    from pgarch_kit.db.apply import strip_copy_data
    return strip_copy_data(path.read_text(encoding="utf-8"))[0]


@functools.cache
def imported(path: Path) -> ImportResult:
    """The confined import of a corpus file on the default server, once per test session:
    several modules read the same 22 designs, and DHIS2 alone takes seconds to import."""
    from pgarch_kit.db import server_dsn
    from pgarch_kit.db.importer import import_schema_file
    return import_schema_file(path, name=path.stem.replace("-", "_"), dsn=server_dsn())


_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|START\s+TRANSACTION)\b", re.I)


def load_original(dsn: str, path: Path) -> None:
    """Make "the original" database of a corpus file as its project's tool would: every
    statement on its own (migration histories use an enum value added a few statements
    earlier, which one transaction forbids on PostgreSQL 15), transaction control skipped (an
    unterminated ``BEGIN`` in a migration would otherwise throw the rest away), data blocks
    blanked. The confined import runs a file the same way."""
    import psycopg

    from pgarch_kit.db.apply import _scan
    text = original_sql(path)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for a, b in _scan(text).statements:
            statement = text[a:b]
            if not _TRANSACTION.match(statement):
                conn.execute(statement, prepare=False)


_CREATE_EXTENSION = re.compile(
    r"^\s*create\s+extension\s+(?:if\s+not\s+exists\s+)?\"?([\w-]+)\"?", re.I | re.M)


def missing_extensions(dsn: str, path: Path) -> list[str]:
    """Extensions the file creates that the server at ``dsn`` does not have installed (pgvector
    is in the embedded PostgreSQL 18, not in Debian's 15): such a file cannot load there."""
    import psycopg
    wanted = {m.lower() for m in _CREATE_EXTENSION.findall(original_sql(path))}
    with psycopg.connect(dsn) as conn:
        have = {r[0] for r in conn.execute("SELECT name FROM pg_available_extensions")}
    return sorted(wanted - have)
