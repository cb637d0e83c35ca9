"""Advisor rules of catalog section 'indexes' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .bloat import Bloat
from .btree_on_array import BtreeOnArray
from .duplicate_index import DuplicateIndex
from .index_includes_nulls import IndexIncludesNulls
from .index_on_boolean import IndexOnBoolean
from .invalid_index import InvalidIndex
from .missing_index_seq_scans import MissingIndexSeqScans
from .overlapping_index import OverlappingIndex
from .redundant_partial_predicate import RedundantPartialPredicate
from .timestamp_mid_index import TimestampMidIndex
from .unused_index import UnusedIndex
from .wide_non_unique_index import WideNonUniqueIndex

RULES: list[type] = [
    DuplicateIndex,              # PGA037
    OverlappingIndex,            # PGA038
    UnusedIndex,                 # PGA039
    InvalidIndex,                # PGA040
    Bloat,                       # PGA041
    IndexOnBoolean,              # PGA042
    BtreeOnArray,                # PGA043
    IndexIncludesNulls,          # PGA044
    TimestampMidIndex,           # PGA045
    RedundantPartialPredicate,   # PGA046
    WideNonUniqueIndex,          # PGA047
    MissingIndexSeqScans,        # PGA048
]
