"""Lint one migration script against the design it applies to: the migration (M) rules, and
the design rules that judge a single column or domain on what the script defines
(:mod:`.migration_defs`). This is what ``pgarch lint --migration`` runs per file.

Every finding carries the file (as the caller names it) and the line of its statement, so
CI annotations land on the right line. Suppressions in the prior design's ``lint.suppress``
apply; "unused suppression" notes are left out, since one migration is not expected to touch
every suppressed finding of the design.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from pgarch_kit.model import Design

from .migration import Migration
from .migration_defs import DEFINITION_RULES, definition_findings
from .report import LintReport
from .runner import UNUSED_SUPPRESSION, lint, select_rules

__all__ = ["lint_migration", "migration_rules"]


def migration_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[str]:
    """Slugs of the rules a migration lint runs, narrowed by ``select``/``ignore`` (slugs,
    codes or categories): every mode-M rule and the definition rules."""
    return [r.slug for r in select_rules(select, ignore)
            if r.mode == "M" or r.slug in DEFINITION_RULES]


def lint_migration(sql: str, prior: Design, *, path: str | None = None,
                   transactional: bool = False, select: Iterable[str] | None = None,
                   ignore: Iterable[str] | None = None,
                   applied: Sequence[str] = ()) -> LintReport:
    """Findings on the migration ``sql`` applied to ``prior``. ``transactional`` False reads
    the script as ``psql -f`` runs it (each statement in its own transaction unless the
    script says BEGIN); True as one transaction, as migration frameworks run a file.
    ``select``/``ignore`` default to every migration rule and the design's ``lint.ignore``.
    Raises :class:`~pgarch_kit.lint.migration.MigrationParseError` when the SQL does not
    parse."""
    mig = Migration.from_sql(sql, prior, transactional=transactional,
                             file_name=Path(path).name if path else None, applied=applied)
    chosen = migration_rules(select or (), prior.lint.ignore if ignore is None else ignore)
    m_rules = [s for s in chosen if s not in DEFINITION_RULES]
    found = []
    if m_rules:  # an empty selection would mean "every rule" to lint()
        found = [f for f in lint(prior, select=m_rules, ignore=[], migration=mig).findings
                 if (f.code, f.rule) != UNUSED_SUPPRESSION]
    found += definition_findings(mig, [s for s in chosen if s in DEFINITION_RULES])
    return LintReport(tuple(replace(f, file=path) for f in found), tuple(chosen))
