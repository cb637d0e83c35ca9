"""Advisor rules of catalog section 'relationships' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .fk_without_index import FkWithoutIndex

RULES: list[type] = [FkWithoutIndex]
