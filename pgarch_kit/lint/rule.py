"""The rule protocol: one class per rule, its docstring the documentation.

A rule declares its catalog slug, a stable code, a category, a default severity and a mode
(S: the design; L: a live database; M: a migration), and yields findings from ``check``.
The docstring has three paragraphs headed ``What:``, ``Why:`` and ``Fix:`` (and optionally
``References:``); the rules reference in ``docs/RULES.md`` is generated from them.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from pgarch_kit.model import Table

from .context import LintContext, label
from .finding import Finding, Severity

__all__ = ["Rule"]


class Rule:
    code: ClassVar[str]
    slug: ClassVar[str]
    category: ClassVar[str]
    severity: ClassVar[Severity] = "warning"
    mode: ClassVar[str] = "S"          # "S", "L", "M" or "S/L"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        """Findings from the design (modes S and S/L)."""
        return iter(())

    def check_live(self, ctx: LintContext) -> Iterator[Finding]:
        """Findings from the live database ``ctx.conn`` (modes L and S/L)."""
        return iter(())

    def check_migration(self, ctx: LintContext) -> Iterator[Finding]:
        """Findings from ``ctx.migration`` (mode M)."""
        return iter(())

    def finding(self, table: Table | str | None, column: str | None, message: str, fix: str,
                *, severity: Severity | None = None, inferred: str | None = None,
                line: int | None = None) -> Finding:
        """Build a finding of this rule. ``inferred`` names an intent the rule relied on that
        the schema implied rather than the designer declared; the message says so. ``line``:
        the 1-based line of the migration statement it is about (mode M)."""
        where = label(table) if isinstance(table, Table) else table
        if inferred:
            message = (f"{message} (the {inferred.replace('_', ' ')} intent was inferred from "
                       f"the schema; declare it in the design's intents to confirm)")
        return Finding(self.code, self.slug, severity or self.severity, where, column,
                       message, fix, self.category, line=line)

    def needs_information(self, what: str, fix: str) -> Finding:
        """The one design-wide info finding of a rule whose preconditions are missing: it
        says what the rule would need to judge (an intent, a setting, evidence) instead of
        guessing. The runner keeps one per rule and design however often it is yielded."""
        return Finding(self.code, self.slug, "info", None, None,
                       f"needs information: {what}", fix, self.category)

    @classmethod
    def doc(cls) -> dict[str, str]:
        """The docstring's sections: what, why, fix (and references)."""
        text = (cls.__doc__ or "").strip()
        sections: dict[str, str] = {}
        current = None
        for line in text.splitlines():
            stripped = line.strip()
            head = stripped.split(":", 1)[0].lower()
            if head in ("what", "why", "fix", "references") and ":" in stripped:
                current = head
                sections[current] = stripped.split(":", 1)[1].strip()
            elif current:
                sections[current] = (sections[current] + " " + stripped).strip()
        return sections
