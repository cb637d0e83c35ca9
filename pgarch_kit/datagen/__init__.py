"""L2: plan and generate realistic, reproducible data for a design, as COPY text batches.

Pure: no database access. The loader (in ``db/``) streams :func:`batches` with
``COPY table (plan.copy_columns(table)) FROM STDIN``, resets the sequences of
``plan.sequence_columns(table)``, then applies ``plan.updates`` with :func:`update_batches`.
"""
from ._batch import batches, sample_rows, update_batches
from .checks import ColumnRule, parse_check
from .constraints import CheckPlan
from .copytext import escape, to_copy
from .distributions import Fanout, Fixed, Uniform, Zipf
from .explain import describe_source, explain_rejection
from .partitions import SandboxPartition
from .plan import ColumnSource, DataPlan, DeferredUpdate, TablePlan, plan
from .preview import plan_constraints, plan_summary, preview
from .regex import regex_generator
from .vocab import Vocabulary, vocabulary

__all__ = [
    # planning
    "plan", "DataPlan", "TablePlan", "ColumnSource", "DeferredUpdate", "CheckPlan",
    "SandboxPartition",
    # fan-out distributions
    "Fanout", "Uniform", "Zipf", "Fixed",
    # generating, and seeing what will be generated
    "batches", "update_batches", "sample_rows", "preview", "plan_summary", "plan_constraints",
    "explain_rejection", "describe_source",
    # building blocks
    "ColumnRule", "parse_check", "escape", "to_copy", "Vocabulary", "vocabulary",
    "regex_generator",
]
