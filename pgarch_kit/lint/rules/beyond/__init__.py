"""Advisor rules of catalog section 'beyond' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .audit_intent_unmet import AuditIntentUnmet
from .check_missing_on_status import CheckMissingOnStatus
from .citus_distribution_key_missing import CitusDistributionKeyMissing
from .fk_on_delete_unspecified import FkOnDeleteUnspecified
from .float_for_money import FloatForMoney
from .jsonb_queried_without_gin import JsonbQueriedWithoutGin
from .missing_updated_at_trigger import MissingUpdatedAtTrigger
from .nullable_boolean import NullableBoolean
from .partition_candidate import PartitionCandidate
from .query_pattern_without_index import QueryPatternWithoutIndex
from .random_uuid_pk import RandomUuidPk
from .rls_disabled_tenant_table import RlsDisabledTenantTable
from .soft_delete_unfiltered_index import SoftDeleteUnfilteredIndex
from .soft_delete_unique import SoftDeleteUnique
from .tenant_key_not_leading import TenantKeyNotLeading

RULES: list[type] = [
    NullableBoolean,              # PGA101
    FloatForMoney,                # PGA102
    RandomUuidPk,                 # PGA103
    SoftDeleteUnique,             # PGA104
    SoftDeleteUnfilteredIndex,    # PGA105
    RlsDisabledTenantTable,       # PGA106
    TenantKeyNotLeading,          # PGA107
    PartitionCandidate,           # PGA108
    JsonbQueriedWithoutGin,       # PGA109
    QueryPatternWithoutIndex,     # PGA110
    MissingUpdatedAtTrigger,      # PGA111
    AuditIntentUnmet,             # PGA112
    CitusDistributionKeyMissing,  # PGA113
    CheckMissingOnStatus,         # PGA114
    FkOnDeleteUnspecified,        # PGA115
]
