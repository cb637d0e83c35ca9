"""pgarch_kit: design a PostgreSQL schema interactively, check it against a real server,
and take it from "start coding today" to "scale to millions".

Heavy dependencies (psycopg, pandas, graphviz, ipywidgets) are imported inside the functions
that need them, so ``import pgarch_kit`` stays fast.
"""
from __future__ import annotations

from .errors import (DesignError, DesignFileError, PgArchError, Problem, ServerError,
                     SqlApplyError, UnsafeOperationError)
from .model import (Check, Column, CompositeType, Design, Domain, EnumType, Exclusion,
                    ExclusionElement, Extension, ForeignKey, Index, IndexKey, PartitionBy,
                    Policy, PrimaryKey, QueryPattern, Routine, Schema, Sequence, Table,
                    TableIntent, Trigger, Unique, View)

__all__ = [
    # errors
    "PgArchError", "DesignError", "DesignFileError", "ServerError", "SqlApplyError",
    "UnsafeOperationError", "Problem",
    # the design model
    "Design", "Table", "Column", "PrimaryKey", "Unique", "Check", "ForeignKey", "Exclusion",
    "ExclusionElement", "Index", "IndexKey", "PartitionBy", "Policy", "TableIntent",
    "EnumType", "Domain", "CompositeType", "Sequence", "Extension", "Schema", "View",
    "Routine", "Trigger", "QueryPattern",
]
__version__ = "0.1.0"
