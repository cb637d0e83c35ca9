"""Advisor rules of catalog section 'keys' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .nullable_unique_columns import NullableUniqueColumns
from .pk_columns_not_first import PkColumnsNotFirst
from .pk_natural_or_text_key import PkNaturalOrTextKey
from .pk_too_many_columns import PkTooManyColumns
from .table_without_primary_key import TableWithoutPrimaryKey

RULES: list[type] = [
    TableWithoutPrimaryKey,      # 18
    PkNaturalOrTextKey,          # 19
    PkTooManyColumns,            # 20
    PkColumnsNotFirst,           # 21
    NullableUniqueColumns,       # 22
]
