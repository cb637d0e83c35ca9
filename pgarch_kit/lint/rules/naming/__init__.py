"""Advisor rules of catalog section 'naming' (../shared/advisor/RULES.md), one per module.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .identifier_needs_quoting import IdentifierNeedsQuoting
from .identifier_too_long import IdentifierTooLong
from .missing_comment import MissingComment
from .naming_convention import NamingConvention
from .unqualified_object_name import UnqualifiedObjectName

RULES: list[type] = [IdentifierNeedsQuoting, NamingConvention, IdentifierTooLong, MissingComment,
                     UnqualifiedObjectName]
