"""Advisor rules of catalog section 'performance' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .table_unused_or_empty import TableUnusedOrEmpty
from .trigger_function_smells import TriggerFunctionSmells

RULES: list[type] = [TableUnusedOrEmpty, TriggerFunctionSmells]
