"""Issue 17, hand review: false-positive classes of the key, index and relationship rules
(fk-without-index, table-without-primary-key, index-on-boolean, pk-natural-or-text-key,
composite-fk-nullable-column, redundant-partial-predicate, fk-type-mismatch), each rebuilt on
a small schema of our own; the promoted-key fixes are applied on a real server."""
from __future__ import annotations

import psycopg
import yaml

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design


def _design(tables: list[dict]):
    doc = {"name": "p", "tables": tables}
    return loads_design(yaml.safe_dump(doc, sort_keys=False), check=False)


def _found(design, rule: str):
    return [f for f in lint(design, select=[rule], ignore=[]).findings
            if f.rule == rule and f.table]


def _col(name: str, type_: str = "bigint", **kw) -> dict:
    return {"name": name, "type": type_, **kw}


ID = _col("id", identity="always")


def _fk(col: str, table: str, **kw) -> dict:
    return {"columns": [col], "references": {"table": table, "columns": ["id"]}, **kw}


def _sev(design, rule: str) -> dict:
    return {(f.table.split(".")[-1], f.column): f.severity for f in _found(design, rule)}


# ---------------------------------------------------------------- fk-without-index

def test_cascade_from_a_soft_deleted_parent_is_info_unless_it_is_short_lived() -> None:
    """Shops are archived, never deleted: the cascade is no evidence. Leases expire and are
    purged, so a cascade from them fires in normal use, a deleted_at column notwithstanding."""
    shops = {"name": "shops", "columns": [ID, _col("title", "text"),
                                          _col("archived_at", "timestamptz")],
             "primary_key": ["id"]}
    leases = {"name": "leases", "columns": [ID, _col("expires_at", "timestamptz"),
                                            _col("deleted_at", "timestamptz")],
              "primary_key": ["id"]}
    notes = {"name": "shop_notes", "columns": [ID, _col("shop_id"), _col("lease_id"),
                                               _col("body", "text")],
             "primary_key": ["id"],
             "foreign_keys": [_fk("shop_id", "shops", on_delete="CASCADE"),
                              _fk("lease_id", "leases", on_delete="SET NULL")]}
    found = _sev(_design([shops, leases, notes]), "fk-without-index")
    assert found == {("shop_notes", "shop_id"): "info", ("shop_notes", "lease_id"): "warning"}


def test_on_update_cascade_on_a_generated_key_is_no_evidence() -> None:
    clerks = {"name": "clerks", "columns": [ID, _col("label", "text")], "primary_key": ["id"]}
    sales = {"name": "sales", "columns": [ID, _col("clerk_id"), _col("amount", "numeric")],
             "primary_key": ["id"],
             "foreign_keys": [_fk("clerk_id", "clerks", on_update="CASCADE")]}
    [f] = _found(_design([clerks, sales]), "fk-without-index")
    assert f.severity == "info" and "never changes" in f.message


def _convention_design() -> list[dict]:
    """Every key says ON DELETE CASCADE (an ORM's habit): the clause proves nothing, so only
    children that grow with time (a date column) stay warnings."""
    boards = {"name": "boards", "columns": [ID, _col("title", "text"),
                                            _col("owner_id")],
              "primary_key": ["id"], "foreign_keys": [_fk("owner_id", "owners",
                                                          on_delete="CASCADE")]}
    owners = {"name": "owners", "columns": [ID, _col("nick", "text"), _col("karma", "int")],
              "primary_key": ["id"]}
    tables = [boards, owners]
    for i in range(5):
        tables.append({"name": f"board_rule_{i}", "columns": [ID, _col("board_id"),
                                                               _col("rule", "text")],
                       "primary_key": ["id"],
                       "foreign_keys": [_fk("board_id", "boards", on_delete="CASCADE")]})
        tables.append({"name": f"board_event_{i}", "columns": [ID, _col("board_id"),
                                                                _col("happened", "date")],
                       "primary_key": ["id"],
                       "foreign_keys": [_fk("board_id", "boards", on_delete="CASCADE")]})
    return tables


def test_a_design_wide_cascade_convention_needs_a_growing_child() -> None:
    """Under an ORM's CASCADE habit the clause says nothing; and even a growing child only
    asks for volumes: an ON DELETE action on an ordinary parent shows what a delete does,
    not how often deletes come (the second review round judged such warnings debatable).
    A declared volume makes it a warning."""
    tables = _convention_design()
    found = {(f.table, f.column): f for f in _found(_design(tables), "fk-without-index")}
    assert found[("board_rule_0", "board_id")].severity == "info"
    assert "nearly every foreign key" in found[("board_rule_0", "board_id")].message
    event = found[("board_event_0", "board_id")]
    assert event.severity == "info" and "does not show how" in event.message
    tables[3]["intent"] = {"rows": 5_000_000}   # board_event_0
    assert _sev(_design(tables), "fk-without-index")[("board_event_0", "board_id")] == "warning"


def test_partial_index_leading_with_the_key_and_config_children_are_info() -> None:
    teams = {"name": "teams", "columns": [ID, _col("title", "text")], "primary_key": ["id"]}
    members = {"name": "members", "columns": [ID, _col("team_id"),
                                              _col("removed", "boolean")],
               "primary_key": ["id"],
               "foreign_keys": [_fk("team_id", "teams", on_delete="CASCADE")],
               "indexes": [{"name": "members_live_team", "keys": ["team_id"],
                            "where": "removed = false"}]}
    invites = {"name": "team_invites", "columns": [ID, _col("team_id"), _col("mail", "text")],
               "primary_key": ["id"],
               "foreign_keys": [_fk("team_id", "teams", on_delete="CASCADE")]}
    design = _design([teams, members, invites])
    found = {f.table: f for f in _found(design, "fk-without-index")}
    assert found["members"].severity == "info" and "members_live_team" in found["members"].message
    assert found["team_invites"].severity == "info"


def test_a_policy_filtering_on_the_key_is_evidence() -> None:
    """Under the cascade convention a link table is info — unless an RLS policy filters every
    query on the key column."""
    tables = _convention_design()
    tables[2]["policies"] = [{"name": "own_rules", "using": "board_id = current_board()"}]
    found = _sev(_design(tables), "fk-without-index")
    assert found[("board_rule_0", "board_id")] == "warning"
    assert found[("board_rule_1", "board_id")] == "info"


# ---------------------------------------------------------------- table-without-primary-key

NO_PK = """
CREATE TABLE media (media_id text, bytes bigint);
CREATE UNIQUE INDEX media_media_id ON media (media_id);
CREATE TABLE signing_keys (server text, key_id text, key bytea, UNIQUE (server, key_id));
CREATE TABLE roles (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE TABLE role_grants (role_id bigint REFERENCES roles, grant_name text);
CREATE TABLE settings (maintenance boolean NOT NULL DEFAULT false, motd text);
"""


def test_a_missing_key_is_promoted_not_invented(fresh_db: str) -> None:
    """A nullable unique key is promoted (SET NOT NULL + PRIMARY KEY in one statement), a
    link table gets its natural composite key, a settings table a one-row guard — and each
    fix runs on the server."""
    from pgarch_kit.db.importer import import_sql
    design = import_sql(NO_PK, name="nopk", dsn=fresh_db)
    found = {f.table: f for f in _found(design, "table-without-primary-key")}
    assert set(found) == {"media", "signing_keys", "role_grants", "settings"}
    assert all("GENERATED ALWAYS AS IDENTITY" not in f.fix for f in found.values())
    assert found["media"].severity == "info" and "USING INDEX" in found["media"].fix
    assert found["signing_keys"].severity == "info"
    assert found["settings"].severity == "info" and "one_row" in found["settings"].fix
    assert found["role_grants"].severity == "warning"
    assert "(role_id, grant_name)" in found["role_grants"].fix
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(NO_PK)
        for f in found.values():
            conn.execute(f.fix)
        keyed = {r[0] for r in conn.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'p'")}
        assert {"media", "signing_keys", "role_grants", "settings"} <= keyed
        conn.execute("INSERT INTO settings DEFAULT VALUES")
        try:
            conn.execute("INSERT INTO settings DEFAULT VALUES")
            raise AssertionError("the one-row guard let a second row in")
        except psycopg.errors.UniqueViolation:
            pass


# ---------------------------------------------------------------- index-on-boolean

def test_boolean_index_fix_drops_it_and_does_not_guess_the_value() -> None:
    """The DEFAULT and the table's other indexes are no evidence of the value queries look
    for or the column they search by (the third review round found both guesses wrong on
    soft-delete flags and settings): drop the index, show the partial one's shape."""
    msgs = {"name": "messages",
            "columns": [ID, _col("recipient_id"), _col("seen", "boolean", default="true"),
                        _col("body", "text")],
            "primary_key": ["id"], "foreign_keys": [_fk("recipient_id", "people")],
            "indexes": [{"name": "messages_recipient", "keys": ["recipient_id"]},
                        {"name": "messages_seen", "keys": ["seen"]}]}
    people = {"name": "people", "columns": [ID], "primary_key": ["id"]}
    prefs = {"name": "site_settings", "columns": [ID, _col("active", "boolean")],
             "primary_key": ["id"], "indexes": [{"name": "site_settings_active",
                                                 "keys": ["active"]}]}
    found = {f.table: f for f in _found(_design([msgs, people, prefs]), "index-on-boolean")}
    f = found["messages"]
    assert f.severity == "warning"
    assert f.fix.startswith("DROP INDEX CONCURRENTLY messages_seen;")
    assert "(<searched column>) WHERE seen (or WHERE NOT seen" in f.fix
    assert "recipient_id" not in f.fix
    assert found["site_settings"].severity == "info"


# ---------------------------------------------------------------- pk-natural-or-text-key

def test_technical_names_are_info_person_facing_values_warn() -> None:
    channels = {"name": "channels", "columns": [_col("name", "text", nullable=False)],
                "primary_key": ["name"]}
    accounts = {"name": "accounts", "columns": [_col("email", "text", nullable=False)],
                "primary_key": ["email"]}
    posts = {"name": "posts", "columns": [ID, _col("channel", "text"), _col("author", "text")],
             "primary_key": ["id"],
             "foreign_keys": [
                 {"columns": ["channel"], "references": {"table": "channels",
                                                         "columns": ["name"]}},
                 {"columns": ["author"], "references": {"table": "accounts",
                                                        "columns": ["email"]}}]}
    found = {f.table: f.severity for f in _found(_design([channels, accounts, posts]),
                                                 "pk-natural-or-text-key")}
    assert found == {"channels": "info", "accounts": "warning"}


# ---------------------------------------------------------------- composite-fk-nullable-column

def test_an_optional_composite_key_is_info_and_keeps_inserts_working() -> None:
    slots = {"name": "slots", "columns": [_col("zone", "text", nullable=False),
                                          _col("slot", "int", nullable=False)],
             "uniques": [{"columns": ["zone", "slot"]}]}
    parcels = {"name": "parcels", "columns": [ID, _col("zone", "text"), _col("slot", "int")],
               "primary_key": ["id"],
               "foreign_keys": [{"columns": ["zone", "slot"], "on_delete": "SET NULL",
                                 "references": {"table": "slots",
                                                "columns": ["zone", "slot"]}}]}
    [f] = _found(_design([slots, parcels]), "composite-fk-nullable-column")
    assert f.severity == "info" and "SET NOT NULL" not in f.fix
    parcels["foreign_keys"][0].pop("on_delete")
    [f] = _found(_design([slots, parcels]), "composite-fk-nullable-column")
    assert f.severity == "warning"


# ---------------------------------------------------------------- redundant-partial-predicate

def test_redundant_not_null_predicate_is_info_and_a_prefix_index_is_dropped() -> None:
    t = {"name": "uploads", "columns": [ID, _col("owner_id", nullable=False),
                                        _col("at", "timestamptz")],
         "primary_key": ["id"],
         "indexes": [{"name": "uploads_owner", "keys": ["owner_id"],
                      "where": "owner_id IS NOT NULL"},
                     {"name": "uploads_owner_at", "keys": ["owner_id", "at"]}]}
    [f] = _found(_design([t]), "redundant-partial-predicate")
    assert f.severity == "info"
    assert f.fix.startswith("DROP INDEX") and "CREATE" not in f.fix


# ---------------------------------------------------------------- fk-type-mismatch

def test_a_narrow_child_warns_only_when_the_parent_can_outgrow_it() -> None:
    def tables(parent_id: dict, intent: dict | None = None) -> list[dict]:
        parent = {"name": "ledgers", "columns": [parent_id], "primary_key": ["id"]}
        if intent:
            parent["intent"] = intent
        return [parent, {"name": "lines", "columns": [ID, _col("ledger_id", "integer")],
                         "primary_key": ["id"], "foreign_keys": [_fk("ledger_id", "ledgers")]}]
    serial = _col("id", "bigint", nullable=False, default="nextval('ledgers_id_seq')")
    [f] = _found(_design(tables(serial)), "fk-type-mismatch")
    assert f.severity == "info"
    [f] = _found(_design(tables(serial, {"rows": 1_000_000_000})), "fk-type-mismatch")
    assert f.severity == "warning"
    [f] = _found(_design(tables(ID)), "fk-type-mismatch")
    assert f.severity == "warning"
