"""Advisor rules of catalog section 'performance' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

RULES: list[type] = []
