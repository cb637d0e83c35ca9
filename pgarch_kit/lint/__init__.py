"""L2: the design advisor — a catalog of PostgreSQL rules, each with its reason and fix.

``lint(design)`` runs every rule on the design model; give it a live connection for the
statistics-based rules, or a migration for the migration-safety rules; ``lint_migration``
lints a migration script as ``pgarch lint --migration`` does. Rules are listed
explicitly per catalog section in ``pgarch_kit.lint.rules``.
"""
from .context import DEFAULT_SETTINGS, LintContext
from .finding import Finding, Severity
from .migration_lint import lint_migration
from .report import LintReport
from .rule import Rule
from .runner import all_rules, lint, rule_named, select_rules

__all__ = ["lint", "lint_migration", "all_rules", "rule_named", "select_rules", "Rule",
           "Finding", "Severity", "LintReport", "LintContext", "DEFAULT_SETTINGS"]
