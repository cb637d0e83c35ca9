"""pgarch_kit: design a PostgreSQL schema interactively, check it against a real server,
and take it from "start coding today" to "scale to millions".

Heavy dependencies (psycopg, pandas, graphviz, ipywidgets) are imported inside the functions
that need them, so ``import pgarch_kit`` stays fast.
"""
from __future__ import annotations

from .errors import (
    ConcurrentEditError,
    DesignError,
    DesignFileError,
    FileWriteError,
    PgArchError,
    Problem,
    ServerError,
    SqlApplyError,
    UnsafeOperationError,
)
from .model import (
    Check,
    Column,
    CompositeType,
    Design,
    Domain,
    EnumType,
    Exclusion,
    ExclusionElement,
    Extension,
    ForeignKey,
    Index,
    IndexKey,
    PartitionBy,
    Policy,
    PrimaryKey,
    QueryPattern,
    Routine,
    Schema,
    Sequence,
    Table,
    TableIntent,
    Trigger,
    Unique,
    View,
)

__all__ = [
    # errors
    "PgArchError", "DesignError", "DesignFileError", "ServerError", "SqlApplyError",
    "UnsafeOperationError", "FileWriteError", "ConcurrentEditError", "Problem",
    # the design model
    "Design", "Table", "Column", "PrimaryKey", "Unique", "Check", "ForeignKey", "Exclusion",
    "ExclusionElement", "Index", "IndexKey", "PartitionBy", "Policy", "TableIntent",
    "EnumType", "Domain", "CompositeType", "Sequence", "Extension", "Schema", "View",
    "Routine", "Trigger", "QueryPattern",
]
__version__ = "0.1.0"

# Functions behind heavy imports (psycopg, SQLAlchemy, PyYAML) load on first use, so that
# ``import pgarch_kit`` stays fast; the names are still part of the public API.
_LAZY = {
    # design files and validation
    "load_design": "pgarch_kit.model.serde", "save_design": "pgarch_kit.model.serde",
    "loads_design": "pgarch_kit.model.serde", "dump_design": "pgarch_kit.model.serde",
    "validate": "pgarch_kit.model.validate",
    # DDL
    "to_sql": "pgarch_kit.ddl", "table_sql": "pgarch_kit.ddl",
    # the database
    "connect": "pgarch_kit.db.connect", "engine": "pgarch_kit.db.connect",
    "server_dsn": "pgarch_kit.db.connect", "Server": "pgarch_kit.db.server",
    "apply_design": "pgarch_kit.db.deploy", "apply_sql": "pgarch_kit.db.apply",
    "create_sandbox": "pgarch_kit.db.sandbox", "drop_sandbox": "pgarch_kit.db.sandbox",
    "is_sandbox": "pgarch_kit.db.sandbox", "guard_destructive": "pgarch_kit.db.sandbox",
    "import_sql": "pgarch_kit.db.importer", "import_sql_file": "pgarch_kit.db.importer",
    "import_live": "pgarch_kit.db.importer", "import_schema": "pgarch_kit.db.importer",
    "import_schema_file": "pgarch_kit.db.importer",
    # the advisor, plans
    "advise": "pgarch_kit.lint", "checklist": "pgarch_kit.lint.checklist",
    "explain": "pgarch_kit.db.explain",
    # synthetic data
    "data_plan": "pgarch_kit.datagen", "preview": "pgarch_kit.datagen",
    "plan_summary": "pgarch_kit.datagen", "load_data": "pgarch_kit.db.load",
    "load_speed_plot": "pgarch_kit.display",
    # timings, scaling curves, index advice, load tests
    "time_pattern": "pgarch_kit.bench", "time_patterns": "pgarch_kit.bench",
    "scaling": "pgarch_kit.bench", "index_advice": "pgarch_kit.bench",
    "load_test": "pgarch_kit.bench", "scaling_plot": "pgarch_kit.display",
    "load_test_plot": "pgarch_kit.display", "index_advice_plot": "pgarch_kit.display",
    # scale to millions: plans, and their evidence on a server
    "scale_plan": "pgarch_kit.scale", "Machine": "pgarch_kit.scale",
    "Workload": "pgarch_kit.scale", "capacity": "pgarch_kit.scale",
    "configure": "pgarch_kit.scale", "partition_plan": "pgarch_kit.scale",
    "tenancy_plan": "pgarch_kit.scale", "history_plan": "pgarch_kit.scale",
    "sharding_plan": "pgarch_kit.scale", "runbook": "pgarch_kit.scale",
    "capacity_check": "pgarch_kit.bench", "try_settings": "pgarch_kit.bench",
    "partition_evidence": "pgarch_kit.bench", "isolation_matrix": "pgarch_kit.bench",
    "replica_lag": "pgarch_kit.bench", "capacity_plot": "pgarch_kit.display",
    "replica_lag_plot": "pgarch_kit.display",
    # production concerns: plans, and their evidence on PostgreSQL and Redis
    "caching_plan": "pgarch_kit.production", "cache_plan": "pgarch_kit.production",
    "hot_advice": "pgarch_kit.production", "isolation_plan": "pgarch_kit.production",
    "Invariant": "pgarch_kit.production", "privacy_plan": "pgarch_kit.production",
    "privilege_plan": "pgarch_kit.production",
    "matview_trial": "pgarch_kit.bench", "summary_trial": "pgarch_kit.bench",
    "cache_trial": "pgarch_kit.bench", "job_queue_check": "pgarch_kit.bench",
    "singleton_check": "pgarch_kit.bench", "optimistic_check": "pgarch_kit.bench",
    "hot_trial": "pgarch_kit.bench", "write_skew_demo": "pgarch_kit.bench",
    "erasure_check": "pgarch_kit.bench", "privilege_matrix": "pgarch_kit.bench",
    "cache_plot": "pgarch_kit.display", "hot_plot": "pgarch_kit.display",
    # export: the final files, migrations between design versions
    "schema_file": "pgarch_kit.ddl", "design_document": "pgarch_kit.export.design_doc",
    "collect_evidence": "pgarch_kit.export.evidence", "export_design": "pgarch_kit.export.bundle",
    "migration_plan": "pgarch_kit.migrate", "check_plan": "pgarch_kit.migrate",
    "run_script": "pgarch_kit.db.run_script", "run_psql": "pgarch_kit.db.run_script",
    "compare_databases": "pgarch_kit.db.catalog",
    "sqlalchemy_models": "pgarch_kit.interop", "alembic_revision": "pgarch_kit.interop",
    # the workshop: exercises that check themselves
    "exercise": "pgarch_kit.workshop", "exercises": "pgarch_kit.workshop",
    # diagrams, the studio, interop
    "er_diagram": "pgarch_kit.diagram", "to_dot": "pgarch_kit.diagram",
    "to_mermaid": "pgarch_kit.diagram",
    "studio": "pgarch_kit.widgets",
    "to_dbml": "pgarch_kit.interop", "from_dbml": "pgarch_kit.interop",
}
# ``pk.diagram`` / ``pk.lint`` would clash with the subpackages of the same names once they are
# imported (Python sets a package attribute per loaded subpackage), hence er_diagram / advise.
_RENAMED = {"er_diagram": "diagram", "advise": "lint", "data_plan": "plan", "load_data": "load"}
# Modules offered whole: ``pk.edit.add_table(design, "authors")`` reads like the lesson.
_LAZY_MODULES = {"edit": "pgarch_kit.model.edit"}
__all__ += [*_LAZY, *_LAZY_MODULES]  # noqa: PLE0604 (all are str keys)


def __getattr__(name: str) -> object:
    import importlib
    if name in _LAZY_MODULES:
        value = importlib.import_module(_LAZY_MODULES[name])
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pgarch_kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))
