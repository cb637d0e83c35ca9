"""Advisor rules of catalog section 'partitioning' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
detach-partition-non-concurrently (#96) is a migration (M) rule and lives with them.
"""
from __future__ import annotations

from .partition_unique_without_key import PartitionUniqueWithoutKey
from .partitioned_no_default_partition import PartitionedNoDefaultPartition
from .table_inheritance import TableInheritance

RULES: list[type] = [TableInheritance, PartitionUniqueWithoutKey, PartitionedNoDefaultPartition]
