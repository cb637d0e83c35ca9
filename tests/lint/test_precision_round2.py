"""Regression tests for the classes the second hand-review round found (issue 17), each on a
schema fragment of our own: a finding a senior architect would not act on is info."""
from __future__ import annotations

import yaml

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design

ID = {"name": "id", "type": "bigint", "identity": "always"}


def _found(tables: list, rule: str) -> dict:
    design = loads_design(yaml.safe_dump({"name": "t", "tables": tables}, sort_keys=False),
                          check=False)
    return {(f.table, f.column): f for f in lint(design, select=[rule], ignore=[]).findings
            if f.rule == rule and f.table}


def test_a_unique_key_over_a_set_null_column_is_nullable_by_design() -> None:
    """ON DELETE SET NULL empties the column: NOT NULL would break the parent's deletes and
    NULLS NOT DISTINCT its second one, so the open key is worth knowing, no more."""
    media = {"name": "media", "columns": [ID], "primary_key": ["id"]}
    links = {"name": "post_media", "columns": [
        {"name": "post_id", "type": "bigint"}, {"name": "media_id", "type": "bigint"}],
        "uniques": [{"columns": ["post_id", "media_id"]}],
        "foreign_keys": [{"columns": ["media_id"], "on_delete": "SET NULL",
                          "references": {"table": "media", "columns": ["id"]}}]}
    found = _found([media, links], "nullable-unique-columns")
    assert found and {f.severity for f in found.values()} == {"info"}


def test_a_narrower_reference_warns_only_when_the_parent_grows() -> None:
    reports = {"name": "reports", "columns": [ID, {"name": "title", "type": "text"}],
               "primary_key": ["id"]}
    lines = {"name": "report_lines", "columns": [ID, {"name": "report_id", "type": "integer"}],
             "primary_key": ["id"],
             "foreign_keys": [{"columns": ["report_id"],
                               "references": {"table": "reports", "columns": ["id"]}}]}
    f = _found([reports, lines], "int-id-overflow-risk")[("report_lines", "report_id")]
    assert f.severity == "info" and "does not say" in f.message
    reports["intent"] = {"rows": 1_000_000, "growth_per_month": 40_000_000}
    f = _found([reports, lines], "int-id-overflow-risk")[("report_lines", "report_id")]
    assert f.severity == "warning"


def test_char_n_in_a_small_reference_table_is_info() -> None:
    """A spec or a standard fixes the width of a few reference rows (regions, nations)."""
    region = {"name": "region", "columns": [ID, {"name": "r_name", "type": "char(25)"}],
              "primary_key": ["id"]}
    shop = {"name": "shop", "columns": [ID, {"name": "region_id", "type": "bigint"},
                                       {"name": "shop_name", "type": "char(25)"}],
            "primary_key": ["id"],
            "foreign_keys": [{"columns": ["region_id"],
                              "references": {"table": "region", "columns": ["id"]}}]}
    found = _found([region, shop], "char-n-type")
    assert found[("region", "r_name")].severity == "info"
    assert found[("shop", "shop_name")].severity == "warning"


def test_an_overlap_on_an_inheritance_parent_is_info() -> None:
    """An INHERITS parent is often abstract and empty: its indexes cost no writes."""
    idx = [{"name": "notes_a", "keys": ["ref_id"]},
           {"name": "notes_ab", "keys": ["ref_id", "kind"]}]
    base = {"name": "notes", "columns": [ID, {"name": "ref_id", "type": "bigint"},
                                        {"name": "kind", "type": "text"}],
            "primary_key": ["id"], "indexes": idx}
    assert _found([base], "overlapping-index")[("notes", "ref_id")].severity == "warning"
    child = {"name": "invoice_notes", "columns": [], "inherits": [{"name": "notes"}]}
    assert _found([base, child], "overlapping-index")[("notes", "ref_id")].severity == "info"


# ---------------------------------------------------------------- found by rounds 3 and 4

def test_an_append_only_log_without_a_key_is_info_and_an_indexed_key_is_proposed() -> None:
    """Inserts replicate without a key, and a surrogate adds a column and an index to a
    growing table: a log is info. A table with an index over NOT NULL columns gets that
    index's columns as the candidate key before a surrogate."""
    visits = {"name": "daily_visits", "columns": [
        {"name": "user_ref", "type": "text", "nullable": False},
        {"name": "device", "type": "text"},
        {"name": "visited_at", "type": "timestamptz", "nullable": False}]}
    f = _found([visits], "table-without-primary-key")[("daily_visits", None)]
    assert f.severity == "info" and "append-only" in f.message
    edges = {"name": "edges", "columns": [
        {"name": "src", "type": "bigint", "nullable": False},
        {"name": "dst", "type": "bigint", "nullable": False},
        {"name": "weight", "type": "real"}, {"name": "label", "type": "text"}],
        "indexes": [{"name": "edges_src_dst", "keys": ["src", "dst"]}]}
    f = _found([edges], "table-without-primary-key")[("edges", None)]
    assert f.severity == "warning" and f.fix.startswith("ALTER TABLE edges ADD PRIMARY KEY (src, dst);")


def test_only_a_policy_that_searches_on_the_key_is_evidence_for_its_index() -> None:
    """An INSERT policy's WITH CHECK only checks the new row, and a column passed into a
    function is evaluated per row: neither searches the table by the key."""
    accounts = {"name": "accounts", "columns": [ID, {"name": "title", "type": "text"}],
                "primary_key": ["id"]}

    def invites(policies: list) -> dict:
        return {"name": "invites", "columns": [ID, {"name": "account_id", "type": "bigint"}],
                "primary_key": ["id"], "rls_enabled": True, "policies": policies,
                "foreign_keys": [{"columns": ["account_id"],
                                  "references": {"table": "accounts", "columns": ["id"]}}]}
    insert = {"name": "add", "command": "INSERT", "with_check": "account_id = current_acct()"}
    through = {"name": "mine", "command": "DELETE", "using": "is_member(account_id)"}
    search = {"name": "see", "command": "SELECT", "using": "account_id = current_acct()"}
    sev = lambda ps: _found([accounts, invites(ps)], "fk-without-index")[  # noqa: E731
        ("invites", "account_id")].severity
    assert sev([insert]) == "info" and sev([through]) == "info"
    assert sev([search]) == "warning"


def test_a_type_change_fix_names_the_views_that_select_the_column() -> None:
    """PostgreSQL refuses ALTER COLUMN … TYPE on a column a view selects: the fix must say
    which views to drop and recreate around it (found by the fifth review round)."""
    users = {"name": "users", "columns": [ID, {"name": "seen_at", "type": "timestamp"},
                                         {"name": "a", "type": "timestamptz"},
                                         {"name": "b", "type": "timestamptz"},
                                         {"name": "nick", "type": "text"}],
             "primary_key": ["id"]}
    views = [{"name": "active_users", "query": "SELECT id, seen_at FROM users"},
             {"name": "nicks", "query": "SELECT id, nick FROM users"}]
    design = loads_design(yaml.safe_dump({"name": "t", "tables": [users], "views": views},
                                         sort_keys=False), check=False)
    [f] = [f for f in lint(design, select=["timestamp-without-tz"], ignore=[]).findings
           if f.table]
    assert "active_users selects this column" in f.fix and "nicks" not in f.fix
    assert f.fix.startswith("SET timezone TO 'UTC'; ALTER TABLE users ALTER COLUMN seen_at")
