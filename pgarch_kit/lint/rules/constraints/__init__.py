"""Advisor rules of catalog section 'constraints' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .all_columns_nullable import AllColumnsNullable
from .duplicate_column_definition import DuplicateColumnDefinition
from .mandatory_columns_missing import MandatoryColumnsMissing
from .not_valid_constraint_left import NotValidConstraintLeft
from .rules_usage import RulesUsage

RULES: list[type] = [
    NotValidConstraintLeft,      # 23
    AllColumnsNullable,          # 24
    MandatoryColumnsMissing,     # 25
    RulesUsage,                  # 26
    DuplicateColumnDefinition,   # 27
]
