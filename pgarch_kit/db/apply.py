"""Apply a whole SQL script in one transaction and, when PostgreSQL rejects it, say which line.

The script goes to the server as one simple-query string (psycopg sends a parameterless,
unprepared ``execute`` that way), so dollar-quoted bodies, ``BEGIN ATOMIC`` functions and
pg_dump's ``SET``/``set_config`` lines need no client-side parsing. The small scanner below is
only used to refuse psql meta-commands before anything runs and to map an error back to a line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pgarch_kit.db.connect import server_dsn
from pgarch_kit.db.sandbox import guard_destructive
from pgarch_kit.errors import SqlApplyError

if TYPE_CHECKING:
    import psycopg

__all__ = ["apply_sql", "split_statements"]

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_$]")
_WORD = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
_COPY_STDIN = re.compile(r"^COPY\b.*\bFROM\s+stdin\b", re.IGNORECASE | re.DOTALL)
# pg_dump 17.6+/18 wraps its output in \restrict KEY ... \unrestrict KEY, which only tells
# psql to refuse meta-commands inside the dump. We refuse them anyway, so these lines are
# blanked (line numbers are kept) instead of being reported.
_RESTRICT = re.compile(r"^[ \t]*\\(un)?restrict\b[^\n]*", re.MULTILINE)


@dataclass(frozen=True)
class _Scan:
    statements: list[tuple[int, int]]  # [start, end) of each statement, comments trimmed
    meta_lines: list[int]  # 0-based offsets of lines that start with a backslash outside quotes


def _scan(text: str) -> _Scan:
    """Find statement boundaries and psql meta-command lines, skipping quotes and comments.

    Like psql, a ``;`` inside the ``BEGIN ATOMIC … END`` body of ``CREATE [OR REPLACE]
    FUNCTION|PROCEDURE`` does not end the statement: there, outside parentheses, BEGIN opens a
    block, CASE inside one opens another, END closes one (psql's own heuristic)."""
    statements: list[tuple[int, int]] = []
    meta: list[int] = []
    i, n, start, line_start, code_end = 0, len(text), None, True, 0
    head: list[str] = []  # the statement's first words
    depth = parens = 0
    while i < n:
        ch = text[i]
        if line_start:
            j = i
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == "\\":
                meta.append(j)
            line_start = False
        if ch == "\n":
            line_start = True
            i += 1
            continue
        if ch in " \t\r\f":
            i += 1
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            i = _skip_block_comment(text, i)
            line_start = False
            continue
        if start is None:
            start = i
        if ch == ";" and depth == 0:
            statements.append((start, i + 1))
            start = None
            head, parens = [], 0
            i += 1
            continue
        if ch in "()":
            parens = max(0, parens + (1 if ch == "(" else -1))
        elif (ch.isalpha() or ch == "_") and (i == 0 or not _IDENT_CHAR.match(text[i - 1])) \
                and (word := _WORD.match(text, i)):
            lower = word.group(0).lower()
            if len(head) < 4:
                head.append(lower)
            if parens == 0 and _routine_head(head):
                if lower == "begin" or (lower == "case" and depth > 0):
                    depth += 1
                elif lower == "end" and depth > 0:
                    depth -= 1
            i = code_end = word.end()
            continue
        if ch == "'":
            escaped = (i > 0 and text[i - 1] in "eE"
                       and (i < 2 or not _IDENT_CHAR.match(text[i - 2])))
            i = _skip_quoted(text, i, "'", backslash=escaped)
        elif ch == '"':
            i = _skip_quoted(text, i, '"', backslash=False)
        elif ch == "$" and (i == 0 or not _IDENT_CHAR.match(text[i - 1])) and (
                m := _DOLLAR.match(text, i)):
            close = text.find(m.group(0), m.end())
            i = n if close < 0 else close + len(m.group(0))
        else:
            i += 1
            code_end = i
            continue
        code_end = i
        # a quoted span may contain newlines: lines inside it are data, not meta-commands
        line_start = False
    if start is not None:  # a last statement without ';' ends at its last code character
        statements.append((start, code_end))
    return _Scan(statements, meta)


def _routine_head(head: list[str]) -> bool:
    """Whether a statement starts CREATE [OR REPLACE] FUNCTION|PROCEDURE."""
    kinds = ("function", "procedure")
    return head[:1] == ["create"] and (
        (len(head) > 1 and head[1] in kinds)
        or (head[1:3] == ["or", "replace"] and len(head) > 3 and head[3] in kinds))


def _skip_quoted(text: str, i: int, quote: str, *, backslash: bool) -> int:
    i += 1
    while i < len(text):
        if backslash and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if text.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    return i


def _skip_block_comment(text: str, i: int) -> int:
    depth = 0
    while i < len(text):
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return i


def split_statements(sql_text: str) -> list[str]:
    """The script's statements, as the scanner sees them (quotes and comments respected).
    Not used to execute: ``BEGIN ATOMIC`` bodies contain bare semicolons."""
    return [sql_text[a:b] for a, b in _scan(sql_text).statements]


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def strip_copy_data(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Blank every ``COPY … FROM stdin`` statement and its data block (up to the ``\\.``
    line), keeping line numbers; returns the text and ``(line, statement)`` of each block.

    Dumps and seed files carry table data this way. It is data, not schema: an import skips
    it with a note, where a script run would need psql to stream it."""
    blocks: list[tuple[int, str]] = []
    while True:
        scan = _scan(text)
        hit = next(((a, b) for a, b in scan.statements if _COPY_STDIN.match(text[a:b])), None)
        if hit is None:
            return text, blocks
        a, b = hit
        data = text.find("\n", b)
        end = len(text) if data < 0 else data + 1
        terminator = re.compile(r"^\\\.[ \t]*$", re.MULTILINE).search(text, end)
        stop = len(text) if terminator is None else terminator.end()
        blocks.append((_line_of(text, a), " ".join(text[a:b].split())[:80]))
        text = text[:a] + re.sub(r"[^\n]", " ", text[a:stop]) + text[stop:]


def _prepare(sql_text: str, source: str) -> tuple[str, _Scan]:
    text = _RESTRICT.sub("", sql_text)
    scan = _scan(text)
    for a, b in scan.statements:
        if _COPY_STDIN.match(text[a:b]):
            raise SqlApplyError(
                "COPY ... FROM stdin needs data streamed by psql and cannot run as a script; "
                "dump with pg_dump --inserts (or --schema-only) instead",
                line=_line_of(text, a), statement=text[a:b], source=source)
    if scan.meta_lines:
        first = scan.meta_lines[0]
        end = text.find("\n", first)
        command = text[first: len(text) if end < 0 else end]
        lines = ", ".join(str(_line_of(text, m)) for m in scan.meta_lines[:10])
        raise SqlApplyError(
            f"psql meta-command {command.split()[0]!r} on line(s) {lines}: psql commands such "
            f"as \\c, \\set, \\i are not SQL; remove them (use a plain SQL file). "
            f"Nothing was applied",
            line=_line_of(text, first), statement=command, source=source)
    return text, scan


def _message(exc: psycopg.Error) -> str:
    diag = exc.diag
    parts = [diag.message_primary or str(exc).splitlines()[0]]
    for label, value in (("DETAIL", diag.message_detail), ("HINT", diag.message_hint),
                         ("CONTEXT", diag.context)):
        if value:
            parts.append(f"{label}: {value}")
    if diag.sqlstate == "25001":
        parts.append("NOTE: apply_sql runs the script in one transaction; run statements such "
                     "as CREATE INDEX CONCURRENTLY or VACUUM separately with connect()")
    return "\n".join(parts)


def _locate(conn: psycopg.Connection, text: str, scan: _Scan, exc: psycopg.Error) -> int | None:
    """For errors that carry no position (constraint violations, division by zero), replay the
    statements one by one in a transaction that is always rolled back, and return the offset of
    the one that fails the same way. Only on the error path, so the cost does not matter."""
    import psycopg
    try:
        with conn.transaction(force_rollback=True):
            for a, b in scan.statements:
                try:
                    conn.execute(text[a:b], prepare=False)
                except psycopg.Error as again:
                    same = (again.sqlstate == exc.sqlstate
                            and again.diag.message_primary == exc.diag.message_primary)
                    return a if same else None
    except psycopg.Error:
        return None
    return None


def apply_sql(target: str | psycopg.Connection, sql_text: str, *, source: str = "SQL",
              dsn: str | None = None, allow_destructive: str | None = None) -> int:
    """Run ``sql_text`` in one transaction in a database (name) or on an open connection;
    returns the number of statements. All or nothing: on error nothing stays applied and
    SqlApplyError carries the server's message and the script line it points to.

    The target must be a kit sandbox (the script may drop or replace objects) unless
    ``allow_destructive`` repeats its name. On a caller's non-autocommit connection the work
    happens inside the caller's transaction, which the caller commits."""
    import psycopg
    text, scan = _prepare(sql_text, source)
    own = isinstance(target, str)
    conn = psycopg.connect(server_dsn(dsn, target), autocommit=True) if own else target
    try:
        dbname = conn.info.dbname
        guard_destructive(dbname, f"apply {source}", allow_destructive, conn=conn)
        if not scan.statements:
            return 0
        try:
            with conn.transaction():
                conn.execute(text, prepare=False)
        except psycopg.Error as exc:
            pos = exc.diag.statement_position
            offset = int(pos) - 1 if pos else _locate(conn, text, scan, exc)
            statement = ""
            if offset is not None:
                statement = next((text[a:b] for a, b in scan.statements if a <= offset < b), "")
            raise SqlApplyError(_message(exc), source=source, statement=statement,
                                line=_line_of(text, offset) if offset is not None else None
                                ) from exc
        return len(scan.statements)
    finally:
        if own:
            conn.close()
