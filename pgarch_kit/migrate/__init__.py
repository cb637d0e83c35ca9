"""L2½: migrations between two versions of a design — reversible, lock-safe steps rendered as
an up and a down script (see :mod:`.plan` for the forms and :mod:`.diff` for what is
compared). ``check_plan`` runs the advisor's migration-safety rules (mode M) on both."""
from .check import check_plan
from .diff import migration_plan
from .plan import MigrationError, MigrationPlan, Step

__all__ = ["MigrationError", "MigrationPlan", "Step", "check_plan", "migration_plan"]
