"""Precision of the index, key and relationship rules (issue 17): each false-positive class
found on real schemas, rebuilt on a small schema of our own, and the promise that a
suggested fix keeps what the design relies on — foreign keys served, query patterns'
lookups and ORDER BY intact, uniqueness kept — checked by applying the fixes on a server.
"""
from __future__ import annotations

import re

import psycopg
import yaml

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design


def _design(tables: list[dict], queries: list[dict] | None = None, **extra):
    doc = {"name": "p", "tables": tables, **extra}
    if queries:
        doc["queries"] = queries
    return loads_design(yaml.safe_dump(doc, sort_keys=False), check=False)


def _found(design, rule: str):
    return [f for f in lint(design, select=[rule], ignore=[]).findings if f.rule == rule]


def _col(name: str, type_: str = "bigint", **kw) -> dict:
    return {"name": name, "type": type_, **kw}


ID = _col("id", identity="always")

# ---------------------------------------------------------------- tenant-key-not-leading

TENANTS = {"name": "organizations", "columns": [_col("id", "uuid", nullable=False)],
           "primary_key": ["id"]}


def _tenant_table(**kw) -> dict:
    base = {"name": "projects",
            "columns": [ID, _col("organization_id", "uuid", nullable=False),
                        _col("owner_id", nullable=False), _col("slug", "text", nullable=False),
                        _col("invite_token", "text")],
            "primary_key": ["id"],
            "foreign_keys": [
                {"columns": ["organization_id"],
                 "references": {"table": "organizations", "columns": ["id"]}},
                {"columns": ["owner_id"], "references": {"table": "owners", "columns": ["id"]}}]}
    base.update(kw)
    return base


OWNERS = {"name": "owners", "columns": [ID], "primary_key": ["id"]}


def test_tenant_rule_never_touches_an_index_a_foreign_key_needs() -> None:
    """(owner_id) serves the owner FK; (owner_id, organization_id) is unique per tenant
    already: neither is reordered or dropped, nor a token's global uniqueness."""
    t = _tenant_table(indexes=[{"name": "projects_owner", "keys": ["owner_id"]},
                               {"name": "projects_owner_org", "keys": ["owner_id",
                                                                       "organization_id"],
                                "unique": True}],
                      uniques=[{"columns": ["invite_token"]}])
    assert _found(_design([TENANTS, OWNERS, t]), "tenant-key-not-leading") == []


def test_tenant_rule_reports_a_global_natural_key_without_dropping_others() -> None:
    t = _tenant_table(uniques=[{"name": "projects_slug_key", "columns": ["slug"]}],
                      indexes=[{"name": "projects_owner", "keys": ["owner_id"]}],
                      intent={"tenant_key": "organization_id"})
    [f] = _found(_design([TENANTS, OWNERS, t]), "tenant-key-not-leading")
    assert f.severity == "warning" and "projects_slug_key" in f.message
    assert "ADD UNIQUE (organization_id, slug)" in f.fix and "projects_owner" not in f.fix
    t["intent"] = {}
    [f] = _found(_design([TENANTS, OWNERS, t]), "tenant-key-not-leading")
    assert f.severity == "info" and "inferred" in f.message


# ---------------------------------------------------------------- duplicate / overlapping

def test_duplicate_keeps_what_the_copy_enforces() -> None:
    """A NULLS NOT DISTINCT index beside a plain UNIQUE, a non-deferrable unique index
    beside a deferrable key: each enforces something the other does not."""
    t = {"name": "codes", "columns": [_col("id", nullable=False), _col("code", "text")],
         "primary_key": {"columns": ["id"], "deferrable": True},
         "uniques": [{"name": "codes_code_key", "columns": ["code"]}],
         "indexes": [{"name": "codes_code_nnd", "keys": ["code"], "unique": True,
                      "nulls_not_distinct": True},
                     {"name": "codes_id_key", "keys": ["id"], "unique": True}]}
    assert _found(_design([t]), "duplicate-index") == []


def test_true_duplicate_is_reported_and_the_constraint_kept() -> None:
    t = {"name": "codes", "columns": [ID, _col("code", "text", nullable=False)],
         "primary_key": ["id"],
         "uniques": [{"name": "codes_code_key", "columns": ["code"]}],
         "indexes": [{"name": "codes_code_copy", "keys": ["code"], "unique": True}]}
    child = {"name": "uses", "columns": [ID, _col("code", "text")], "primary_key": ["id"],
             "foreign_keys": [{"columns": ["code"],
                               "references": {"table": "codes", "columns": ["code"]}}]}
    [f] = _found(_design([t, child]), "duplicate-index")
    assert f.fix.startswith("DROP INDEX CONCURRENTLY codes_code_copy;")
    assert "never DROP … CASCADE" in f.fix  # a foreign key may be bound to the copy


# ---------------------------------------------------------------- index-on-boolean

def test_boolean_after_other_keys_is_not_reported() -> None:
    """``(sched, instance, recovery)`` narrows each instance's entries; replacing it by a
    partial index would also drop the only index on (sched, instance) once overlapping-index
    removes the shorter one."""
    t = {"name": "fired", "columns": [ID, _col("sched", "text", nullable=False),
                                      _col("instance", "text", nullable=False),
                                      _col("recovery", "boolean", nullable=False)],
         "primary_key": ["id"],
         "indexes": [{"name": "fired_sched_inst", "keys": ["sched", "instance"]},
                     {"name": "fired_sched_inst_rec", "keys": ["sched", "instance",
                                                               "recovery"]}]}
    d = _design([t])
    assert _found(d, "index-on-boolean") == []
    [f] = _found(d, "overlapping-index")
    assert "fired_sched_inst " in f.message


# ---------------------------------------------------------------- timestamp-mid-index

EVENTS = {"name": "events",
          "columns": [ID, _col("account_id", nullable=False),
                      _col("created_at", "timestamptz", nullable=False),
                      _col("kind", "text", nullable=False)],
          "primary_key": ["id"],
          "foreign_keys": [{"columns": ["account_id"],
                            "references": {"table": "accounts", "columns": ["id"]}}]}
ACCOUNTS = {"name": "accounts", "columns": [ID], "primary_key": ["id"]}


def test_keyset_pagination_index_is_not_reordered() -> None:
    t = dict(EVENTS, indexes=[{"name": "events_page", "keys": [
        "account_id", {"column": "created_at", "order": "desc"},
        {"column": "id", "order": "desc"}]}])
    page = {"name": "page", "sql": "SELECT id FROM events WHERE account_id = :a AND "
            "created_at < :t ORDER BY created_at DESC, id DESC LIMIT 50"}
    assert _found(_design([ACCOUNTS, t], [page]), "timestamp-mid-index") == []
    # a unique index's order serves uniqueness; without patterns: needs information only
    u = dict(EVENTS, indexes=[{"name": "events_uq", "unique": True,
                               "keys": ["account_id", "created_at", "kind"]},
                              {"name": "events_mid", "keys": ["account_id", "created_at",
                                                              "kind"]}])
    [f] = _found(_design([ACCOUNTS, u]), "timestamp-mid-index")
    assert f.table is None and f.message.startswith("needs information")


def test_reorder_keeps_directions_and_every_pattern() -> None:
    t = dict(EVENTS, indexes=[{"name": "events_mid", "keys": [
        "account_id", {"column": "created_at", "order": "desc", "nulls": "last"}, "kind"]}])
    ranged = {"name": "recent_kind", "sql": "SELECT id FROM events WHERE account_id = :a "
              "AND kind = :k AND created_at >= :t"}
    [f] = _found(_design([ACCOUNTS, t], [ranged]), "timestamp-mid-index")
    assert "(account_id, kind, created_at DESC NULLS LAST)" in f.fix
    # another pattern sorts by created_at after account_id: the reorder would cost it
    sorted_ = {"name": "latest", "sql": "SELECT id FROM events WHERE account_id = :a "
               "ORDER BY created_at DESC NULLS LAST LIMIT 20"}
    assert _found(_design([ACCOUNTS, t], [ranged, sorted_]), "timestamp-mid-index") == []
    # plain DESC means NULLS FIRST, which a DESC NULLS LAST key cannot give (PostgreSQL
    # sorts, NOT NULL column or not): the index never served that sort, the reorder may go
    unsorted = dict(sorted_, sql=sorted_["sql"].replace(" NULLS LAST", ""))
    assert len(_found(_design([ACCOUNTS, t], [ranged, unsorted]), "timestamp-mid-index")) == 1


# ---------------------------------------------------------------- keys

def test_random_tokens_codes_and_unreferenced_text_keys_are_fine() -> None:
    tables = [
        {"name": "web_sessions", "columns": [_col("sid", "varchar(64)", nullable=False,
                                                  default="md5(random()::text)")],
         "primary_key": ["sid"]},
        {"name": "api_keys", "columns": [_col("key_hash", "text", nullable=False)],
         "primary_key": ["key_hash"]},
        {"name": "currencies", "columns": [_col("iso", "char(3)", nullable=False),
                                           _col("label", "text")],
         "primary_key": ["iso"]},
        {"name": "prices", "columns": [ID, _col("currency", "char(3)", nullable=False),
                                       _col("sid", "varchar(64)"), _col("key_hash", "text")],
         "primary_key": ["id"],
         "foreign_keys": [
             {"columns": ["currency"], "references": {"table": "currencies",
                                                      "columns": ["iso"]}},
             {"columns": ["sid"], "references": {"table": "web_sessions", "columns": ["sid"]}},
             {"columns": ["key_hash"], "references": {"table": "api_keys",
                                                      "columns": ["key_hash"]}}]},
        {"name": "preferences", "columns": [_col("option_name", "text", nullable=False),
                                            _col("value", "text")],
         "primary_key": ["option_name"]},
    ]
    assert _found(_design(tables), "pk-natural-or-text-key") == []


def test_composite_key_nothing_references_is_fine() -> None:
    t = {"name": "grants", "columns": [_col(c, nullable=False) for c in "abcde"],
         "primary_key": list("abcde")}
    assert _found(_design([t]), "pk-too-many-columns") == []


def test_table_without_pk_judged_with_its_identity_and_parents() -> None:
    tables = [
        {"name": "links", "columns": [_col("a", nullable=False), _col("b", nullable=False)],
         "indexes": [{"name": "links_ab", "keys": ["a", "b"], "unique": True}]},
        {"name": "schema_migrations", "columns": [_col("version", "text", nullable=False)]},
        {"name": "notes", "columns": [ID, _col("body", "text")], "primary_key": ["id"]},
        {"name": "invoice_notes", "columns": [ID, _col("body", "text")],
         "inherits": [{"name": "notes"}]},
    ]
    found = _found(_design(tables), "table-without-primary-key")
    assert [(f.table, f.severity) for f in found] == [("links", "info")]
    assert found[0].fix == "ALTER TABLE links ADD PRIMARY KEY USING INDEX links_ab;"


def test_nullable_optional_part_of_a_key_is_info() -> None:
    t = {"name": "runs", "columns": [ID, _col("env_id", nullable=False),
                                     _col("idempotency_key", "text"), _col("a", "text"),
                                     _col("b", "text")],
         "primary_key": ["id"],
         "uniques": [{"columns": ["env_id", "idempotency_key"]}, {"columns": ["a", "b"]}]}
    found = {(f.column, f.severity) for f in _found(_design([t]), "nullable-unique-columns")}
    assert found == {("idempotency_key", "info"), (None, "info")}
    del t["primary_key"]   # (a, b) is then the rows' only identity, and it identifies nothing
    found = {(f.column, f.severity) for f in _found(_design([t]), "nullable-unique-columns")}
    assert found == {("idempotency_key", "info"), (None, "warning")}


# ---------------------------------------------------------------- relationships

def test_fk_without_index_severity_follows_evidence() -> None:
    parents = {"name": "parents", "columns": [ID, _col("name", "text"),
                                              _col("created_at", "timestamptz")],
               "primary_key": ["id"]}
    kids = {"name": "kids", "columns": [ID, _col("parent_id"), _col("other_id"),
                                        _col("third_id")],
            "primary_key": ["id"],
            "foreign_keys": [
                {"columns": ["parent_id"], "on_delete": "CASCADE",
                 "references": {"table": "parents", "columns": ["id"]}},
                {"columns": ["other_id"], "references": {"table": "others", "columns": ["id"]}},
                {"columns": ["third_id"], "references": {"table": "others", "columns": ["id"]}}],
            "indexes": [{"name": "kids_third", "keys": ["third_id"],
                         "where": "third_id IS NOT NULL"}]}
    others = {"name": "others", "columns": [ID, _col("name", "text"),
                                            _col("created_at", "timestamptz")],
              "primary_key": ["id"]}
    found = {f.column: f.severity for f in _found(_design([parents, kids, others]),
                                                  "fk-without-index") if f.table}
    # CASCADE from an ordinary parent: what a delete does, not how often (info); no
    # evidence for others; the partial IS NOT NULL index serves the third key
    assert found == {"parent_id": "info", "other_id": "info"}
    # a short-lived parent (its rows expire) is deleted in normal use: each delete scans kids
    parents["columns"].append(_col("expires_at", "timestamptz"))
    found = {f.column: f.severity for f in _found(_design([parents, kids, others]),
                                                  "fk-without-index") if f.table}
    assert found == {"parent_id": "warning", "other_id": "info"}
    parents["columns"].pop()
    kids["intent"] = {"rows": 500}
    found = {f.column: f.severity for f in _found(_design([parents, kids, others]),
                                                  "fk-without-index") if f.table}
    assert found == {"parent_id": "info", "other_id": "info"}   # a tiny child


def test_fk_index_fix_on_partitioned_table_in_a_schema() -> None:
    parent = {"name": "devices", "schema": "iot", "columns": [ID], "primary_key": ["id"]}
    readings = {"name": "readings", "schema": "iot",
                "columns": [_col("device_id", nullable=False),
                            _col("at", "timestamptz", nullable=False)],
                "partition_by": {"strategy": "range", "keys": ["at"]},
                "foreign_keys": [{"columns": ["device_id"], "on_delete": "CASCADE",
                                  "references": {"table": "devices", "columns": ["id"]}}]}
    [f] = [f for f in _found(_design([parent, readings]), "fk-without-index") if f.table]
    assert f.fix == "CREATE INDEX readings_device_id_idx ON iot.readings (device_id);"


def test_self_fk_default_is_info_and_the_fix_keeps_the_key() -> None:
    t = {"name": "nodes", "columns": [ID, _col("parent_id")], "primary_key": ["id"],
         "foreign_keys": [{"name": "nodes_parent_fk", "columns": ["parent_id"],
                           "on_update": "CASCADE", "deferrable": True,
                           "references": {"table": "nodes", "columns": ["id"]}}]}
    [f] = _found(_design([t]), "self-fk-without-delete-action")
    assert f.severity == "info"
    assert ("REFERENCES nodes (id) ON UPDATE CASCADE ON DELETE RESTRICT DEFERRABLE NOT VALID"
            in f.fix)


def test_fk_type_mismatch_by_direction() -> None:
    tables = [
        {"name": "small", "columns": [_col("id", "integer", identity="always")],
         "primary_key": ["id"]},
        {"name": "codes", "columns": [_col("code", "text", nullable=False)],
         "primary_key": ["code"]},
        {"name": "refs", "columns": [ID, _col("small_id", "bigint"),
                                     _col("code", "varchar(8)")],
         "primary_key": ["id"],
         "foreign_keys": [
             {"columns": ["small_id"], "references": {"table": "small", "columns": ["id"]}},
             {"columns": ["code"], "references": {"table": "codes", "columns": ["code"]}}]},
    ]
    [f] = _found(_design(tables), "fk-type-mismatch")
    assert (f.column, f.severity) == ("small_id", "info") and "TYPE integer" not in f.fix


# ---------------------------------------------------------------- soft delete, volumes

def test_soft_delete_unique_leaves_identifiers_and_referenced_keys() -> None:
    users = {"name": "users", "columns": [ID, _col("external_uuid", "uuid", nullable=False),
                                          _col("handle", "text", nullable=False),
                                          _col("email", "text", nullable=False),
                                          _col("deleted_at", "timestamptz")],
             "primary_key": ["id"],
             "uniques": [{"columns": ["external_uuid"]}, {"columns": ["handle"]}],
             "indexes": [{"name": "users_email_verified", "keys": ["email"], "unique": True,
                          "where": "email <> ''"}]}
    mentions = {"name": "mentions", "columns": [ID, _col("handle", "text")],
                "primary_key": ["id"],
                "foreign_keys": [{"columns": ["handle"],
                                  "references": {"table": "users", "columns": ["handle"]}}]}
    [f] = _found(_design([users, mentions]), "soft-delete-unique")
    assert (f.column, f.severity) == ("email", "info")   # the soft delete was inferred
    assert "WHERE (email <> '') AND deleted_at IS NULL" in f.fix  # its own predicate kept
    users["intent"] = {"soft_delete": "deleted_at"}
    [f] = _found(_design([users, mentions]), "soft-delete-unique")
    assert f.severity == "warning"
    log = {"name": "deletion_log", "columns": [ID, _col("name", "text", nullable=False),
                                               _col("deleted_at", "timestamptz",
                                                    nullable=False)],
           "primary_key": ["id"], "uniques": [{"columns": ["name"]}]}
    assert _found(_design([log]), "soft-delete-unique") == []  # a log's timestamp


def test_random_uuid_without_volume_needs_information_once() -> None:
    tables = [{"name": n, "columns": [_col("id", "uuid", nullable=False,
                                           default="gen_random_uuid()")],
               "primary_key": ["id"]} for n in ("a", "b", "c")]
    [f] = _found(_design(tables), "random-uuid-pk")
    assert f.table is None and "needs information" in f.message and "a, b, c" in f.message


# ---------------------------------------------------------------- index fixes

def test_wide_index_fix_never_moves_a_sort_key_or_uses_include_on_gin() -> None:
    t = {"name": "runs", "columns": [ID, _col("a"), _col("b"), _col("c"),
                                     _col("created_at", "timestamptz"), _col("tags", "jsonb"),
                                     _col("d")],
         "primary_key": ["id"],
         "indexes": [{"name": "runs_sorted", "keys": ["a", "b", "c",
                                                      {"column": "created_at",
                                                       "order": "desc"}]},
                     {"name": "runs_plain", "keys": ["a", "b", "c", "d"],
                      "where": "d > 0"}]}
    found = {f.message.split()[2]: f.fix for f in _found(_design([t]),
                                                         "wide-non-unique-index")}
    assert "INCLUDE (" not in found["runs_sorted"] and found["runs_sorted"].startswith("--")
    assert found["runs_plain"].startswith(
        "CREATE INDEX CONCURRENTLY ON runs (a, b, c) INCLUDE (d) WHERE d > 0;")


def test_redundant_predicate_fix_keeps_the_rest_of_the_index() -> None:
    t = {"name": "jobs", "columns": [ID, _col("queue", "text", nullable=False),
                                     _col("run_at", "timestamptz"), _col("payload", "jsonb")],
         "primary_key": ["id"],
         "indexes": [{"name": "jobs_queue", "keys": ["queue", {"column": "run_at",
                                                               "order": "desc"}],
                      "include": ["payload"], "where": "queue IS NOT NULL"}]}
    [f] = _found(_design([t]), "redundant-partial-predicate")
    assert f.fix == ("CREATE INDEX CONCURRENTLY ON jobs (queue, run_at DESC) INCLUDE "
                     "(payload); DROP INDEX CONCURRENTLY jobs_queue;")


# ---------------------------------------------------------------- fixes applied for real

FIXABLE = """
CREATE TABLE orgs (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE TABLE items (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    owner_id   bigint REFERENCES orgs (id) ON DELETE SET NULL,
    code       text NOT NULL,
    "Flag"     boolean NOT NULL DEFAULT false,
    note       text,
    made_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code)
);
CREATE UNIQUE INDEX items_code_copy ON items (code);
CREATE INDEX items_flag ON items ("Flag");
CREATE INDEX items_note ON items (note);
CREATE INDEX items_owner ON items (owner_id);
CREATE INDEX items_owner_made ON items (owner_id, made_at DESC);
CREATE TABLE tree (id bigint PRIMARY KEY, up bigint REFERENCES tree (id) ON UPDATE CASCADE);
"""


def _statements(fix: str) -> list[str]:
    sql = re.sub(r"--[^\n]*", "", fix)
    return [s.strip() for s in sql.split(";") if s.strip()]


_UNINDEXED_FKS = """
SELECT c.conname FROM pg_constraint c
 WHERE c.contype = 'f' AND NOT EXISTS (
       SELECT 1 FROM pg_index i
        WHERE i.indrelid = c.conrelid
          AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey)
 ORDER BY 1
"""


def test_suggested_fixes_apply_and_keep_foreign_keys_served(fresh_db: str) -> None:
    """Every fix of these rules runs on the schema it was made for, one statement at a
    time, each on a fresh copy; afterwards no foreign key has lost its index and the
    uniqueness of ``code`` still holds."""
    from pgarch_kit.db.importer import import_sql
    design = import_sql(FIXABLE, name="fixable", dsn=fresh_db)
    rules = ["duplicate-index", "overlapping-index", "index-on-boolean", "index-includes-nulls",
             "fk-without-index", "self-fk-without-delete-action"]
    found = [f for f in lint(design, select=rules, ignore=[]).findings if f.table]
    assert {f.rule for f in found} == set(rules)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for f in found:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
            conn.execute(FIXABLE)
            before = set(conn.execute(_UNINDEXED_FKS).fetchall())
            for statement in _statements(f.fix):
                assert "<" not in statement, f"{f.rule}: a placeholder in {f.fix}"
                conn.execute(statement)
            after = set(conn.execute(_UNINDEXED_FKS).fetchall())
            assert after <= before, f"{f.rule}: {f.fix} left {after - before} unindexed"
            conn.execute("INSERT INTO orgs DEFAULT VALUES")
            conn.execute("INSERT INTO items (org_id, code) VALUES (1, 'a')")
            try:
                conn.execute("INSERT INTO items (org_id, code) VALUES (1, 'a')")
                raise AssertionError(f"{f.rule}: {f.fix} lost the unique key on code")
            except psycopg.errors.UniqueViolation:
                pass


def test_soft_delete_partial_index_never_replaces_a_foreign_key_index() -> None:
    """A live-rows-only index cannot serve the foreign key's lookups (they do not say
    ``deleted_at IS NULL``): only the index no key needs is proposed for rebuilding."""
    docs = {"name": "docs", "columns": [ID, _col("folder_id", nullable=False),
                                        _col("title", "text"),
                                        _col("deleted_at", "timestamptz")],
            "primary_key": ["id"], "intent": {"rows": 5_000_000},
            "foreign_keys": [{"columns": ["folder_id"], "on_delete": "CASCADE",
                              "references": {"table": "folders", "columns": ["id"]}}],
            "indexes": [{"name": "docs_folder", "keys": ["folder_id"]},
                        {"name": "docs_title", "keys": [{"column": "title",
                                                         "opclass": "text_pattern_ops"}]}]}
    folders = {"name": "folders", "columns": [ID], "primary_key": ["id"]}
    [f] = _found(_design([docs, folders]), "soft-delete-unfiltered-index")
    assert "docs_title" in f.message
    assert f.fix.startswith("CREATE INDEX CONCURRENTLY ON docs (title text_pattern_ops) "
                            "WHERE deleted_at IS NULL;")
