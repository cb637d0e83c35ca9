"""Advisor rules of catalog section 'relationships' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .composite_fk_nullable_column import CompositeFkNullableColumn
from .degenerate_table import DegenerateTable
from .fk_action_policy import FkActionPolicy
from .fk_crosses_schema_boundary import FkCrossesSchemaBoundary
from .fk_type_mismatch import FkTypeMismatch
from .fk_without_index import FkWithoutIndex
from .redundant_fk import RedundantFk
from .repeating_column_group import RepeatingColumnGroup
from .self_fk_without_delete_action import SelfFkWithoutDeleteAction

RULES: list[type] = [
    FkWithoutIndex,              # PGA028
    FkTypeMismatch,              # PGA029
    RedundantFk,                 # PGA030
    CompositeFkNullableColumn,   # PGA031
    SelfFkWithoutDeleteAction,   # PGA032
    FkActionPolicy,              # PGA033
    FkCrossesSchemaBoundary,     # PGA034
    DegenerateTable,             # PGA035
    RepeatingColumnGroup,        # PGA036
]
