"""One exception root for the kit, with payloads a caller can act on.

Every error names the problem and the fix; collections of problems (validation, a bad design
file) travel together so a user sees all of them at once instead of fixing one per run.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ConcurrentEditError",
    "DdlError",
    "DesignError",
    "DesignFileError",
    "DsnError",
    "ExportError",
    "FileWriteError",
    "IdentifierError",
    "ImportRefusedError",
    "ImportTimeoutError",
    "NotebookError",
    "PgArchError",
    "Problem",
    "ServerError",
    "SqlApplyError",
    "UnsafeOperationError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a design: where (a dotted path such as ``orders.customer_id``),
    what, and how to fix it. ``line`` is set when the design came from a file."""

    path: str
    message: str
    fix: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        text = f"{where}{self.path}: {self.message}"
        return f"{text} — fix: {self.fix}" if self.fix else text


class PgArchError(Exception):
    """Root of every error the kit raises on purpose."""


class DesignError(PgArchError):
    """A design that is not valid; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], source: str = "design"):
        self.problems = tuple(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} has {len(self.problems)} problem(s):\n{lines}")


class DesignFileError(DesignError):
    """A design file that cannot be read (YAML syntax or content); the file is left untouched."""


class FileWriteError(PgArchError):
    """A file the kit was asked to write was refused (not a regular file, a path that cannot
    be resolved …); nothing was written. ``path`` is the path as given."""

    def __init__(self, path: object, problem: str, fix: str):
        self.path, self.problem, self.fix = path, problem, fix
        super().__init__(f"{path}: not written: it {problem} — fix: {fix}")


class ConcurrentEditError(FileWriteError):
    """The file changed on disk since it was read (another studio, the CLI, an editor saved
    it), so writing would silently drop that change; nothing was written."""

    def __init__(self, path: object, fix: str):
        FileWriteError.__init__(
            self, path, "changed on disk since it was loaded (another studio, the CLI or an "
            "editor saved it), and saving now would lose that change", fix)


class IdentifierError(PgArchError, ValueError):
    """A name that PostgreSQL cannot store as written (over 63 bytes, a NUL byte). Also a
    ValueError, as it was before the kit had its own class for it."""


class UnsafeOperationError(PgArchError):
    """A destructive step aimed at a database that is not a kit sandbox."""


class ServerError(PgArchError):
    """The embedded PostgreSQL server could not be started, found or stopped."""


@dataclass
class _SqlLocation:
    line: int | None
    text: str


class SqlApplyError(PgArchError):
    """PostgreSQL rejected SQL: carries the server's message and the line it points to."""

    def __init__(self, message: str, *, line: int | None = None, statement: str = "",
                 source: str = "SQL"):
        self.server_message = message
        self.line = line
        self.statement = statement
        where = f" at line {line}" if line else ""
        snippet = f"\n  statement: {statement.strip()[:300]}" if statement else ""
        super().__init__(f"PostgreSQL rejected {source}{where}: {message}{snippet}")


class ImportTimeoutError(PgArchError):
    """An imported schema ran past the import's time limit; names the statement's line."""


class ImportRefusedError(PgArchError):
    """A strict import met statements the confined import refused (they would act outside the
    kit's sandbox); lists each with its line and why."""

    def __init__(self, source: str, refused: list[str]):
        self.refused = refused
        listed = "\n  ".join(refused)
        super().__init__(f"{source}: {len(refused)} statement(s) refused by the confined import "
                         f"(strict mode):\n  {listed}\nRemove them from the schema, or import "
                         f"without --strict to keep the rest")


class DdlError(PgArchError, ValueError):
    """The design uses something the target server version cannot create (or a name
    PostgreSQL would truncate); names the object and the fix."""


class ExportError(PgArchError):
    """An output the kit writes would not be inert (an HTML report that would fetch from the
    network when opened); names what it would load and the fix."""


class NotebookError(PgArchError):
    """A notebook cell failed while running headless; names the notebook, the cell and the
    error, and where the partly executed notebook was saved for inspection."""


class DsnError(PgArchError, ValueError):
    """A connection string libpq cannot parse; the message shows it with its password masked
    (libpq's own message may quote the secret)."""
