"""A finding is data: which rule, how serious, where, what is wrong and what to do."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

__all__ = ["Finding", "Severity", "SEVERITIES"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    code: str                 # stable code, PGA028
    rule: str                 # the catalog slug, fk-without-index
    severity: Severity
    table: str | None         # "orders", or "schema.table" outside public; None: design-wide
    column: str | None
    message: str              # what is wrong, and why it matters
    fix: str                  # what to do, as SQL where it is short
    category: str = ""
    # where in a file (migration findings: the script and its statement's 1-based line);
    # kept last so positional construction stays as it was
    file: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def where(self) -> str:
        if self.table and self.column:
            return f"{self.table}.{self.column}"
        return self.table or "(design)"
