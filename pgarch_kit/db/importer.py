"""Import a schema into a design: PostgreSQL parses, the catalogs tell.

A SQL file is untrusted. Its statements are classified first (:mod:`import_policy`), then
those allowed run one by one as a confined role that owns only a throwaway database
(:mod:`confine`), the result is read back with :func:`introspect` *as that role*, and the
database and role are dropped. What was refused or skipped is reported with its line; a partial
import still gives a design. A live database is read in place, read-only.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pgarch_kit.db.apply import _message, _prepare, strip_copy_data
from pgarch_kit.db.confine import Deadline, add_placeholders, confined_database
from pgarch_kit.db.import_policy import ALLOWED_EXTENSIONS, Statement, classify_script
from pgarch_kit.db.import_privileges import PrivilegeGate
from pgarch_kit.errors import ImportRefusedError, ImportTimeoutError, PgArchError, SqlApplyError
from pgarch_kit.model import Design

if TYPE_CHECKING:
    import psycopg

__all__ = ["DEFAULT_TIMEOUT", "ImportResult", "Skipped", "import_live", "import_schema",
           "import_schema_file", "import_sql", "import_sql_file"]

DEFAULT_TIMEOUT = 600.0  # seconds for a whole import: a real schema takes seconds
_DATA_NOTE = "table data (COPY ... FROM stdin) is not part of a design"


@dataclass(frozen=True)
class Skipped:
    """A statement the import did not run: where, what, and why."""

    line: int
    statement: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.statement} -- {self.reason}"


@dataclass(frozen=True)
class ImportResult:
    """The imported design, the statements refused (they would have acted outside the
    sandbox, or the confined role may not run them) and those skipped with a note (roles,
    privileges and owners that are not the design's: see :mod:`import_privileges`)."""

    design: Design
    refused: tuple[Skipped, ...] = ()
    notes: tuple[Skipped, ...] = ()

    def report(self) -> str:
        """The refusals one a line, then a one-line count of the notes."""
        lines = [f"refused {s}" for s in self.refused]
        if self.notes:
            kinds = sorted({s.reason for s in self.notes})
            lines.append(f"skipped {len(self.notes)} statement(s) that are not part of a design: "
                         + "; ".join(kinds))
        return "\n".join(lines)


def _skip(st: Statement, reason: str | None = None) -> Skipped:
    return Skipped(st.line, st.summary, reason or st.reason)


def _create_extension(admin: psycopg.Connection, conn: psycopg.Connection,
                      ext: dict) -> str | None:
    """Create an allowed extension as the kit, in the confined database; returns why not."""
    from psycopg import sql
    versions = {r[0]: list(r[1] or []) for r in admin.execute(
        "SELECT name, requires FROM pg_catalog.pg_available_extension_versions v"
        " WHERE version = (SELECT default_version FROM pg_catalog.pg_available_extensions a"
        " WHERE a.name = v.name)").fetchall()}
    if ext["name"] not in versions:
        return f"extension {ext['name']!r} is not installed on this server"
    todo, seen = [ext["name"]], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in ALLOWED_EXTENSIONS:
            return f"extension {ext['name']!r} needs {name!r}, which is not on the allow-list"
        todo += versions.get(name, [])
    schema = ext["schema"] or conn.execute("SELECT pg_catalog.current_schema()").fetchone()[0]
    query = sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(ext["name"]))
    if schema:
        query += sql.SQL(" WITH SCHEMA {}").format(sql.Identifier(schema))
    if ext["version"]:
        query += sql.SQL(" VERSION {}").format(sql.Literal(ext["version"]))
    if ext["cascade"]:
        query += sql.SQL(" CASCADE")
    admin.execute(query)
    return None


def _run(confined, statements: list[Statement], *, source: str, timeout: float
         ) -> tuple[list[Skipped], list[Skipped]]:
    import psycopg
    refused: list[Skipped] = []
    notes: list[Skipped] = []
    with psycopg.connect(confined.dsn, autocommit=True) as conn, \
            psycopg.connect(confined.admin_dsn, autocommit=True) as admin, \
            Deadline(conn, timeout) as deadline:
        gate = PrivilegeGate.for_import(conn, statements)
        for st in statements:
            if st.verdict == "note":
                notes.append(_skip(st))
                continue
            if st.verdict == "refuse":
                refused.append(_skip(st))
                continue
            if st.verdict == "owner":
                why = gate.owner(conn, st)
                if why:
                    notes.append(_skip(st, why))
                continue
            try:
                if st.verdict == "privilege":
                    text, why = gate.privilege(conn, st)
                    if why:
                        notes.append(_skip(st, why))
                    if text is None:
                        continue
                    try:
                        conn.execute(text, prepare=False)
                    except psycopg.errors.InsufficientPrivilege:
                        notes.append(_skip(st, gate.not_owned()))
                    continue
                if st.verdict == "extension":
                    why = _create_extension(admin, conn, st.extension)
                    if why:
                        refused.append(_skip(st, why))
                    continue
                for ext in st.inner_extensions:
                    _create_extension(admin, conn, ext)  # if it cannot, the block says why
                conn.execute(st.text, prepare=False)
            except psycopg.Error as exc:
                if deadline.passed or isinstance(exc, psycopg.errors.QueryCanceled):
                    raise ImportTimeoutError(
                        f"{source}: the import was stopped after {timeout:g} s, at line "
                        f"{st.line}: {st.summary}. A statement that never ends (an endless "
                        f"loop in a DO block or a function) is the usual cause: fix it, or "
                        f"allow more time with --timeout SECONDS (import_sql(timeout=...)). "
                        f"Nothing was kept") from None
                if exc.sqlstate == "42501":  # insufficient_privilege: the confinement held
                    refused.append(_skip(st, f"the server refused it: "
                                             f"{exc.diag.message_primary}"))
                elif refused:
                    refused.append(_skip(st, f"failed after an earlier refusal (it may depend "
                                             f"on it): {exc.diag.message_primary}"))
                else:
                    raise SqlApplyError(_message(exc), line=st.line, statement=st.text,
                                        source=source) from exc
        notes += [_skip(st, why) for st, why in gate.finish(admin)]
    return refused, notes


def import_schema(sql_text: str, *, name: str = "imported", source: str = "SQL",
                  dsn: str | None = None, schemas: list[str] | None = None,
                  timeout: float = DEFAULT_TIMEOUT, strict: bool = False) -> ImportResult:
    """Import an untrusted SQL script confined (see the module doc): the design and what was
    refused or skipped. Raises SqlApplyError (server message and line) when PostgreSQL rejects
    the script, ImportTimeoutError past ``timeout`` seconds, and ImportRefusedError for any
    refusal when ``strict``."""
    import psycopg

    from pgarch_kit.db.introspect import introspect
    if timeout <= 0:
        raise PgArchError(f"timeout must be a positive number of seconds, not {timeout!r}")
    text, data_blocks = strip_copy_data(sql_text)
    text, _ = _prepare(text, source)  # psql meta-commands: refused
    statements, roles = classify_script(text, source=source)
    with confined_database(dsn, limit_s=timeout) as confined:
        add_placeholders(confined.admin_dsn, confined.dbname, roles)
        refused, notes = _run(confined, statements, source=source, timeout=timeout)
        notes = sorted([Skipped(line, statement, _DATA_NOTE) for line, statement in data_blocks]
                       + notes, key=lambda s: s.line)
        if strict and refused:
            raise ImportRefusedError(source, [str(s) for s in refused])
        with psycopg.connect(confined.dsn, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = on")
            design = introspect(conn, name=name, schemas=schemas)
    return ImportResult(design, tuple(refused), tuple(notes))


def import_sql(sql_text: str, *, name: str = "imported", source: str = "SQL",
               dsn: str | None = None, schemas: list[str] | None = None,
               timeout: float = DEFAULT_TIMEOUT, strict: bool = False) -> Design:
    """The design a SQL script creates (:func:`import_schema` without the report; refused
    statements are announced with a warning)."""
    result = import_schema(sql_text, name=name, source=source, dsn=dsn, schemas=schemas,
                           timeout=timeout, strict=strict)
    if result.refused:
        warnings.warn(f"{source}: {len(result.refused)} statement(s) refused by the confined "
                      f"import:\n{result.report()}", stacklevel=2)
    return result.design


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def import_sql_file(path: str | Path, *, name: str | None = None, dsn: str | None = None,
                    schemas: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
                    strict: bool = False) -> Design:
    """:func:`import_sql` on a file; the design is named after the file unless ``name``."""
    path = Path(path)
    return import_sql(_read(path), name=name or path.stem, source=str(path), dsn=dsn,
                      schemas=schemas, timeout=timeout, strict=strict)


def import_schema_file(path: str | Path, *, name: str | None = None, dsn: str | None = None,
                       schemas: list[str] | None = None, timeout: float = DEFAULT_TIMEOUT,
                       strict: bool = False) -> ImportResult:
    """:func:`import_schema` on a file; the design is named after the file unless ``name``."""
    path = Path(path)
    return import_schema(_read(path), name=name or path.stem, source=str(path), dsn=dsn,
                         schemas=schemas, timeout=timeout, strict=strict)


def import_live(dsn: str, *, schemas: list[str] | None = None, name: str | None = None,
                intents: bool = True) -> Design:
    """Read the design of a live database (any server) without changing it; with
    ``intents`` (the default) also what the source says of its volumes and queries — rows and
    sizes per table, the top ``pg_stat_statements`` queries as query patterns — as intents,
    with the facts in ``design.source`` (see :mod:`pgarch_kit.db.source_facts`)."""
    import psycopg

    from pgarch_kit.db.connect import dsn_dbname
    from pgarch_kit.db.introspect import introspect
    from pgarch_kit.db.source_facts import read_source
    with psycopg.connect(dsn, autocommit=True) as conn:
        # conn.read_only has no effect in autocommit: the session default does
        conn.execute("SET default_transaction_read_only = on")
        design = introspect(conn, name=name or dsn_dbname(dsn), schemas=schemas)
        return read_source(conn, design) if intents else design
