"""Advisor rules of catalog section 'migration' (../shared/advisor/RULES.md), one per module,
plus #96 detach-partition-non-concurrently (catalog section 1.9, but like these a mode-M rule
that reads a migration script) and the rules added with `pgarch lint --migration` (#116–#119:
a table the prior design does not know, names PostgreSQL truncates, a column named twice in a
statement, tables named without a schema). The input they read is
:class:`pgarch_kit.lint.migration.Migration`.

RULES lists them explicitly, in catalog order: the registry reads this list, nothing else.
"""
from __future__ import annotations

from .add_column_volatile_default import AddColumnVolatileDefault
from .add_index_backed_constraint_locking import AddIndexBackedConstraintLocking
from .add_required_column import AddRequiredColumn
from .add_rewriting_column import AddRewritingColumn
from .backfill_in_ddl_migration import BackfillInDdlMigration
from .change_column_type import ChangeColumnType
from .concurrently_in_transaction import ConcurrentlyInTransaction
from .constraint_without_not_valid import ConstraintWithoutNotValid
from .create_index_non_concurrently import CreateIndexNonConcurrently
from .detach_partition_non_concurrently import DetachPartitionNonConcurrently
from .drop_column import DropColumn
from .drop_fk_constraint import DropFkConstraint
from .drop_index_non_concurrently import DropIndexNonConcurrently
from .drop_not_null import DropNotNull
from .drop_table_schema_or_database import DropTableSchemaOrDatabase
from .duplicate_column_in_statement import DuplicateColumnInStatement
from .enum_value_change import EnumValueChange
from .identifier_truncated import IdentifierTruncated
from .locking_maintenance_command import LockingMaintenanceCommand
from .missing_lock_and_statement_timeout import MissingLockAndStatementTimeout
from .non_idempotent_ddl import NonIdempotentDdl
from .non_linear_migration import NonLinearMigration
from .rename_column_table_or_schema import RenameColumnTableOrSchema
from .set_not_null_scan import SetNotNullScan
from .transaction_control_error import TransactionControlError
from .truncate_cascade import TruncateCascade
from .unique_index_duplicate_risk import UniqueIndexDuplicateRisk
from .unknown_table import UnknownTable
from .unqualified_table_in_migration import UnqualifiedTableInMigration
from .validate_same_transaction import ValidateSameTransaction

RULES: list[type] = [
    CreateIndexNonConcurrently,          # 70
    DropIndexNonConcurrently,            # 71
    ConcurrentlyInTransaction,           # 72
    LockingMaintenanceCommand,           # 73
    AddIndexBackedConstraintLocking,     # 74
    UniqueIndexDuplicateRisk,            # 75
    ConstraintWithoutNotValid,           # 76
    ValidateSameTransaction,             # 77
    SetNotNullScan,                      # 78
    AddRequiredColumn,                   # 79
    DropNotNull,                         # 80
    AddColumnVolatileDefault,            # 81
    AddRewritingColumn,                  # 82
    ChangeColumnType,                    # 83
    DropColumn,                          # 84
    DropTableSchemaOrDatabase,           # 85
    DropFkConstraint,                    # 86
    TruncateCascade,                     # 87
    RenameColumnTableOrSchema,           # 88
    EnumValueChange,                     # 89
    MissingLockAndStatementTimeout,      # 90
    NonIdempotentDdl,                    # 91
    TransactionControlError,             # 92
    BackfillInDdlMigration,              # 93
    NonLinearMigration,                  # 94
    DetachPartitionNonConcurrently,      # 96 (catalog section 1.9)
    UnknownTable,                        # 116
    IdentifierTruncated,                 # 117
    DuplicateColumnInStatement,          # 118
    UnqualifiedTableInMigration,         # 119
]
