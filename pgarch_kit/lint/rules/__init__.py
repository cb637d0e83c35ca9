"""The registry: every advisor rule, in catalog order, listed explicitly per section."""
from __future__ import annotations

from ..rule import Rule
from . import (
               beyond,
               constraints,
               indexes,
               keys,
               migration,
               naming,
               partitioning,
               performance,
               relationships,
               security,
               types,
)

RULES: list[type[Rule]] = [
    *types.RULES, *keys.RULES, *constraints.RULES, *relationships.RULES, *indexes.RULES,
    *naming.RULES, *security.RULES, *migration.RULES, *partitioning.RULES, *performance.RULES,
    *beyond.RULES,
]

__all__ = ["RULES"]
