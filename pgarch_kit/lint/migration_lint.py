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

from .migration import Migration, MigrationParseError, sort_key
from .migration_defs import DEFINITION_RULES, definition_findings, script_design
from .report import LintReport
from .runner import UNUSED_SUPPRESSION, lint, select_rules

__all__ = ["lint_migration", "lint_migrations", "migration_rules"]


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
    return _lint(Migration.from_sql(sql, prior, transactional=transactional,
                                    file_name=Path(path).name if path else None,
                                    applied=applied), path, select, ignore)


def _lint(mig: Migration, path: str | None, select: Iterable[str] | None,
          ignore: Iterable[str] | None) -> LintReport:
    prior = mig.prior
    chosen = migration_rules(select or (), prior.lint.ignore if ignore is None else ignore)
    m_rules = [s for s in chosen if s not in DEFINITION_RULES]
    found = []
    if m_rules:  # an empty selection would mean "every rule" to lint()
        found = [f for f in lint(prior, select=m_rules, ignore=[], migration=mig).findings
                 if (f.code, f.rule) != UNUSED_SUPPRESSION]
    found += definition_findings(mig, [s for s in chosen if s in DEFINITION_RULES])
    return LintReport(tuple(replace(f, file=path) for f in found), tuple(chosen))


def lint_migrations(scripts: Sequence[tuple[str, str]], prior: Design, *,
                    transactional: bool = False, select: Iterable[str] | None = None,
                    ignore: Iterable[str] | None = None
                    ) -> tuple[list[LintReport], list[tuple[str, MigrationParseError]]]:
    """Lint several scripts — ``(path, sql)`` — as one release applies them: in their
    migration order (``V2`` before ``V10``), each against the prior design plus what the
    scripts before it define, so a table an earlier file creates is known to a later one.
    (Against an empty prior design every table is unknown anyway: each script is then read
    on its own.) Returns the reports in the order given, and the scripts that do not parse."""
    order = sorted(range(len(scripts)), key=lambda i: sort_key(scripts[i][0]))
    reports: dict[int, LintReport] = {}
    broken = []
    state, chain = prior, bool(prior.tables or prior.views)
    for i in order:
        path, sql = scripts[i]
        try:
            mig = Migration.from_sql(sql, state, transactional=transactional,
                                     file_name=Path(path).name)
        except MigrationParseError as exc:
            broken.append((path, exc))
            continue
        reports[i] = _lint(mig, path, select, ignore)
        if chain:
            state = script_design(mig)[0]
    return [reports[i] for i in sorted(reports)], broken
