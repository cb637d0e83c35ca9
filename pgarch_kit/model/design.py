"""The design model: frozen dataclasses for everything a PostgreSQL schema holds, plus the
designer's intents (expected rows, growth, query patterns, soft delete, audit, tenancy).

Names are stored unquoted, exactly as PostgreSQL stores them. SQL expressions (defaults,
checks, index expressions, partition bounds, view queries, routine bodies) are kept as SQL
text: PostgreSQL parses them, the kit never rewrites them. Types are stored canonically
(see :mod:`pgarch_kit.model.types`) so a design read back from a server compares equal.
Collections are tuples so designs are hashable values; use :func:`dataclasses.replace` to edit.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from .objects import (
    Cast,
    Collation,
    RangeType,
    Rule,
    TextSearchConfiguration,
    TextSearchDictionary,
)
from .privileges import DefaultPrivilege, Grant, Owner
from .source import SourceFacts
from .types import canonical_type

__all__ = [
    "Cast",
    "Collation",
    "DefaultPrivilege",
    "Grant",
    "Owner",
    "RangeType",
    "Rule",
    "TextSearchConfiguration",
    "TextSearchDictionary",
    "DataSpec",
    "PrivacySpec",
    "PRIVACY_CATEGORIES",
    "ERASE_MODES",
    "LintConfig",
    "Suppression",
    "FK_ACTIONS",
    "INDEX_METHODS",
    "Check",
    "Column",
    "CompositeType",
    "Design",
    "Domain",
    "DomainCheck",
    "EnumType",
    "Exclusion",
    "ExclusionElement",
    "Extension",
    "ForeignKey",
    "IdentityOptions",
    "Index",
    "IndexKey",
    "PartitionBy",
    "Policy",
    "PrimaryKey",
    "QueryPattern",
    "Routine",
    "Schema",
    "Sequence",
    "Table",
    "TableIntent",
    "TableRef",
    "Trigger",
    "Unique",
    "View",
]

FK_ACTIONS = ("NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT")
INDEX_METHODS = ("btree", "hash", "gin", "gist", "spgist", "brin")
STORAGE_KINDS = ("plain", "external", "extended", "main")
COMPRESSION_METHODS = ("pglz", "lz4")
IdentityKind = Literal["always", "by default"]


def _canon(obj: object, attr: str) -> None:
    """Store a type canonically; invalid spellings are kept so validation can report them."""
    value = getattr(obj, attr)
    try:
        object.__setattr__(obj, attr, canonical_type(value))
    except (ValueError, TypeError):
        pass


def _tuple(obj: object, *attrs: str) -> None:
    for attr in attrs:
        value = getattr(obj, attr)
        if isinstance(value, list):
            object.__setattr__(obj, attr, tuple(value))


@dataclass(frozen=True)
class IdentityOptions:
    """The sequence behind an identity column, where it differs from PostgreSQL's defaults
    (``GENERATED … AS IDENTITY (SEQUENCE NAME … START WITH … INCREMENT BY …)``). The sequence
    always lives in its table's schema and has the column's type."""

    sequence: str | None = None         # None: PostgreSQL's name, <table>_<column>_seq
    start: int | None = None            # None: min_value (max_value when descending)
    increment: int = 1
    min_value: int | None = None        # None: the type's default for the direction
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    comment: str | None = None          # COMMENT ON SEQUENCE of the identity sequence


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None          # SQL expression
    identity: IdentityKind | None = None
    generated: str | None = None        # SQL expression of GENERATED ALWAYS AS (...)
    generated_kind: Literal["stored", "virtual"] = "stored"
    collation: str | None = None        # only when not the type's default
    comment: str | None = None
    identity_options: IdentityOptions | None = None  # None: every option at its default
    # ALTER COLUMN SET STORAGE / COMPRESSION / STATISTICS / (n_distinct=…); None and ()
    # mean PostgreSQL's defaults (the type's storage, the server's compression and target)
    storage: str | None = None          # plain, external, extended, main
    compression: str | None = None      # pglz, lz4
    statistics: int | None = None       # per-column statistics target, 0..10000
    options: tuple[str, ...] = ()       # attribute options, "n_distinct=-0.05"
    # The NOT NULL constraint (PostgreSQL 18 catalogs and names it): its name when it is not
    # the one PostgreSQL gives it (<table>_<column>_not_null, or the parent's for a column
    # that only comes from a parent), NO INHERIT, and NOT VALID (added unchecked)
    not_null_name: str | None = None
    not_null_no_inherit: bool = False
    not_null_not_valid: bool = False
    inherited: bool = False             # only from a parent (INHERITS), not declared here
    not_null_comment: str | None = None  # COMMENT ON CONSTRAINT of the NOT NULL (PG 18)

    def __post_init__(self) -> None:
        _canon(self, "type")
        _tuple(self, "options")


@dataclass(frozen=True)
class PrimaryKey:
    columns: tuple[str, ...]
    name: str | None = None             # None: PostgreSQL names it <table>_pkey
    include: tuple[str, ...] = ()
    deferrable: bool = False
    initially_deferred: bool = False
    without_overlaps: bool = False      # PostgreSQL 18: the last column WITHOUT OVERLAPS
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "columns", "include")


@dataclass(frozen=True)
class Unique:
    columns: tuple[str, ...]
    name: str | None = None
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    deferrable: bool = False
    initially_deferred: bool = False
    without_overlaps: bool = False      # PostgreSQL 18: the last column WITHOUT OVERLAPS
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "columns", "include")


@dataclass(frozen=True)
class Check:
    expression: str
    name: str | None = None
    no_inherit: bool = False
    not_valid: bool = False             # added NOT VALID: rows already there are unchecked
    enforced: bool = True               # False: NOT ENFORCED (PostgreSQL 18)
    comment: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    ref_schema: str | None = None       # None: the referencing table's schema
    name: str | None = None
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    match: Literal["SIMPLE", "FULL"] = "SIMPLE"
    deferrable: bool = False
    initially_deferred: bool = False
    period: bool = False                # PostgreSQL 18: last columns are PERIOD (temporal key)
    not_valid: bool = False             # added NOT VALID: rows already there are unchecked
    enforced: bool = True               # False: NOT ENFORCED (PostgreSQL 18)
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "columns", "ref_columns")


@dataclass(frozen=True)
class ExclusionElement:
    expression: str                     # a column name or a parenthesised expression
    operator: str                       # e.g. '=' or '&&'
    opclass: str | None = None


@dataclass(frozen=True)
class Exclusion:
    elements: tuple[ExclusionElement, ...]
    name: str | None = None
    using: str = "gist"
    include: tuple[str, ...] = ()
    where: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "elements", "include")


@dataclass(frozen=True)
class IndexKey:
    """One key of an index: a column name, or an SQL expression (``expression=True``)."""

    column: str
    expression: bool = False
    opclass: str | None = None
    collation: str | None = None
    descending: bool = False
    nulls_first: bool | None = None     # None: the default for the direction
    statistics: int | None = None       # ALTER INDEX … ALTER COLUMN n SET STATISTICS


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[IndexKey, ...]
    method: str = "btree"
    unique: bool = False
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()
    where: str | None = None
    options: tuple[str, ...] = ()       # storage parameters, "fillfactor=90"
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "keys", "include", "options")


@dataclass(frozen=True)
class PartitionBy:
    strategy: Literal["range", "list", "hash"]
    keys: tuple[str, ...]               # column names or parenthesised expressions

    def __post_init__(self) -> None:
        _tuple(self, "keys")


@dataclass(frozen=True)
class Policy:
    name: str
    command: Literal["ALL", "SELECT", "INSERT", "UPDATE", "DELETE"] = "ALL"
    permissive: bool = True
    roles: tuple[str, ...] = ("public",)
    using: str | None = None
    with_check: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "roles")


@dataclass(frozen=True)
class TableIntent:
    """What the designer expects of a table; used by the advisor, data generator and planner.
    Intents live in the design file only: a database cannot tell them."""

    rows: int | None = None             # expected rows at launch
    growth_per_month: int | None = None # rows added per month
    soft_delete: str | None = None      # name of the deleted_at-style column, if soft-deleted
    audit: bool = False                 # changes must be recorded in an audit trail
    tenant_key: str | None = None       # column that isolates tenants
    notes: str | None = None
    retention_months: int | None = None # rows older than this are archived or dropped


@dataclass(frozen=True)
class TableRef:
    """A table named by another table (an INHERITS parent); ``schema`` None: the same
    schema as the table naming it."""

    name: str
    schema: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...] = ()
    schema: str = "public"
    primary_key: PrimaryKey | None = None
    uniques: tuple[Unique, ...] = ()
    checks: tuple[Check, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    indexes: tuple[Index, ...] = ()
    partition_by: PartitionBy | None = None
    partition_of: str | None = None     # parent table name (same schema) for a partition
    partition_bound: str | None = None  # "FOR VALUES FROM (...) TO (...)", "DEFAULT", ...
    rls_enabled: bool = False
    rls_forced: bool = False
    policies: tuple[Policy, ...] = ()
    unlogged: bool = False
    options: tuple[str, ...] = ()       # storage parameters, "fillfactor=80"
    comment: str | None = None
    intent: TableIntent = field(default_factory=TableIntent)
    partition_of_schema: str | None = None  # the parent's schema when not the table's own
    inherits: tuple[TableRef, ...] = ()     # INHERITS parents, in order

    def __post_init__(self) -> None:
        _tuple(self, "columns", "uniques", "checks", "foreign_keys", "exclusions", "indexes",
               "policies", "options", "inherits")

    @property
    def partition_parent(self) -> tuple[str, str] | None:
        """(schema, name) of the partitioned parent, or None."""
        if self.partition_of is None:
            return None
        return (self.partition_of_schema or self.schema, self.partition_of)

    @property
    def parent_keys(self) -> tuple[tuple[str, str], ...]:
        """(schema, name) of every INHERITS parent, in order."""
        return tuple((p.schema or self.schema, p.name) for p in self.inherits)

    # Cached per instance (frozen dataclasses allow it: the cache lives in __dict__ and is
    # not a field, so equality and hashing ignore it): large designs look these up a lot.
    @cached_property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @cached_property
    def _columns_by_name(self) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for c in self.columns:
            out.setdefault(c.name, c)  # the first one wins, as a scan would find it
        return out

    def column(self, name: str) -> Column | None:
        return self._columns_by_name.get(name)


@dataclass(frozen=True)
class EnumType:
    name: str
    values: tuple[str, ...]
    schema: str = "public"
    comment: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "values")


@dataclass(frozen=True)
class DomainCheck:
    expression: str                     # uses VALUE
    name: str | None = None
    not_valid: bool = False             # added NOT VALID: values already stored are unchecked
    comment: str | None = None


@dataclass(frozen=True)
class Domain:
    name: str
    type: str
    schema: str = "public"
    not_null: bool = False
    default: str | None = None
    checks: tuple[DomainCheck, ...] = ()
    collation: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        _canon(self, "type")
        _tuple(self, "checks")


@dataclass(frozen=True)
class CompositeType:
    name: str
    attributes: tuple[tuple[str, str], ...]  # (name, type)
    schema: str = "public"
    comment: str | None = None
    attribute_comments: tuple[tuple[str, str], ...] = ()  # (attribute, comment)

    def __post_init__(self) -> None:
        attrs = []
        for attr in self.attributes:
            name, typ = attr
            try:
                typ = canonical_type(typ)
            except (ValueError, TypeError):
                pass
            attrs.append((name, typ))
        object.__setattr__(self, "attributes", tuple(attrs))
        object.__setattr__(self, "attribute_comments",
                           tuple(tuple(pair) for pair in self.attribute_comments))


@dataclass(frozen=True)
class Sequence:
    name: str
    schema: str = "public"
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None        # None: the data type's default
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    owned_by: tuple[str, str] | None = None  # (table, column) in the same schema
    comment: str | None = None

    def __post_init__(self) -> None:
        _canon(self, "data_type")
        if isinstance(self.owned_by, list):
            object.__setattr__(self, "owned_by", tuple(self.owned_by))


@dataclass(frozen=True)
class Extension:
    name: str
    schema: str | None = None
    comment: str | None = None          # only when not the extension's own comment


@dataclass(frozen=True)
class Schema:
    name: str
    comment: str | None = None


@dataclass(frozen=True)
class View:
    name: str
    query: str                          # the SELECT, as PostgreSQL prints it
    schema: str = "public"
    materialized: bool = False
    check_option: Literal["local", "cascaded"] | None = None
    options: tuple[str, ...] = ()       # security_barrier=true, security_invoker=true
    indexes: tuple[Index, ...] = ()     # materialized views only
    comment: str | None = None
    column_comments: tuple[tuple[str, str], ...] = ()  # (column, comment)

    def __post_init__(self) -> None:
        _tuple(self, "options", "indexes")
        object.__setattr__(self, "column_comments",
                           tuple(tuple(pair) for pair in self.column_comments))

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)


@dataclass(frozen=True)
class Routine:
    """A function, procedure or aggregate kept as its complete CREATE statement, so nothing a
    real schema holds is lost. ``signature`` is the identity argument list (for COMMENT ON and
    to tell overloads apart)."""

    name: str
    signature: str
    definition: str
    schema: str = "public"
    kind: Literal["function", "procedure", "aggregate"] = "function"
    comment: str | None = None


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    definition: str                     # the complete CREATE TRIGGER statement
    schema: str = "public"
    enabled: Literal["O", "D", "R", "A"] = "O"  # origin (default), disabled, replica, always
    comment: str | None = None


@dataclass(frozen=True)
class QueryPattern:
    """A query the application will run: SQL with ``:name`` or ``$1`` parameters and how
    often; the advisor checks indexes against it and benchmarks time it."""

    name: str
    sql: str
    per_second: float | None = None
    params: tuple[str, ...] = ()
    critical: bool = False              # on the critical path: must stay under the latency goal
    # Where benchmarks draw each parameter from, when the SQL alone does not tell (a LIMIT, a
    # value compared with no column): ``(param, "table.column")`` samples the loaded data,
    # ``(param, ("20", "50"))`` picks from the values. Others are inferred from the SQL.
    param_sources: tuple[tuple[str, str | tuple[str, ...]], ...] = ()
    skew: str | None = None             # how often hot keys repeat: "uniform" (default), "zipf 1.2"

    def __post_init__(self) -> None:
        _tuple(self, "params", "param_sources")


@dataclass(frozen=True)
class Suppression:
    """Silence one advisor rule (by slug or code), optionally for one table or column; the
    reason is required reading for the next reviewer. Unused suppressions are reported."""

    rule: str
    table: str | None = None
    column: str | None = None
    reason: str = ""


SettingValue = str | int | float | bool | tuple[str, ...]


@dataclass(frozen=True)
class LintConfig:
    """The advisor's house rules for this design: which rules run, conventions they check
    against (``settings``: naming pattern, mandatory columns, FK action policy …) and
    suppressions. Lives in the design file only."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    settings: tuple[tuple[str, SettingValue], ...] = ()
    suppress: tuple[Suppression, ...] = ()

    def __post_init__(self) -> None:
        _tuple(self, "select", "ignore", "suppress")
        pairs = []
        for key, value in (self.settings.items() if isinstance(self.settings, dict)
                           else self.settings):
            pairs.append((key, tuple(value) if isinstance(value, list) else value))
        object.__setattr__(self, "settings", tuple(pairs))

    def setting(self, key: str, default: SettingValue | None = None) -> SettingValue | None:
        return next((v for k, v in self.settings if k == key), default)


@dataclass(frozen=True)
class DataSpec:
    """How synthetic data should look, kept in the design file (the ``generate:`` section):
    values to draw from per ``table.column``, null ratios, and fan-out per foreign-key column
    (``uniform``, ``zipf 1.2``, ``fixed 3``). Python callers can override each at plan time."""

    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    null_ratios: tuple[tuple[str, float], ...] = ()
    fanout: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        def pairs(v: object) -> tuple:
            items = v.items() if isinstance(v, dict) else v
            return tuple((k, tuple(x) if isinstance(x, list) else x) for k, x in items)
        for name in ("values", "null_ratios", "fanout"):
            object.__setattr__(self, name, pairs(getattr(self, name)))


PRIVACY_CATEGORIES = ("identity", "contact", "address", "birth", "financial", "government_id",
                      "health", "location", "online_id", "credentials", "free_text")
ERASE_MODES = ("delete", "anonymise", "keep")


@dataclass(frozen=True)
class PrivacySpec:
    """Personal data in the design (the ``privacy:`` section). ``subject`` is the table whose
    rows are the data subjects (customers, users); ``personal`` tags ``table.column`` with a
    category, on top of what the kit infers from names and types; ``not_personal`` untags an
    inferred one; ``erase`` says, per table, what a right-to-be-forgotten request does with a
    subject's rows there: ``delete`` them, ``anonymise`` their personal columns, or ``keep``
    them (a legal duty, e.g. invoices)."""

    subject: str | None = None
    personal: tuple[tuple[str, str], ...] = ()
    not_personal: tuple[str, ...] = ()
    erase: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name in ("personal", "erase"):
            value = getattr(self, name)
            items = value.items() if isinstance(value, dict) else value
            object.__setattr__(self, name, tuple(tuple(kv) for kv in items))
        _tuple(self, "not_personal")


@dataclass(frozen=True)
class Design:
    """The aggregate root: a whole database design."""

    name: str
    description: str | None = None
    schemas: tuple[Schema, ...] = ()    # extra schemas; public is always there
    extensions: tuple[Extension, ...] = ()
    roles: tuple[str, ...] = ()         # roles policies, grants and owners name (made NOLOGIN)
    enums: tuple[EnumType, ...] = ()
    domains: tuple[Domain, ...] = ()
    composites: tuple[CompositeType, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    routines: tuple[Routine, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    queries: tuple[QueryPattern, ...] = ()
    lint: LintConfig = field(default_factory=LintConfig)
    generate: DataSpec = field(default_factory=DataSpec)
    privacy: PrivacySpec = field(default_factory=PrivacySpec)
    # kept after the older fields, so positional construction stays as it was
    collations: tuple[Collation, ...] = ()
    ranges: tuple[RangeType, ...] = ()
    text_search_dictionaries: tuple[TextSearchDictionary, ...] = ()
    text_search_configurations: tuple[TextSearchConfiguration, ...] = ()
    casts: tuple[Cast, ...] = ()
    rules: tuple[Rule, ...] = ()
    grants: tuple[Grant, ...] = ()
    default_privileges: tuple[DefaultPrivilege, ...] = ()
    owners: tuple[Owner, ...] = ()
    source: SourceFacts | None = None   # what an import read from a live database

    def __post_init__(self) -> None:
        _tuple(self, "schemas", "extensions", "roles", "enums", "domains", "composites",
               "sequences", "tables", "views", "routines", "triggers", "queries",
               "collations", "ranges", "text_search_dictionaries",
               "text_search_configurations", "casts", "rules", "grants",
               "default_privileges", "owners")

    def table(self, name: str, schema: str | None = None) -> Table | None:
        """Find a table by name (and schema); ``None`` when absent."""
        for t in self.tables:
            if t.name == name and (schema is None or t.schema == schema):
                return t
        return None

    def with_table(self, table: Table) -> Design:
        """A copy with ``table`` added, or replacing the table of the same schema and name."""
        tables = [t for t in self.tables if t.key != table.key]
        idx = next((i for i, t in enumerate(self.tables) if t.key == table.key), len(tables))
        tables.insert(idx, table)
        return replace(self, tables=tuple(tables))

    def structure(self) -> Design:
        """The design without intents (what a database can hold), for round-trip comparison."""
        return replace(self, name="", description=None, queries=(), lint=LintConfig(),
                       generate=DataSpec(), privacy=PrivacySpec(), source=None,
                       tables=tuple(replace(t, intent=TableIntent()) for t in self.tables))
