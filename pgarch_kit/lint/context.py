"""What every rule sees: the design, the advisor's settings, intents (declared or inferred),
and precomputed facts rules share — so each rule stays a few lines and linting stays linear
in the size of the design."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from pgarch_kit.model import Design, Index, Table, TableIntent
from pgarch_kit.model.default_names import constraint_names
from pgarch_kit.model.types import parse_type

__all__ = ["LintContext", "IndexShape", "label", "where_of", "DEFAULT_SETTINGS",
           "FRAMEWORK_TABLES", "is_framework_table", "serves_fk"]

# Conventions rules check against; the design file's ``lint.settings`` overrides them.
DEFAULT_SETTINGS: dict[str, Any] = {
    "naming_pattern": r"^[a-z][a-z0-9_]*$",
    "table_names": "any",              # "singular", "plural" or "any"
    "mandatory_columns": (),           # e.g. ["created_at"]
    "fk_on_delete_policy": "",         # e.g. "RESTRICT"; empty: no house policy
    "pk_max_columns": 4,
    "wide_index_columns": 3,
    # schemas an API (PostgREST, Supabase) exposes; None: not declared, so the security
    # rules look for evidence (API roles, pgrst settings, Supabase's auth/storage schemas)
    "exposed_schemas": None,
    "big_table_rows": 100_000_000,     # partition-candidate threshold
    # True when the design holds only what a migration script defines now: its columns are
    # new choices, judged without the design-wide conventions and growth evidence an
    # established schema needs (set by ``pgarch lint --migration``)
    "new_definitions": False,
    # True/False: the design describes an established schema whose names clients already use
    # (renames break them) or a new one; None: inferred (an import, catalog-printed routines)
    "existing_schema": None,
    # roles an API signs requests in as, besides the usual anon/authenticated/web_anon
    "api_roles": None,
    "sequence_usage_percent": 75,      # L: sequence-near-exhaustion
    "bloat_percent": 40,               # L: bloat
}

# Bookkeeping tables migration tools and frameworks create in the application's schema (names
# compared lower-case). Their shape is the tool's, not the designer's: rules judging a table's
# design skip them.
FRAMEWORK_TABLES = frozenset({
    "schema_migrations", "ar_internal_metadata",               # Rails, dbmate
    "django_migrations",                                       # Django
    "flyway_schema_history", "schema_version",                 # Flyway (and its old name)
    "alembic_version",                                         # Alembic
    "knex_migrations", "knex_migrations_lock",                 # Knex
    "goose_db_version",                                        # goose
    "__efmigrationshistory",                                   # Entity Framework
    "databasechangelog", "databasechangeloglock",              # Liquibase
    "_prisma_migrations",                                      # Prisma
    "gorp_migrations",                                         # sql-migrate
    "migrations", "pgmigrations",                              # Laravel, TypeORM; node-pg-migrate
    "sequelizemeta", "typeorm_metadata",                       # Sequelize, TypeORM
    "__diesel_schema_migrations", "_sqlx_migrations",          # Diesel, sqlx
    "refinery_schema_history", "phinxlog",                     # refinery, Phinx
    "doctrine_migration_versions", "migration_versions",       # Doctrine
    "atlas_schema_revisions", "river_migration",               # Atlas, River
    "seaql_migrations",                                        # SeaORM
})


_FRAMEWORK_PREFIXES = ("qrtz_",)  # Quartz scheduler tables (linked among themselves)


def is_framework_table(table: Table) -> bool:
    """A migration tool's bookkeeping table: a known name, and no foreign key in or out of it
    (the tools never link theirs; an application table that happens to be called
    ``migrations`` and takes part in the model is judged as usual). Whether another table
    references it is :meth:`LintContext.is_framework_table`'s to check."""
    name = table.name.lower()
    if name.startswith(_FRAMEWORK_PREFIXES):   # a library's own family of linked tables
        return True
    return name in FRAMEWORK_TABLES and not table.foreign_keys


_TENANT_COLUMNS = ("tenant_id", "org_id", "organization_id", "organisation_id", "account_id",
                   "workspace_id", "customer_id")
_TENANT_TABLES = re.compile(r"^(tenants?|org(anization|anisation)?s?|accounts?|workspaces?)$")
# Only names that say "soft delete" unambiguously: a bare ``deleted`` flag or ``archived_at``
# often means something else (synapse's key-backup versions keep deleted rows on purpose).
_SOFT_DELETE = ("deleted_at", "is_deleted")

_NOT_NULL_TERM = re.compile(r'^\(*\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s+IS\s+NOT\s+NULL'
                            r'\s*\)*$', re.I)


def serves_fk(shape: IndexShape, columns: tuple[str, ...]) -> bool:
    """True when ``shape`` can find the rows of a foreign key's ``columns``: a B-tree or hash
    index (PK and UNIQUE included; GiST for one column) whose leading keys are those columns in
    any order. A partial index counts only when its predicate is ``col IS NOT NULL`` on key
    columns: every FK lookup compares with ``=``, which implies it."""
    want = set(columns)
    n = len(want)
    if shape.method not in ("btree", "hash") and not (n == 1 and shape.method == "gist"):
        return False
    if shape.where is not None:
        terms = re.split(r"\s+AND\s+", shape.where.strip(), flags=re.I)
        for term in terms:
            m = _NOT_NULL_TERM.match(term.strip())
            name = m.group(1) if m else None
            if name and name.startswith('"'):
                name = name[1:-1].replace('""', '"')
            elif name:
                name = name.lower()
            if name not in want:
                return False  # a partial index does not serve every parent row
    return len(shape.keys) >= n and set(shape.keys[:n]) == want


def label(table: Table) -> str:
    """How findings name a table: bare in public, ``schema.table`` elsewhere."""
    return where_of(table.schema, table.name)


def where_of(schema: str, name: str) -> str:
    """:func:`label` for a name read from the catalogs (live rules)."""
    return name if schema == "public" else f"{schema}.{name}"


@dataclass(frozen=True)
class IndexShape:
    """An index (or the index behind a PK/UNIQUE constraint) reduced to what coverage and
    duplicate checks compare."""

    name: str
    keys: tuple[str, ...]          # column names, or "(expr)" for expressions
    unique: bool
    method: str
    where: str | None
    opclasses: tuple[str | None, ...]
    constraint: bool               # backs a PRIMARY KEY / UNIQUE constraint
    index: Index | None = None


@dataclass
class LintContext:
    design: Design
    conn: Any = None               # a psycopg connection for live (L) rules
    migration: Any = None          # a migration (M rules): see pgarch_kit.lint.migration
    _settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_SETTINGS)
        merged.update(dict(self.design.lint.settings))
        self._settings = merged

    # ---- settings
    def setting(self, key: str) -> Any:
        return self._settings.get(key)

    def memo(self, key: str, build: Any) -> Any:
        """Compute a fact several rules share once per lint run (``build()`` on first use)."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = build()
        return cache[key]

    # ---- tables
    @cached_property
    def tables(self) -> tuple[Table, ...]:
        """Ordinary and partitioned tables the designer owns: partitions are judged through
        their parent, and migration tools' bookkeeping tables (:meth:`is_framework_table`)
        are left out — their shape is the tool's to choose."""
        return tuple(t for t in self.design.tables
                     if t.partition_of is None and not self.is_framework_table(t))

    def is_framework_table(self, table: Table) -> bool:
        """A migration tool's bookkeeping table (``schema_migrations``, ``flyway_schema_history``,
        ``__EFMigrationsHistory`` …, see :data:`FRAMEWORK_TABLES`) that no foreign key links."""
        if table.name.lower().startswith(_FRAMEWORK_PREFIXES):
            return True
        return is_framework_table(table) and table.key not in self.referenced

    @cached_property
    def by_key(self) -> dict[tuple[str, str], Table]:
        return {t.key: t for t in self.design.tables}

    def ref_table(self, table: Table, fk: Any) -> Table | None:
        return self.by_key.get((fk.ref_schema or table.schema, fk.ref_table))

    @cached_property
    def referenced(self) -> set[tuple[str, str]]:
        """Keys of tables some foreign key points at."""
        return {(fk.ref_schema or t.schema, fk.ref_table)
                for t in self.design.tables for fk in t.foreign_keys}

    # ---- types
    @staticmethod
    def base_type(type_text: str) -> str:
        try:
            return parse_type(type_text).base
        except (ValueError, TypeError):
            return type_text

    # ---- indexes
    def index_shapes(self, table: Table) -> list[IndexShape]:
        return self._shapes.get(table.key, [])

    @cached_property
    def _shapes(self) -> dict[tuple[str, str], list[IndexShape]]:
        out: dict[tuple[str, str], list[IndexShape]] = {}
        for t in self.design.tables:
            shapes = []
            names = constraint_names(t)
            if t.primary_key and names.primary_key:
                shapes.append(IndexShape(names.primary_key,
                                         tuple(t.primary_key.columns), True, "btree", None,
                                         (None,) * len(t.primary_key.columns), True))
            for u, u_name in zip(t.uniques, names.uniques, strict=True):
                shapes.append(IndexShape(u_name,
                                         tuple(u.columns), True, "btree", None,
                                         (None,) * len(u.columns), True))
            for ix in t.indexes:
                keys = tuple(f"({k.column})" if k.expression else k.column for k in ix.keys)
                shapes.append(IndexShape(ix.name, keys, ix.unique, ix.method, ix.where,
                                         tuple(k.opclass for k in ix.keys), False, ix))
            out[t.key] = shapes
        return out

    def covers(self, table: Table, columns: tuple[str, ...]) -> bool:
        """True when some index (PK and UNIQUE included) has ``columns`` as its leading keys,
        in any order — what an FK lookup or ON DELETE check can use."""
        return any(serves_fk(shape, columns) for shape in self.index_shapes(table))

    # ---- intents
    def intent(self, table: Table) -> tuple[TableIntent, frozenset[str]]:
        """The table's intent, with what the schema makes plain filled in; the second value
        names the inferred fields, so findings can say so."""
        return self._intents.get(table.key, (table.intent, frozenset()))

    @cached_property
    def _intents(self) -> dict[tuple[str, str], tuple[TableIntent, frozenset[str]]]:
        out = {}
        for t in self.design.tables:
            intent, inferred = t.intent, set()
            cols = {c.name for c in t.columns}
            if intent.soft_delete is None:
                # a NOT NULL deleted_at is a deletion log's timestamp, not a soft-delete mark
                found = next((c for c in _SOFT_DELETE if c in cols
                              and (c == "is_deleted" or t.column(c).nullable)), None)
                if found:
                    intent, _ = replace(intent, soft_delete=found), inferred.add("soft_delete")
            if intent.tenant_key is None:
                for fk in t.foreign_keys:
                    if (len(fk.columns) == 1 and fk.columns[0] in _TENANT_COLUMNS
                            and _TENANT_TABLES.match(fk.ref_table)):
                        intent = replace(intent, tenant_key=fk.columns[0])
                        inferred.add("tenant_key")
                        break
            out[t.key] = (intent, frozenset(inferred))
        return out

    @cached_property
    def multi_tenant(self) -> bool:
        return any(self.intent(t)[0].tenant_key for t in self.design.tables)

    def columns(self, table: Table) -> Iterator[Any]:
        return iter(table.columns)
