"""L1: the pure design model — dataclasses, type names, identifier rules, validation, serde."""
from .design import (
                     FK_ACTIONS,
                     INDEX_METHODS,
                     Check,
                     Column,
                     CompositeType,
                     DataSpec,
                     Design,
                     Domain,
                     DomainCheck,
                     EnumType,
                     Exclusion,
                     ExclusionElement,
                     Extension,
                     ForeignKey,
                     IdentityOptions,
                     Index,
                     IndexKey,
                     LintConfig,
                     PartitionBy,
                     Policy,
                     PrimaryKey,
                     PrivacySpec,
                     QueryPattern,
                     Routine,
                     Schema,
                     Sequence,
                     Suppression,
                     Table,
                     TableIntent,
                     TableRef,
                     Trigger,
                     Unique,
                     View,
)
from .names import derive_name, qualified, quote_ident, shorten
from .objects import (
    Cast,
    Collation,
    RangeType,
    Rule,
    TextSearchConfiguration,
    TextSearchDictionary,
)
from .privileges import DefaultPrivilege, Grant, Owner
from .source import SourceFacts, SourceTable
from .types import PgType, canonical_type, parse_type, short_type

__all__ = [
    "Design", "Table", "Column", "PrimaryKey", "Unique", "Check", "ForeignKey", "Exclusion",
    "ExclusionElement", "Index", "IndexKey", "PartitionBy", "Policy", "TableIntent",
    "EnumType", "Domain", "DomainCheck", "CompositeType", "Sequence", "Extension", "Schema",
    "View", "Routine", "Trigger", "QueryPattern", "FK_ACTIONS", "INDEX_METHODS",
    "LintConfig", "Suppression", "DataSpec", "PrivacySpec", "SourceFacts", "SourceTable",
    "Collation", "RangeType", "TextSearchDictionary", "TextSearchConfiguration", "Cast", "Rule",
    "Grant", "DefaultPrivilege", "Owner",
    "IdentityOptions", "TableRef",
    "qualified", "quote_ident", "shorten", "derive_name", "PgType", "canonical_type", "parse_type",
    "short_type",
]
