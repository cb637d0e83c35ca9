"""Advisor rules of catalog section 'types' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .char_n_type import CharNType
from .column_order_padding import ColumnOrderPadding
from .datetime_sql_pitfalls import DatetimeSqlPitfalls
from .domain_with_check_constraint import DomainWithCheckConstraint
from .enum_type_rigidity import EnumTypeRigidity
from .inconsistent_column_types import InconsistentColumnTypes
from .int_id_overflow_risk import IntIdOverflowRisk
from .json_instead_of_jsonb import JsonInsteadOfJsonb
from .large_object_column import LargeObjectColumn
from .money_type import MoneyType
from .reg_type_column import RegTypeColumn
from .sequence_near_exhaustion import SequenceNearExhaustion
from .serial_instead_of_identity import SerialInsteadOfIdentity
from .sql_ascii_encoding import SqlAsciiEncoding
from .timestamp_without_tz import TimestampWithoutTz
from .timestamp_zero_precision import TimestampZeroPrecision
from .varchar_n_limit import VarcharNLimit

RULES: list[type] = [
    TimestampWithoutTz,          # 1
    TimestampZeroPrecision,      # 2
    CharNType,                   # 3
    VarcharNLimit,               # 4
    MoneyType,                   # 5
    SerialInsteadOfIdentity,     # 6
    IntIdOverflowRisk,           # 7
    SequenceNearExhaustion,      # 8
    JsonInsteadOfJsonb,          # 9
    EnumTypeRigidity,            # 10
    LargeObjectColumn,           # 11
    RegTypeColumn,               # 12
    DomainWithCheckConstraint,   # 13
    InconsistentColumnTypes,     # 14
    ColumnOrderPadding,          # 15
    SqlAsciiEncoding,            # 16
    DatetimeSqlPitfalls,         # 17
]
