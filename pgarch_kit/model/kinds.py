"""Every kind of object the design model holds, in one registry that each consumer is checked
against.

A kind is one entry of :data:`KINDS`: a name, SQL that creates one (on top of the small shared
:data:`BASE_SQL`), optionally SQL that then changes it, a function listing the identities of
the kind's objects in a design, the model fields it covers, and — per consumer — either
nothing (handled) or the reason it is out of scope there. ``tests/test_kinds.py`` runs every
kind through every consumer that claims it (introspection, YAML, validation, DDL, migrations
both ways on a loaded database, the diagram, data generation) and fails when one forgets it;
it also fails when a model field belongs to no kind, so a new field or object type cannot slip
in unregistered. The README's table of kinds is generated from here (:func:`kinds_markdown`).

Adding a kind is adding one entry; the identities are ``schema.name`` style strings, stable
between a design and its round trip.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .design import Design, Index, Table

__all__ = ["BASE_SQL", "CONSUMERS", "KINDS", "Kind", "kind", "kinds_markdown"]

CONSUMERS = ("model", "serde", "validate", "ddl", "introspect", "migrate", "diagram",
             "datagen", "docs")

# The base every example builds on: two related tables, and one without a primary key.
BASE_SQL = """\
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text
);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total numeric(12,2) NOT NULL DEFAULT 0,
    placed_at timestamptz NOT NULL DEFAULT now(),
    note text
);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE audit_log (
    id bigint NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    body text
);
"""

Finder = Callable[[Design], tuple[str, ...]]


@dataclass(frozen=True)
class Kind:
    """One kind of object. ``out_of_scope`` maps a consumer to why it does not handle the kind
    (every other consumer must); ``alter_down`` says why a migration cannot take the altered
    object back (PostgreSQL itself cannot), when that is so."""

    name: str
    example: str
    find: Finder
    fields: tuple[str, ...]             # "Class.field" of the model this kind covers
    alter: str | None = None
    out_of_scope: tuple[tuple[str, str], ...] = ()
    alter_down: str | None = None

    def handles(self, consumer: str) -> bool:
        if consumer not in CONSUMERS:
            raise ValueError(f"unknown consumer {consumer!r}; one of {', '.join(CONSUMERS)}")
        return consumer not in dict(self.out_of_scope)

    def reason(self, consumer: str) -> str | None:
        """Why ``consumer`` does not handle this kind; ``None`` when it does."""
        return dict(self.out_of_scope).get(consumer)


# -- finders -------------------------------------------------------------------------------
def _rel(schema: str, name: str) -> str:
    return f"{schema}.{name}"


def _tables(pred: Callable[[Table], object]) -> Finder:
    return lambda d: tuple(_rel(t.schema, t.name) for t in d.tables if pred(t))


def _per_table(items: Callable[[Table], Iterable[str]]) -> Finder:
    return lambda d: tuple(f"{_rel(t.schema, t.name)}.{x}" for t in d.tables for x in items(t))


def _indexes(pred: Callable[[Index], object]) -> Finder:
    return _per_table(lambda t: (i.name for i in t.indexes if pred(i)))


def _named(attr: str, pred: Callable[[object], object] = bool) -> Finder:
    return lambda d: tuple(_rel(x.schema, x.name) for x in getattr(d, attr) if pred(x))


def _commented(attr: str) -> Finder:
    return _named(attr, lambda x: x.comment is not None)


def _constraint_names(items: Callable[[Table], Iterable[object]]) -> Finder:
    return _per_table(lambda t: (str(getattr(c, "name", None) or "?") for c in items(t)))


def _no_dot(what: str) -> tuple[str, str]:
    return ("diagram", f"{what} is not drawn: an ER diagram shows tables, columns and "
                       f"relationships")


_INDEX_DOT = ("diagram", "the diagram marks the column that leads an index (IX); which "
                         "index it is, its INCLUDE columns and options are left to the DDL")

_VIEW = ("CREATE VIEW big_orders AS SELECT id, customer_id, total FROM orders "
         "WHERE total > 100;")
_MATVIEW = ("CREATE MATERIALIZED VIEW customer_totals AS SELECT customer_id, count(*) AS n, "
            "sum(total) AS total FROM orders GROUP BY customer_id;")
_FUNCTION = ("CREATE FUNCTION order_count(cid bigint) RETURNS bigint LANGUAGE sql STABLE "
             "AS $$ SELECT count(*) FROM orders WHERE customer_id = cid $$;")
_TRIGGER = ("CREATE FUNCTION orders_fill_note() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN NEW.note := coalesce(NEW.note, ''); RETURN NEW; END $$;\n"
            "CREATE TRIGGER orders_fill_note BEFORE INSERT ON orders FOR EACH ROW "
            "EXECUTE FUNCTION orders_fill_note();")
_ROLE = ("DO $$ BEGIN CREATE ROLE kinds_app NOLOGIN; "
         "EXCEPTION WHEN duplicate_object THEN NULL; END $$;")


KINDS: tuple[Kind, ...] = (
    # -- namespaces and what tables stand on --------------------------------------------
    Kind("schema", "CREATE SCHEMA billing;\n"
         "CREATE TABLE billing.invoices (id bigint PRIMARY KEY, "
         "order_id bigint NOT NULL REFERENCES public.orders (id));",
         lambda d: tuple(s.name for s in d.schemas), ("Design.schemas", "Schema.name"),
         out_of_scope=(("diagram", "drawn as the cluster of its tables; an empty schema has "
                                   "nothing to draw"),)),
    Kind("extension", "CREATE EXTENSION IF NOT EXISTS citext;\n"
         "ALTER TABLE customers ADD COLUMN handle citext;",
         lambda d: tuple(e.name for e in d.extensions),
         ("Design.extensions", "Extension.name", "Extension.schema"),
         out_of_scope=(_no_dot("an extension (its types show on the columns using them)"),)),
    Kind("role", _ROLE + "\nALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
         "CREATE POLICY orders_app ON orders TO kinds_app USING (true);",
         lambda d: d.roles, ("Design.roles",),
         out_of_scope=(_no_dot("a role"),)),
    Kind("enum", "CREATE TYPE order_status AS ENUM ('new', 'paid');\n"
         "ALTER TABLE orders ADD COLUMN status order_status;",
         _named("enums"), ("Design.enums", "EnumType.name", "EnumType.values",
                           "EnumType.schema"),
         alter="ALTER TYPE order_status ADD VALUE 'shipped';",
         alter_down="PostgreSQL cannot drop an enum value: removing one means rebuilding the "
                    "type and rewriting every column that uses it"),
    Kind("domain", "CREATE DOMAIN amount AS numeric(12,2) CONSTRAINT amount_nonneg "
         "CHECK (VALUE >= 0);\nALTER TABLE orders ADD COLUMN discount amount;",
         _named("domains"), ("Design.domains", "Domain.name", "Domain.type", "Domain.schema",
                             "Domain.collation"),
         alter="ALTER DOMAIN amount SET DEFAULT 0;\n"
               "ALTER DOMAIN amount ADD CONSTRAINT amount_max CHECK (VALUE < 1000000);",
         out_of_scope=(_no_dot("a domain (it shows as the type of the columns using it)"),)),
    Kind("domain check", "CREATE DOMAIN email_address AS text CONSTRAINT email_at "
         "CHECK (VALUE LIKE '%@%');",
         lambda d: tuple(f"{_rel(x.schema, x.name)}.{c.name}" for x in d.domains
                         for c in x.checks),
         ("Domain.checks", "DomainCheck.expression", "DomainCheck.name"),
         alter="ALTER DOMAIN email_address DROP CONSTRAINT email_at;\n"
               "ALTER DOMAIN email_address ADD CONSTRAINT email_at CHECK (VALUE LIKE '_%@_%');",
         out_of_scope=(_no_dot("a domain's CHECK"),)),
    Kind("domain default and not null", "CREATE DOMAIN flag AS boolean DEFAULT false "
         "NOT NULL;",
         _named("domains", lambda x: x.not_null or x.default is not None),
         ("Domain.not_null", "Domain.default"),
         alter="ALTER DOMAIN flag SET DEFAULT true;\nALTER DOMAIN flag DROP NOT NULL;",
         out_of_scope=(_no_dot("a domain's default"),)),
    Kind("composite type", "CREATE TYPE money_amount AS (amount numeric(12,2), "
         "currency char(3));",
         _named("composites"), ("Design.composites", "CompositeType.name",
                                "CompositeType.attributes", "CompositeType.schema"),
         alter="ALTER TYPE money_amount ADD ATTRIBUTE rate numeric;",
         out_of_scope=(_no_dot("a composite type"),)),
    Kind("sequence", "CREATE SEQUENCE invoice_numbers AS integer START WITH 1000 "
         "INCREMENT BY 10;",
         _named("sequences"), ("Design.sequences", "Sequence.name", "Sequence.schema",
                               "Sequence.data_type", "Sequence.start", "Sequence.increment",
                               "Sequence.min_value", "Sequence.max_value", "Sequence.cache",
                               "Sequence.cycle"),
         alter="ALTER SEQUENCE invoice_numbers INCREMENT BY 5 MAXVALUE 999999 CACHE 20 CYCLE;",
         out_of_scope=(_no_dot("a sequence"),)),
    Kind("sequence owned by a column", "ALTER TABLE audit_log ADD COLUMN seq serial;",
         _named("sequences", lambda s: s.owned_by), ("Sequence.owned_by",),
         out_of_scope=(("diagram", "shows as the column's default (nextval)"),)),
    # -- tables and columns -----------------------------------------------------------------
    Kind("table", "CREATE TABLE tags (id integer PRIMARY KEY, label text NOT NULL);",
         _tables(lambda t: True), ("Design.tables", "Table.name", "Table.schema",
                                   "Table.columns")),
    Kind("column", "ALTER TABLE orders ADD COLUMN coupon text;",
         _per_table(lambda t: (c.name for c in t.columns)),
         ("Column.name", "Column.type", "Column.nullable", "Column.default"),
         alter="ALTER TABLE orders ALTER COLUMN coupon SET DEFAULT 'none', "
               "ALTER COLUMN coupon SET NOT NULL;"),
    Kind("identity column", "ALTER TABLE audit_log ADD COLUMN seq bigint "
         "GENERATED BY DEFAULT AS IDENTITY;",
         _per_table(lambda t: (c.name for c in t.columns if c.identity)), ("Column.identity",)),
    Kind("generated column", "ALTER TABLE orders ADD COLUMN total_cents bigint "
         "GENERATED ALWAYS AS ((total * 100)::bigint) STORED;",
         _per_table(lambda t: (c.name for c in t.columns if c.generated)),
         ("Column.generated", "Column.generated_kind")),
    Kind("column collation", 'ALTER TABLE customers ADD COLUMN sort_name text COLLATE "C";',
         _per_table(lambda t: (c.name for c in t.columns if c.collation)),
         ("Column.collation",)),
    Kind("unlogged table", "CREATE UNLOGGED TABLE cache_entries (k text PRIMARY KEY, "
         "v jsonb);",
         _tables(lambda t: t.unlogged), ("Table.unlogged",),
         alter="ALTER TABLE cache_entries SET LOGGED;",
         out_of_scope=(_no_dot("persistence"),)),
    Kind("table options", "ALTER TABLE orders SET (fillfactor = 80, "
         "autovacuum_vacuum_scale_factor = 0.05);",
         _tables(lambda t: t.options), ("Table.options",),
         alter="ALTER TABLE orders RESET (fillfactor);",
         out_of_scope=(_no_dot("a storage parameter"),)),
    # -- constraints ------------------------------------------------------------------------
    Kind("primary key", "ALTER TABLE audit_log ADD PRIMARY KEY (id);",
         _tables(lambda t: t.primary_key),
         ("Table.primary_key", "PrimaryKey.columns", "PrimaryKey.name", "PrimaryKey.include",
          "PrimaryKey.deferrable", "PrimaryKey.initially_deferred")),
    Kind("unique constraint", "ALTER TABLE orders ADD CONSTRAINT orders_customer_order_key "
         "UNIQUE (customer_id, id);",
         _constraint_names(lambda t: t.uniques),
         ("Table.uniques", "Unique.columns", "Unique.name", "Unique.nulls_not_distinct",
          "Unique.include", "Unique.deferrable", "Unique.initially_deferred"),
         alter="ALTER TABLE orders DROP CONSTRAINT orders_customer_order_key, "
               "ADD CONSTRAINT orders_customer_order_key UNIQUE NULLS NOT DISTINCT "
               "(customer_id, id) INCLUDE (total);"),
    Kind("check constraint", "ALTER TABLE orders ADD CONSTRAINT orders_note_len "
         "CHECK (length(note) < 100000);",
         _constraint_names(lambda t: t.checks),
         ("Table.checks", "Check.expression", "Check.name", "Check.no_inherit"),
         alter="ALTER TABLE orders DROP CONSTRAINT orders_note_len, "
               "ADD CONSTRAINT orders_note_len CHECK (length(note) < 200000);",
         out_of_scope=(_no_dot("a CHECK constraint"),)),
    Kind("foreign key", "ALTER TABLE audit_log ADD COLUMN customer_id bigint "
         "CONSTRAINT audit_log_customer_fk REFERENCES customers (id) ON DELETE SET NULL;",
         _constraint_names(lambda t: t.foreign_keys),
         ("Table.foreign_keys", "ForeignKey.columns", "ForeignKey.ref_table",
          "ForeignKey.ref_columns", "ForeignKey.ref_schema", "ForeignKey.name",
          "ForeignKey.on_delete", "ForeignKey.on_update", "ForeignKey.match",
          "ForeignKey.deferrable", "ForeignKey.initially_deferred"),
         alter="ALTER TABLE audit_log DROP CONSTRAINT audit_log_customer_fk, "
               "ADD CONSTRAINT audit_log_customer_fk FOREIGN KEY (customer_id) "
               "REFERENCES customers (id) ON DELETE CASCADE DEFERRABLE;"),
    Kind("exclusion constraint", "ALTER TABLE orders ADD COLUMN slot tstzrange, "
         "ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (slot WITH &&);",
         _constraint_names(lambda t: t.exclusions),
         ("Table.exclusions", "Exclusion.elements", "Exclusion.name", "Exclusion.using",
          "Exclusion.include", "Exclusion.where", "Exclusion.deferrable",
          "Exclusion.initially_deferred", "ExclusionElement.expression",
          "ExclusionElement.operator", "ExclusionElement.opclass"),
         alter="ALTER TABLE orders DROP CONSTRAINT orders_no_overlap, "
               "ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (slot WITH &&) "
               "WHERE (note IS NULL);",
         out_of_scope=(_no_dot("an exclusion constraint"),)),
    # -- indexes ----------------------------------------------------------------------------
    Kind("index", "CREATE INDEX orders_placed_at_idx ON orders (placed_at DESC NULLS LAST);",
         _indexes(lambda i: True),
         ("Table.indexes", "Index.name", "Index.keys", "Index.unique", "IndexKey.column",
          "IndexKey.descending", "IndexKey.nulls_first"),
         alter="DROP INDEX orders_placed_at_idx;\n"
               "CREATE INDEX orders_placed_at_idx ON orders (placed_at, total);"),
    Kind("index method", "CREATE INDEX orders_placed_brin ON orders USING brin (placed_at);",
         _indexes(lambda i: i.method != "btree"), ("Index.method",)),
    Kind("partial index", "CREATE INDEX orders_open_idx ON orders (placed_at) "
         "WHERE note IS NULL;",
         _indexes(lambda i: i.where), ("Index.where",)),
    Kind("covering index", "CREATE INDEX orders_customer_cover ON orders (customer_id) "
         "INCLUDE (total);",
         _indexes(lambda i: i.include), ("Index.include",),
         out_of_scope=(_INDEX_DOT,)),
    Kind("expression index", "CREATE UNIQUE INDEX customers_lower_email ON customers "
         "(lower(email), id);",
         _indexes(lambda i: any(k.expression for k in i.keys)), ("IndexKey.expression",),
         out_of_scope=(("diagram", "an expression key has no column row to mark; the "
                                   "diagram marks columns that lead an index (IX)"),)),
    Kind("index opclass", "CREATE INDEX customers_email_pattern ON customers "
         "(email text_pattern_ops);",
         _indexes(lambda i: any(k.opclass for k in i.keys)), ("IndexKey.opclass",)),
    Kind("index collation", 'CREATE INDEX customers_name_c ON customers (name COLLATE "C");',
         _indexes(lambda i: any(k.collation for k in i.keys)), ("IndexKey.collation",)),
    Kind("index options", "CREATE UNIQUE INDEX orders_id_ff ON orders (id) NULLS NOT DISTINCT "
         "WITH (fillfactor = 70);",
         _indexes(lambda i: i.options or i.nulls_not_distinct),
         ("Index.options", "Index.nulls_not_distinct"), out_of_scope=(_INDEX_DOT,),
         alter="ALTER INDEX orders_id_ff SET (fillfactor = 60);"),
    # -- partitioning -----------------------------------------------------------------------
    Kind("partitioned table", "CREATE TABLE events (id bigint NOT NULL, at timestamptz "
         "NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);",
         _tables(lambda t: t.partition_by),
         ("Table.partition_by", "PartitionBy.strategy", "PartitionBy.keys")),
    Kind("partition", "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL, "
         "PRIMARY KEY (id, at)) PARTITION BY RANGE (at);\n"
         "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') "
         "TO ('2026-01-01');\n"
         "CREATE TABLE events_other PARTITION OF events DEFAULT;",
         _tables(lambda t: t.partition_of), ("Table.partition_of", "Table.partition_bound"),
         alter="ALTER TABLE events DETACH PARTITION events_2025;\n"
               "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES "
               "FROM ('2024-01-01') TO ('2026-01-01');"),
    # -- row-level security -----------------------------------------------------------------
    Kind("row-level security", "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;",
         _tables(lambda t: t.rls_enabled or t.rls_forced),
         ("Table.rls_enabled", "Table.rls_forced"),
         alter="ALTER TABLE orders FORCE ROW LEVEL SECURITY;",
         out_of_scope=(_no_dot("a row-level security flag"),)),
    Kind("policy", "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
         "CREATE POLICY orders_positive ON orders USING (total >= 0);",
         _per_table(lambda t: (p.name for p in t.policies)),
         ("Table.policies", "Policy.name", "Policy.command", "Policy.permissive",
          "Policy.roles", "Policy.using", "Policy.with_check"),
         alter="ALTER POLICY orders_positive ON orders USING (total >= 0 AND note IS NULL);",
         out_of_scope=(_no_dot("a policy"),)),
    # -- views and routines -----------------------------------------------------------------
    Kind("view", _VIEW, _named("views", lambda v: not v.materialized),
         ("Design.views", "View.name", "View.query", "View.schema"),
         alter="CREATE OR REPLACE VIEW big_orders AS SELECT id, customer_id, total, "
               "placed_at FROM orders WHERE total > 100;"),
    Kind("view options", "CREATE VIEW open_orders WITH (security_barrier = true) AS "
         "SELECT id, note FROM orders WHERE note IS NULL WITH LOCAL CHECK OPTION;",
         _named("views", lambda v: v.options or v.check_option),
         ("View.options", "View.check_option"),
         alter="ALTER VIEW open_orders SET (security_invoker = true);"),
    Kind("materialized view", _MATVIEW, _named("views", lambda v: v.materialized),
         ("View.materialized",),
         alter="DROP MATERIALIZED VIEW customer_totals;\n"
               + _MATVIEW.replace("count(*) AS n", "count(*) AS n, max(placed_at) AS last")),
    Kind("materialized view index", _MATVIEW + "\nCREATE UNIQUE INDEX customer_totals_key "
         "ON customer_totals (customer_id);",
         lambda d: tuple(f"{_rel(v.schema, v.name)}.{i.name}" for v in d.views
                         for i in v.indexes), ("View.indexes",),
         out_of_scope=(_no_dot("a materialized view's index"),)),
    Kind("function", _FUNCTION,
         lambda d: tuple(f"{_rel(r.schema, r.name)}({r.signature})" for r in d.routines
                         if r.kind == "function"),
         ("Design.routines", "Routine.name", "Routine.signature", "Routine.definition",
          "Routine.schema"),
         alter=_FUNCTION.replace("CREATE", "CREATE OR REPLACE").replace("count(*)",
                                                                        "count(*) + 0"),
         out_of_scope=(_no_dot("a function"),)),
    Kind("procedure", "CREATE PROCEDURE clear_notes(before timestamptz) LANGUAGE sql AS "
         "$$ UPDATE orders SET note = NULL WHERE placed_at < before $$;",
         lambda d: tuple(f"{_rel(r.schema, r.name)}({r.signature})" for r in d.routines
                         if r.kind == "procedure"), ("Routine.kind",),
         out_of_scope=(_no_dot("a procedure"),)),
    Kind("aggregate", "CREATE AGGREGATE concat_all(text) (SFUNC = textcat, STYPE = text, "
         "INITCOND = '');",
         lambda d: tuple(f"{_rel(r.schema, r.name)}({r.signature})" for r in d.routines
                         if r.kind == "aggregate"), ("Routine.kind",),
         alter="DROP AGGREGATE concat_all(text);\nCREATE AGGREGATE concat_all(text) "
               "(SFUNC = textcat, STYPE = text, INITCOND = '-');",
         out_of_scope=(_no_dot("an aggregate"),)),
    Kind("trigger", _TRIGGER,
         lambda d: tuple(f"{_rel(t.schema, t.table)}.{t.name}" for t in d.triggers),
         ("Design.triggers", "Trigger.name", "Trigger.table", "Trigger.definition",
          "Trigger.schema", "Trigger.enabled"),
         alter="ALTER TABLE orders DISABLE TRIGGER orders_fill_note;",
         out_of_scope=(_no_dot("a trigger"),)),
    # -- comments ---------------------------------------------------------------------------
    Kind("comment on table", "COMMENT ON TABLE orders IS 'one row per order';",
         _tables(lambda t: t.comment is not None), ("Table.comment",),
         alter="COMMENT ON TABLE orders IS 'one row per placed order';"),
    Kind("comment on column", "COMMENT ON COLUMN orders.total IS 'in euros';",
         _per_table(lambda t: (c.name for c in t.columns if c.comment is not None)),
         ("Column.comment",), out_of_scope=(
             ("diagram", "boxes keep one line per column (name, type, markers); comments "
                         "are in DESIGN.md"),),
         alter="COMMENT ON COLUMN orders.total IS NULL;\n"
                                    "COMMENT ON COLUMN orders.note IS 'free text';"),
    Kind("comment on index", "COMMENT ON INDEX orders_customer_id_idx IS 'for the FK';",
         _indexes(lambda i: i.comment is not None), ("Index.comment",),
         alter="COMMENT ON INDEX orders_customer_id_idx IS 'serves the foreign key';",
         out_of_scope=(_no_dot("an index comment"),)),
    Kind("comment on view", _VIEW + "\nCOMMENT ON VIEW big_orders IS 'over 100';\n"
         "COMMENT ON COLUMN big_orders.total IS 'in euros';",
         lambda d: tuple(_rel(v.schema, v.name) for v in d.views
                         if v.comment is not None or v.column_comments),
         ("View.comment", "View.column_comments"),
         alter="COMMENT ON VIEW big_orders IS 'orders over 100';"),
    Kind("comment on type", "CREATE TYPE order_status AS ENUM ('new', 'paid');\n"
         "COMMENT ON TYPE order_status IS 'lifecycle';\n"
         "CREATE DOMAIN amount AS numeric(12,2);\nCOMMENT ON DOMAIN amount IS 'money';\n"
         "CREATE TYPE money_amount AS (amount numeric(12,2), currency char(3));\n"
         "COMMENT ON TYPE money_amount IS 'amount and currency';",
         lambda d: (*_commented("enums")(d), *_commented("domains")(d),
                    *_commented("composites")(d)),
         ("EnumType.comment", "Domain.comment", "CompositeType.comment"),
         alter="COMMENT ON TYPE order_status IS 'order lifecycle';\n"
               "COMMENT ON DOMAIN amount IS NULL;",
         out_of_scope=(_no_dot("a type comment"),)),
    Kind("comment on sequence", "CREATE SEQUENCE invoice_numbers;\n"
         "COMMENT ON SEQUENCE invoice_numbers IS 'gapless enough';",
         _commented("sequences"), ("Sequence.comment",),
         alter="COMMENT ON SEQUENCE invoice_numbers IS 'invoice numbers';",
         out_of_scope=(_no_dot("a sequence comment"),)),
    Kind("comment on schema", "CREATE SCHEMA billing;\nCOMMENT ON SCHEMA billing IS 'money';",
         lambda d: tuple(s.name for s in d.schemas if s.comment is not None),
         ("Schema.comment",), alter="COMMENT ON SCHEMA billing IS 'money matters';",
         out_of_scope=(_no_dot("a schema comment"),)),
    Kind("comment on routine", _FUNCTION + "\nCOMMENT ON FUNCTION order_count(bigint) IS "
         "'orders of a customer';",
         lambda d: tuple(f"{_rel(r.schema, r.name)}({r.signature})" for r in d.routines
                         if r.comment is not None), ("Routine.comment",),
         alter="COMMENT ON FUNCTION order_count(bigint) IS 'how many orders';",
         out_of_scope=(_no_dot("a routine comment"),)),
    Kind("comment on trigger", _TRIGGER + "\nCOMMENT ON TRIGGER orders_fill_note ON orders "
         "IS 'never NULL';",
         lambda d: tuple(f"{_rel(t.schema, t.table)}.{t.name}" for t in d.triggers
                         if t.comment is not None), ("Trigger.comment",),
         alter="COMMENT ON TRIGGER orders_fill_note ON orders IS 'note is never NULL';",
         out_of_scope=(_no_dot("a trigger comment"),)),
    # -- collations, text search, ranges, casts, rules --------------------------------------
    Kind("collation", "CREATE COLLATION posix_c (provider = libc, locale = 'C');\n"
         "ALTER TABLE customers ADD COLUMN sort_name text COLLATE posix_c;",
         _named("collations"),
         ("Design.collations", "Collation.name", "Collation.schema", "Collation.provider",
          "Collation.locale", "Collation.lc_collate", "Collation.lc_ctype",
          "Collation.deterministic", "Collation.rules", "Collation.comment"),
         alter="COMMENT ON COLLATION posix_c IS 'byte order';",
         out_of_scope=(_no_dot("a collation (it shows as the columns' type)"),)),
    Kind("range type", "CREATE TYPE uuidrange AS RANGE (subtype = uuid);\n"
         "ALTER TABLE orders ADD COLUMN batch uuidrange;",
         _named("ranges"),
         ("Design.ranges", "RangeType.name", "RangeType.subtype", "RangeType.schema",
          "RangeType.subtype_opclass", "RangeType.collation", "RangeType.canonical",
          "RangeType.subtype_diff", "RangeType.multirange", "RangeType.comment"),
         alter="COMMENT ON TYPE uuidrange IS 'blocks of ids';",
         out_of_scope=(_no_dot("a range type (it shows as the columns' type)"),)),
    Kind("text search dictionary", "CREATE TEXT SEARCH DICTIONARY english_nostop "
         "(TEMPLATE = snowball, language = english);",
         _named("text_search_dictionaries"),
         ("Design.text_search_dictionaries", "TextSearchDictionary.name",
          "TextSearchDictionary.template", "TextSearchDictionary.schema",
          "TextSearchDictionary.options", "TextSearchDictionary.comment"),
         alter="COMMENT ON TEXT SEARCH DICTIONARY english_nostop IS 'keeps stop words';",
         out_of_scope=(_no_dot("a text search dictionary"),)),
    Kind("text search configuration", "CREATE TEXT SEARCH CONFIGURATION fold "
         "(PARSER = pg_catalog.\"default\");\n"
         "ALTER TEXT SEARCH CONFIGURATION fold ADD MAPPING FOR asciiword, word WITH simple;",
         _named("text_search_configurations"),
         ("Design.text_search_configurations", "TextSearchConfiguration.name",
          "TextSearchConfiguration.parser", "TextSearchConfiguration.schema",
          "TextSearchConfiguration.mappings", "TextSearchConfiguration.comment"),
         alter="ALTER TEXT SEARCH CONFIGURATION fold ADD MAPPING FOR numword WITH simple;",
         out_of_scope=(_no_dot("a text search configuration"),)),
    Kind("cast", "CREATE TYPE placement AS ENUM ('club', 'daycare');\n"
         "CREATE TYPE study AS ENUM ('club', 'daycare');\n"
         "CREATE CAST (study AS placement) WITH INOUT;",
         lambda d: tuple(f"{c.source}->{c.target}" for c in d.casts),
         ("Design.casts", "Cast.source", "Cast.target", "Cast.method", "Cast.function",
          "Cast.signature", "Cast.context", "Cast.comment"),
         alter="COMMENT ON CAST (study AS placement) IS 'by name';",
         out_of_scope=(_no_dot("a cast"),)),
    Kind("rule", "CREATE TABLE orders_archive (id bigint, total numeric(12,2));\n"
         "CREATE RULE keep_archive AS ON DELETE TO orders_archive DO INSTEAD NOTHING;",
         lambda d: tuple(f"{_rel(r.schema, r.table)}.{r.name}" for r in d.rules),
         ("Design.rules", "Rule.name", "Rule.table", "Rule.definition", "Rule.schema",
          "Rule.enabled", "Rule.comment"),
         alter="ALTER TABLE orders_archive DISABLE RULE keep_archive;",
         out_of_scope=(_no_dot("a rule"),)),
    # -- privileges and owners (design roles only: see model/privileges.py) ----------------
    Kind("grant", _ROLE + "\nGRANT SELECT ON orders TO kinds_app;\n"
         "GRANT SELECT (id, email) ON customers TO kinds_app;",
         lambda d: tuple(f"{g.kind} {_rel(g.schema, g.name)} {g.grantee}" for g in d.grants),
         ("Design.grants", "Grant.kind", "Grant.name", "Grant.grantee", "Grant.privileges",
          "Grant.schema", "Grant.signature", "Grant.column", "Grant.grant_option",
          "Grant.revoke"),
         alter="GRANT INSERT ON orders TO kinds_app;",
         out_of_scope=(_no_dot("a privilege"),)),
    Kind("default privilege", _ROLE + "\nALTER DEFAULT PRIVILEGES IN SCHEMA public "
         "GRANT SELECT ON TABLES TO kinds_app;",
         lambda d: tuple(f"{p.objects} {p.schema} {p.grantee}" for p in d.default_privileges),
         ("Design.default_privileges", "DefaultPrivilege.objects", "DefaultPrivilege.grantee",
          "DefaultPrivilege.privileges", "DefaultPrivilege.role", "DefaultPrivilege.schema",
          "DefaultPrivilege.grant_option", "DefaultPrivilege.revoke"),
         alter="ALTER DEFAULT PRIVILEGES IN SCHEMA public "
               "GRANT INSERT ON TABLES TO kinds_app;",
         out_of_scope=(_no_dot("a default privilege"),)),
    Kind("owner", _ROLE + "\nCREATE VIEW order_ids AS SELECT id FROM orders;\n"
         "ALTER VIEW order_ids OWNER TO kinds_app;",
         lambda d: tuple(f"{o.kind} {_rel(o.schema, o.name)} {o.role}" for o in d.owners),
         ("Design.owners", "Owner.kind", "Owner.name", "Owner.role", "Owner.schema",
          "Owner.signature"),
         out_of_scope=(_no_dot("an owner"),
                       ("datagen", "a load leaves ownership out: the kit's unprivileged "
                                   "runner must keep owning every object in its sandbox"))),
    # -- details of columns, constraints and tables (issue 16: what imports used to lose) -
    Kind("constraint NOT VALID", "ALTER TABLE orders ADD CONSTRAINT orders_total_nonneg "
         "CHECK (total >= 0) NOT VALID;\nALTER TABLE audit_log ADD COLUMN order_id bigint;\n"
         "ALTER TABLE audit_log ADD CONSTRAINT audit_log_order_fk FOREIGN KEY (order_id) "
         "REFERENCES orders (id) NOT VALID;",
         _per_table(lambda t: (c.name or "?" for c in (*t.checks, *t.foreign_keys)
                               if c.not_valid)),
         ("Check.not_valid", "ForeignKey.not_valid"),
         alter="ALTER TABLE orders VALIDATE CONSTRAINT orders_total_nonneg;",
         out_of_scope=(_no_dot("NOT VALID"),)),
    Kind("constraint NOT ENFORCED", "ALTER TABLE orders ADD CONSTRAINT orders_total_cap "
         "CHECK (total < 1000000) NOT ENFORCED;\n"
         "ALTER TABLE audit_log ADD COLUMN order_id bigint CONSTRAINT audit_log_order_fk "
         "REFERENCES orders (id) NOT ENFORCED;",
         _per_table(lambda t: (c.name or "?" for c in (*t.checks, *t.foreign_keys)
                               if not c.enforced)),
         ("Check.enforced", "ForeignKey.enforced"),
         alter="ALTER TABLE audit_log ALTER CONSTRAINT audit_log_order_fk ENFORCED;",
         out_of_scope=(_no_dot("NOT ENFORCED"),)),
    Kind("domain check NOT VALID", "CREATE DOMAIN positive AS integer;\n"
         "ALTER DOMAIN positive ADD CONSTRAINT positive_gt0 CHECK (VALUE > 0) NOT VALID;\n"
         "COMMENT ON CONSTRAINT positive_gt0 ON DOMAIN positive IS 'above zero';",
         lambda d: tuple(f"{_rel(x.schema, x.name)}.{c.name}" for x in d.domains
                         for c in x.checks if c.not_valid or c.comment is not None),
         ("DomainCheck.not_valid", "DomainCheck.comment"),
         alter="ALTER DOMAIN positive VALIDATE CONSTRAINT positive_gt0;\n"
               "COMMENT ON CONSTRAINT positive_gt0 ON DOMAIN positive IS 'strictly positive';",
         out_of_scope=(_no_dot("a domain's CHECK"),)),
    Kind("identity sequence options", "ALTER TABLE audit_log ADD COLUMN seq bigint "
         "GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME audit_log_numbers START WITH 100 "
         "INCREMENT BY 5 CACHE 10);\nCOMMENT ON SEQUENCE audit_log_numbers IS 'entry numbers';",
         _per_table(lambda t: (c.name for c in t.columns if c.identity_options)),
         ("Column.identity_options", "IdentityOptions.sequence", "IdentityOptions.start",
          "IdentityOptions.increment", "IdentityOptions.min_value",
          "IdentityOptions.max_value", "IdentityOptions.cache", "IdentityOptions.cycle",
          "IdentityOptions.comment"),
         alter="ALTER TABLE audit_log ALTER COLUMN seq SET INCREMENT BY 10 SET MAXVALUE "
               "1000000 SET CYCLE;\nALTER SEQUENCE audit_log_numbers RENAME TO audit_log_no;",
         out_of_scope=(("diagram", "shows as the identity column; its sequence's options "
                                   "are left to the DDL"),)),
    Kind("not-null constraint", "ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web' "
         "CONSTRAINT orders_channel_required NOT NULL;\n"
         "ALTER TABLE orders ADD COLUMN source text DEFAULT 'app' NOT NULL NO INHERIT;\n"
         "ALTER TABLE orders ADD COLUMN ref text;\n"
         "ALTER TABLE orders ADD CONSTRAINT orders_ref_nn NOT NULL ref NOT VALID;\n"
         "COMMENT ON CONSTRAINT orders_channel_required ON orders IS 'every order has one';",
         _per_table(lambda t: (c.name for c in t.columns if c.not_null_name
                               or c.not_null_no_inherit or c.not_null_not_valid
                               or c.not_null_comment)),
         ("Column.not_null_name", "Column.not_null_no_inherit", "Column.not_null_not_valid",
          "Column.not_null_comment"),
         alter="ALTER TABLE orders RENAME CONSTRAINT orders_channel_required TO "
               "orders_channel_nn;\n"
               "COMMENT ON CONSTRAINT orders_channel_nn ON orders IS 'one per order';",
         out_of_scope=(("diagram", "the diagram marks NOT NULL on the column; the "
                                   "constraint's name and flags are left to the DDL"),)),
    Kind("comment on constraint", "ALTER TABLE customers ADD CONSTRAINT customers_email_key "
         "UNIQUE (email);\nALTER TABLE orders ADD CONSTRAINT orders_total_nonneg "
         "CHECK (total >= 0);\n"
         "ALTER TABLE orders ADD COLUMN slot tstzrange, ADD CONSTRAINT orders_no_overlap "
         "EXCLUDE USING gist (slot WITH &&);\n"
         "COMMENT ON CONSTRAINT orders_pkey ON orders IS 'the key';\n"
         "COMMENT ON CONSTRAINT orders_customer_id_fkey ON orders IS 'its customer';\n"
         "COMMENT ON CONSTRAINT customers_email_key ON customers IS 'one account per address';\n"
         "COMMENT ON CONSTRAINT orders_total_nonneg ON orders IS 'no negative totals';\n"
         "COMMENT ON CONSTRAINT orders_no_overlap ON orders IS 'one slot at a time';",
         _per_table(lambda t: (c.name or "?" for c in (
             *([t.primary_key] if t.primary_key else []), *t.uniques, *t.checks,
             *t.exclusions, *t.foreign_keys) if c.comment is not None)),
         ("PrimaryKey.comment", "Unique.comment", "Check.comment", "Exclusion.comment",
          "ForeignKey.comment"),
         alter="COMMENT ON CONSTRAINT orders_pkey ON orders IS 'the order key';\n"
               "COMMENT ON CONSTRAINT customers_email_key ON customers IS NULL;",
         out_of_scope=(_no_dot("a constraint comment"),)),
    Kind("comment on policy", "ALTER TABLE orders ENABLE ROW LEVEL SECURITY;\n"
         "CREATE POLICY orders_positive ON orders USING (total >= 0);\n"
         "COMMENT ON POLICY orders_positive ON orders IS 'no refunds here';",
         _per_table(lambda t: (p.name for p in t.policies if p.comment is not None)),
         ("Policy.comment",),
         alter="COMMENT ON POLICY orders_positive ON orders IS 'refunds elsewhere';",
         out_of_scope=(_no_dot("a policy comment"),)),
    Kind("comment on composite attribute", "CREATE TYPE money_amount AS "
         "(amount numeric(12,2), currency char(3));\n"
         "COMMENT ON COLUMN money_amount.currency IS 'ISO 4217';",
         _named("composites", lambda c: c.attribute_comments),
         ("CompositeType.attribute_comments",),
         alter="COMMENT ON COLUMN money_amount.currency IS 'ISO 4217 code';",
         out_of_scope=(_no_dot("a composite type"),)),
    Kind("comment on extension", "CREATE EXTENSION IF NOT EXISTS citext;\n"
         "COMMENT ON EXTENSION citext IS 'case-insensitive e-mail addresses';",
         lambda d: tuple(e.name for e in d.extensions if e.comment is not None),
         ("Extension.comment",),
         alter="COMMENT ON EXTENSION citext IS 'case-insensitive text';",
         out_of_scope=(_no_dot("an extension"),)),
    Kind("column storage and statistics", "ALTER TABLE orders ALTER COLUMN note SET STORAGE "
         "EXTERNAL, ALTER COLUMN note SET COMPRESSION pglz, ALTER COLUMN total SET "
         "STATISTICS 500, ALTER COLUMN customer_id SET (n_distinct = -0.1);",
         _per_table(lambda t: (c.name for c in t.columns if c.storage or c.compression
                               or c.statistics is not None or c.options)),
         ("Column.storage", "Column.compression", "Column.statistics", "Column.options"),
         alter="ALTER TABLE orders ALTER COLUMN note SET STORAGE MAIN, ALTER COLUMN total "
               "SET STATISTICS 100, ALTER COLUMN customer_id RESET (n_distinct);",
         out_of_scope=(_no_dot("a column's storage setting"),)),
    Kind("index statistics", "CREATE INDEX customers_lower_name ON customers (lower(name));\n"
         "ALTER INDEX customers_lower_name ALTER COLUMN 1 SET STATISTICS 250;",
         _indexes(lambda i: any(k.statistics is not None for k in i.keys)),
         ("IndexKey.statistics",),
         alter="ALTER INDEX customers_lower_name ALTER COLUMN 1 SET STATISTICS 300;",
         out_of_scope=(("diagram", "an expression key has no column row to mark; its "
                                   "statistics target is left to the DDL"),)),
    Kind("temporal key", "CREATE EXTENSION IF NOT EXISTS btree_gist;\n"
         "CREATE TABLE rooms (id integer, valid tstzrange, "
         "PRIMARY KEY (id, valid WITHOUT OVERLAPS));\n"
         "CREATE TABLE bookings (room_id integer, valid tstzrange, "
         "CONSTRAINT bookings_room_fk FOREIGN KEY (room_id, PERIOD valid) "
         "REFERENCES rooms (id, PERIOD valid), "
         "CONSTRAINT bookings_once UNIQUE (room_id, valid WITHOUT OVERLAPS));",
         _per_table(lambda t: (c.name or "?" for c in (
             *([t.primary_key] if t.primary_key else []), *t.uniques, *t.foreign_keys)
             if getattr(c, "without_overlaps", False) or getattr(c, "period", False))),
         ("PrimaryKey.without_overlaps", "Unique.without_overlaps", "ForeignKey.period"),
         out_of_scope=(("datagen", "a PERIOD foreign key needs each row's range inside its "
                                   "referenced rows' ranges: the generator does not draw "
                                   "ranges that way yet"),)),
    Kind("table inheritance", "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY "
         "PRIMARY KEY, body text NOT NULL);\n"
         "CREATE TABLE order_notes (order_id bigint REFERENCES orders (id)) INHERITS (notes);",
         _tables(lambda t: t.inherits),
         ("Table.inherits", "TableRef.name", "TableRef.schema", "Column.inherited"),
         alter="ALTER TABLE order_notes ALTER COLUMN body SET DEFAULT '(none)';"),
    Kind("partition in another schema", "CREATE SCHEMA archive;\n"
         "CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL) "
         "PARTITION BY RANGE (at);\n"
         "CREATE TABLE archive.events_2024 PARTITION OF events FOR VALUES "
         "FROM ('2024-01-01') TO ('2025-01-01');\n"
         "CREATE TABLE events_rest PARTITION OF events DEFAULT;",
         _tables(lambda t: t.partition_of_schema), ("Table.partition_of_schema",),
         out_of_scope=(("diagram", "partitions are folded into their parent's box"),)),
)

_BY_NAME = {k.name: k for k in KINDS}
if len(_BY_NAME) != len(KINDS):  # pragma: no cover - a duplicate entry is a programming error
    raise RuntimeError("two kinds share a name")


def kind(name: str) -> Kind:
    """The kind called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no kind {name!r}; kinds: {', '.join(_BY_NAME)}") from None


def kinds_markdown() -> str:
    """The README's table of kinds: the model fields each covers, and which consumers leave it
    out and why (every other consumer handles it, and tests/test_kinds.py checks that)."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")
    rows = ["| kind | model fields | not handled by |", "|---|---|---|"]
    for k in KINDS:
        fields = ", ".join(f"`{f}`" for f in k.fields)
        gaps = "; ".join(f"**{c}**: {r}" for c, r in k.out_of_scope) or "—"
        rows.append(f"| {cell(k.name)} | {cell(fields)} | {cell(gaps)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m pgarch_kit.model.kinds: the README's table
    print(kinds_markdown(), end="")
