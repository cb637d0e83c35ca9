"""Alembic revision files from SQL steps: :func:`alembic_revision`.

A team that runs schema changes through Alembic should not have to retype the kit's migration
SQL, and retyping is where lock-safe forms get lost. This wraps SQL, verbatim, into a revision
file. Getting SQL through SQLAlchemy unchanged takes care:

* ``op.execute("...")`` wraps a string in ``text()``, which reads ``:name`` as a bind
  parameter; and a driver handed any parameter collection reads ``%`` as a placeholder.
  The revision therefore runs each statement with ``exec_driver_sql`` and
  ``no_parameters=True`` (psycopg 3 then sends the text as it is). Offline
  (``alembic upgrade --sql``) there is no driver: the statement is written to the script as is.
* A step is split into statements here, with PostgreSQL's own parser (pglast): several
  statements sent as one string run as one implicit transaction, which ``CREATE INDEX
  CONCURRENTLY`` refuses, and one call per statement reads better in ``--sql`` output.
* Steps marked ``transactional=False`` run inside ``op.get_context().autocommit_block()``
  (Alembic commits what came before; see its warning about ``transaction_per_migration``).

Bad input is refused before any file exists, every problem at once, with its fix: an empty
``up``, SQL that does not parse, statements PostgreSQL will not run in a transaction block
(``CONCURRENTLY``, ``VACUUM``, ``CREATE DATABASE`` …) in a transactional step, ``BEGIN`` or
``COMMIT`` (Alembic owns the transaction), bad revision ids. An empty ``down`` makes a
revision whose ``downgrade()`` raises: marking an irreversible change as undone would be worse.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from .._escape import py_docstring_text
from ..errors import PgArchError, Problem

__all__ = ["AlembicRevisionError", "alembic_revision"]

Step = tuple[str, bool]

_REV = re.compile(r"^[A-Za-z0-9_]+$")
_RESERVED_REVS = {"head", "heads", "base", "current"}
# Statement kinds PostgreSQL refuses inside a transaction block (besides CONCURRENTLY forms)
_NO_TXN = {"VacuumStmt": "VACUUM", "CreatedbStmt": "CREATE DATABASE",
           "DropdbStmt": "DROP DATABASE", "CreateTableSpaceStmt": "CREATE TABLESPACE",
           "DropTableSpaceStmt": "DROP TABLESPACE", "AlterSystemStmt": "ALTER SYSTEM",
           "CreateSubscriptionStmt": "CREATE SUBSCRIPTION"}


class AlembicRevisionError(PgArchError, ValueError):
    """Input :func:`alembic_revision` cannot turn into a working revision; ``problems`` lists
    each one (where, what, the fix)."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"cannot write the Alembic revision, {len(self.problems)} "
                         f"problem(s):\n{lines}")


def _no_transaction(stmt: object) -> str | None:
    """Why PostgreSQL will not run ``stmt`` in a transaction block, or ``None``."""
    kind = type(stmt).__name__
    if kind == "VacuumStmt" and not getattr(stmt, "is_vacuumcmd", True):
        return None  # ANALYZE alone is fine in a transaction
    if kind in _NO_TXN:
        return _NO_TXN[kind]
    if kind in ("IndexStmt", "DropStmt") and getattr(stmt, "concurrent", False):
        return f"{'CREATE' if kind == 'IndexStmt' else 'DROP'} INDEX CONCURRENTLY"
    if kind == "ReindexStmt":
        params = getattr(stmt, "params", None) or ()
        if any(getattr(p, "defname", "") == "concurrently" for p in params):
            return "REINDEX CONCURRENTLY"
        if getattr(getattr(stmt, "kind", None), "name", "").endswith(("SYSTEM", "DATABASE")):
            return "REINDEX SYSTEM/DATABASE"
    if kind == "AlterTableStmt":
        for cmd in getattr(stmt, "cmds", None) or ():
            if getattr(getattr(cmd, "def_", None), "concurrent", False):
                return "DETACH PARTITION CONCURRENTLY"
    return None


def _statements(steps: object, where: str, problems: list[Problem]
                ) -> list[tuple[list[str], bool]]:
    """Each step's statements (verbatim slices of its SQL) and its transactional flag;
    problems are appended, not raised, so the caller reports all of them."""
    from pglast import parse_sql, split
    from pglast.parser import ParseError
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence):
        problems.append(Problem(where, f"expected a sequence of (sql, transactional) steps, "
                                f"got {type(steps).__name__}",
                                'pass e.g. [("CREATE TABLE t (id int)", True)]'))
        return []
    out = []
    for i, step in enumerate(steps):
        path = f"{where}[{i}]"
        if not (isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)
                and isinstance(step[1], bool)):
            problems.append(Problem(path, f"a step is a (sql: str, transactional: bool) pair, "
                                    f"got {step!r:.80}",
                                    'write ("CREATE INDEX CONCURRENTLY ...", False)'))
            continue
        sql, transactional = step
        try:
            parsed = parse_sql(sql)
            stmts = list(split(sql))
        except ParseError as exc:
            problems.append(Problem(path, f"PostgreSQL cannot parse this SQL: {exc}",
                                    "correct the statement (pglast uses the server's parser)"))
            continue
        if not stmts:
            problems.append(Problem(path, "the step holds no SQL statement",
                                    "remove the step or give it SQL"))
            continue
        for n, raw in enumerate(parsed, 1):
            stmt = raw.stmt
            label = f"{path} statement {n}"
            if type(stmt).__name__ == "TransactionStmt":
                problems.append(Problem(label, "BEGIN/COMMIT/ROLLBACK inside a step would end "
                                        "the transaction Alembic runs the migration in",
                                        "remove it; use transactional=False for a step "
                                        "that must run outside a transaction"))
            why = _no_transaction(stmt)
            if why and transactional:
                problems.append(Problem(label, f"{why} cannot run inside a transaction block",
                                        "make it its own step with transactional=False"))
        out.append((stmts, transactional))
    return out


def _rev_problem(value: object, what: str) -> Problem | None:
    if isinstance(value, str) and _REV.match(value) and value not in _RESERVED_REVS:
        return None
    return Problem(what, f"{value!r} is not a usable revision id (letters, digits and _ only; "
                   f"not {', '.join(sorted(_RESERVED_REVS))})",
                   "use e.g. uuid.uuid4().hex[:12], as `alembic revision` does, or "
                   "'0002_orders_index'")


def _literal(sql: str) -> str:
    """A Python literal holding ``sql`` exactly: triple-quoted when that is safe (readable
    multi-line SQL), else ``repr``."""
    if ("\n" in sql and '"""' not in sql and "\\" not in sql and not sql.endswith('"')
            and all(ch in "\n\t" or ch.isprintable() for ch in sql)):
        return f'"""{sql}"""'
    r = repr(sql)
    return '"' + r[1:-1] + '"' if r[0] == "'" and '"' not in sql and "'" not in sql else r


def _body(steps: list[tuple[list[str], bool]]) -> list[str]:
    lines: list[str] = []
    for stmts, transactional in steps:
        if transactional:
            lines += [f"    _run({_literal(s)})" for s in stmts]
        else:
            lines.append("    with op.get_context().autocommit_block():  # outside a transaction")
            lines += [f"        _run({_literal(s)})" for s in stmts]
    return lines


def _docstring(message: str) -> str:
    """The message inside the revision's docstring: it must not close it (``\"\"\"\"``)."""
    return py_docstring_text(message.strip() or "(no message)")


def alembic_revision(up: Sequence[Step], down: Sequence[Step], *, message: str,
                     revision: str, down_revision: str | Sequence[str] | None = None) -> str:
    """The source of an Alembic revision file that runs ``up`` on upgrade and ``down`` on
    downgrade. Each step is ``(sql, transactional)``; ``sql`` may hold several statements,
    each sent exactly as written. Raises :class:`AlembicRevisionError` listing every problem
    (with its fix) instead of writing a revision that would fail half-way."""
    problems: list[Problem] = []
    if not isinstance(message, str):
        problems.append(Problem("message", f"expected text, got {type(message).__name__}",
                                "say what the revision does, e.g. 'index orders by customer'"))
        message = ""
    if (p := _rev_problem(revision, "revision")) is not None:
        problems.append(p)
    downs = [down_revision] if isinstance(down_revision, str) else list(down_revision or ())
    for i, d in enumerate(downs):
        if (p := _rev_problem(d, f"down_revision[{i}]" if len(downs) > 1 else "down_revision")):
            problems.append(p)
    if revision in downs:
        problems.append(Problem("down_revision", f"the revision {revision!r} cannot follow "
                                "itself", "use the id of the revision this one comes after"))
    ups = _statements(up, "up", problems)
    downs_steps = _statements(down, "down", problems)
    if isinstance(up, Sequence) and not isinstance(up, str) and len(up) == 0:
        problems.append(Problem("up", "no upgrade steps: the revision would change nothing",
                                'pass at least one step, e.g. [("CREATE TABLE ...", True)]'))
    if problems:
        raise AlembicRevisionError(problems)
    down_repr = (None if not downs else _literal(downs[0]) if isinstance(down_revision, str)
                 else f"({', '.join(_literal(d) for d in downs)}{',' if len(downs) == 1 else ''})")
    downgrade = _body(downs_steps) or [
        "    raise RuntimeError(",
        f'        "revision {revision} has no downgrade steps: undo it by hand or add them"',
        "    )"]
    lines = [
        f'"""{_docstring(message)}',
        "",
        f"Revision ID: {py_docstring_text(revision)}",
        f"Revises: {py_docstring_text(', '.join(downs))}",
        "",
        "Generated by pgarch_kit.interop.alembic_revision: every statement runs exactly as",
        "written (no bind parameters, no % formatting).",
        '"""',
        "from collections.abc import Sequence",
        "",
        "from alembic import context, op",
        "",
        "# revision identifiers, used by Alembic.",
        f"revision: str = {_literal(revision)}",
        f"down_revision: str | Sequence[str] | None = {down_repr}",
        "branch_labels: str | Sequence[str] | None = None",
        "depends_on: str | Sequence[str] | None = None",
        "",
        "",
        "def _run(sql: str) -> None:",
        '    """One statement, sent as written: op.execute() would parse :name as a bind',
        '    parameter, and a driver given parameters reads % as a placeholder."""',
        "    if context.is_offline_mode():  # alembic upgrade --sql: write it to the script",
        "        impl = op.get_context().impl",
        "        impl.static_output(sql + impl.command_terminator)",
        "    else:",
        '        op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})',
        "",
        "",
        "def upgrade() -> None:",
        *_body(ups),
        "",
        "",
        "def downgrade() -> None:",
        *downgrade,
    ]
    return "\n".join(lines) + "\n"
