"""The advisor's migration-safety rules (mode M of the catalog) run on a plan's own scripts.

The up script is read against the old design (its tables exist and hold rows), the down
script against the new one. A plan the kit generated should raise no finding except the ones
that name a real decision: dropping a column, a table, a schema or a foreign key (data loss),
a rewrite or lock the kit could not avoid (a key column's type, an identity or stored generated
column, an exclusion constraint's index, a partition detached and attached again), and drops
of existing constraints and indexes by name without ``IF EXISTS`` (a wrong name must stop the
migration). These are listed, never hidden; ``tests/test_kinds.py`` holds every kind's plan to
that list."""
from __future__ import annotations

from dataclasses import dataclass

from pgarch_kit.lint import LintReport, lint, select_rules
from pgarch_kit.lint.migration import Migration
from pgarch_kit.model import Design

from .plan import MigrationPlan

__all__ = ["PlanCheck", "check_plan"]


@dataclass(frozen=True)
class PlanCheck:
    up: LintReport
    down: LintReport

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in (*self.up.findings, *self.down.findings)}

    def __str__(self) -> str:
        return f"up script:\n{self.up}\n\ndown script:\n{self.down}"


def check_plan(plan: MigrationPlan, old: Design, new: Design) -> PlanCheck:
    """Findings of every mode-M rule on the up (against ``old``) and down (against ``new``)
    scripts; the scripts manage their own transactions, so they are read as psql runs them."""
    rules = [r.slug for r in select_rules() if r.mode == "M"]
    up = Migration.from_sql(plan.up_sql(), old, transactional=False, file_name="up.sql")
    down = Migration.from_sql(plan.down_sql(), new, transactional=False, file_name="down.sql")
    return PlanCheck(lint(new, select=rules, migration=up),
                     lint(old, select=rules, migration=down))
