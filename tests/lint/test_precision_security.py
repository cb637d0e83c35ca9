"""Issue 17's false-positive classes in the security rules, each pinned on a schema fragment of
our own: exposure is an intent or evidence (never "public is an API"), grants decide per
object, deny-all is a choice, policies missing their clause are caught with PostgreSQL's
real semantics (checked on the server), search_path fixes respect the body's unqualified
names (applied to a real function), and SECURITY DEFINER routines are warnings, not errors."""
from __future__ import annotations

import secrets

import psycopg
import pytest

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design


def _design(text: str):
    return loads_design(text, check=False)


def _found(design, *rules: str):
    return [f for f in lint(design, select=list(rules), ignore=[]).findings]


EXPOSURE_RULES = ("rls-disabled-exposed-table", "sensitive-columns-unprotected",
                  "security-definer-view", "object-exposed-to-api-roles",
                  "security-definer-function-callable", "rls-policy-state-mismatch")

# An ordinary server application: everything in public, no API roles, no RLS anywhere.
SERVER_APP = """
name: ledger_app
tables:
  - name: account
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: login, type: text, nullable: false}
      - {name: password_digest, type: text, nullable: false}
    primary_key: [id]
  - name: entry
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: account_id, type: bigint, nullable: false}
    primary_key: [id]
    foreign_keys: [{columns: [account_id], references: {table: account, columns: [id]}}]
views:
  - {name: balances, query: ' SELECT account_id, count(*) AS n FROM entry GROUP BY account_id;'}
  - {name: daily, materialized: true, query: ' SELECT count(*) AS n FROM entry;'}
routines:
  - name: close_books
    signature: ''
    definition: CREATE FUNCTION public.close_books() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ DELETE FROM public.entry $$
"""


def test_public_is_not_an_api_without_intent_or_evidence() -> None:
    found = _found(_design(SERVER_APP), *EXPOSURE_RULES)
    # only the one "needs information" note: nothing per table, column, view or routine
    assert [(f.rule, f.table, f.severity) for f in found] == \
        [("rls-disabled-exposed-table", None, "info")]
    assert "exposed_schemas" in found[0].fix


def test_declared_exposure_is_judged() -> None:
    declared = _design(SERVER_APP + "lint: {settings: {exposed_schemas: [public]}}\n")
    found = _found(declared, *EXPOSURE_RULES)
    assert {f.table for f in found if f.rule == "rls-disabled-exposed-table"} == \
        {"account", "entry"}
    assert {f.column for f in found if f.rule == "sensitive-columns-unprotected"} == \
        {"password_digest"}
    assert all(f.severity == "warning" for f in found)
    assert all("exposed_schemas" in f.message for f in found)


# A PostgREST design: the anonymous role is granted what it may read, one object at a time.
POSTGREST = """
name: shop_api
roles: [web_anon]
tables:
  - name: product
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: title, type: text}
    primary_key: [id]
  - name: supplier_contract
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: api_key, type: text}
    primary_key: [id]
views:
  - {name: catalog, query: ' SELECT id, title FROM product;'}
  - {name: contract_view, query: ' SELECT id FROM supplier_contract;'}
grants:
  - {kind: table, name: product, grantee: web_anon, privileges: [SELECT]}
  - {kind: table, name: catalog, grantee: web_anon, privileges: [SELECT]}
"""


def test_grants_decide_which_objects_an_api_role_reaches() -> None:
    found = _found(_design(POSTGREST), *EXPOSURE_RULES)
    where = {(f.rule, f.table) for f in found}
    assert ("rls-disabled-exposed-table", "product") in where
    assert ("security-definer-view", "catalog") in where
    # never granted to web_anon, in a schema the design grants table by table
    assert not {t for _, t in where} & {"supplier_contract", "contract_view"}
    assert all("web_anon" in f.message for f in found)


def test_a_revoke_from_every_api_role_hides_an_object() -> None:
    revoked = _design(POSTGREST.replace("grants:\n", """grants:
  - {kind: table, name: contract_view, grantee: web_anon, privileges: [SELECT], revoke: true}
""") + "lint: {settings: {exposed_schemas: [public]}}\n")
    found = _found(revoked, "security-definer-view")
    assert {f.table for f in found} == {"catalog"}


DENY_ALL_PRIVATE = """
name: vault
schemas: [private]
roles: [authenticated]
tables:
  - name: signing_key
    schema: private
    columns: [{name: id, type: uuid, nullable: false}, {name: secret, type: bytea}]
    primary_key: [id]
    rls_enabled: true
  - name: note
    columns: [{name: id, type: uuid, nullable: false}, {name: owner, type: uuid}]
    primary_key: [id]
    rls_enabled: true
    policies: [{name: own, command: SELECT, roles: [authenticated], using: 'owner = auth.uid()'}]
"""


def test_deny_all_in_a_private_schema_is_a_choice() -> None:
    found = _found(_design(DENY_ALL_PRIVATE), "rls-policy-state-mismatch")
    assert found == []


def test_deny_all_in_an_exposed_schema_is_information_and_never_weakened() -> None:
    exposed = _design(DENY_ALL_PRIVATE.replace("    schema: private\n", ""))
    [f] = _found(exposed, "rls-policy-state-mismatch")
    assert (f.table, f.severity) == ("signing_key", "info")
    assert "CREATE POLICY" not in f.fix and "true" not in f.fix.lower()


# Policies that lack the clause their command needs.
MISSING_CLAUSE = """
name: notes
tables:
  - name: note
    columns: [{name: id, type: bigint, nullable: false}, {name: owner, type: text}]
    primary_key: [id]
    rls_enabled: true
    policies:
      - {name: note_read, command: SELECT, roles: [writer], using: 'owner = current_user'}
      - {name: note_add, command: INSERT, roles: [writer]}
      - {name: note_guard, command: INSERT, permissive: false, roles: [writer]}
"""


def test_policies_missing_their_clause_are_reported() -> None:
    found = _found(_design(MISSING_CLAUSE), "rls-policy-state-mismatch", "rls-policy-always-true")
    by_rule = {(f.rule, f.severity): f for f in found}
    dead = by_rule[("rls-policy-state-mismatch", "warning")]
    assert "note_add" in dead.message and "admits no new row" in dead.message
    assert "WITH CHECK" in dead.fix
    hollow = by_rule[("rls-policy-always-true", "warning")]
    assert "note_guard" in hollow.message and "restricts nothing" in hollow.message


def test_postgres_reads_a_missing_clause_as_the_findings_say(fresh_db: str) -> None:
    """The messages above rest on PostgreSQL's semantics: a permissive INSERT policy without
    WITH CHECK admits no row, and a restrictive one without it restricts nothing."""
    role = f"t17_writer_{secrets.token_hex(4)}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" NOLOGIN')
        try:
            conn.execute("CREATE TABLE note (id bigint, owner text)")
            conn.execute(f'GRANT SELECT, INSERT ON note TO "{role}"')
            conn.execute("ALTER TABLE note ENABLE ROW LEVEL SECURITY")
            conn.execute(f'CREATE POLICY note_add ON note FOR INSERT TO "{role}"')
            conn.execute(f'SET ROLE "{role}"')
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("INSERT INTO note VALUES (1, 'me')")
            conn.execute("RESET ROLE")
            conn.execute(f'CREATE POLICY note_ok ON note FOR INSERT TO "{role}" '
                         "WITH CHECK (owner = 'me')")
            conn.execute(f'CREATE POLICY note_guard ON note AS RESTRICTIVE FOR INSERT '
                         f'TO "{role}"')
            conn.execute(f'SET ROLE "{role}"')
            conn.execute("INSERT INTO note VALUES (2, 'me')")      # the guard adds nothing
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("INSERT INTO note VALUES (3, 'someone else')")
        finally:
            conn.execute("RESET ROLE")
            conn.execute("DROP TABLE IF EXISTS note")
            conn.execute(f'DROP ROLE "{role}"')


SEARCH_PATH = """
name: billing
schemas: [billing]
tables:
  - name: invoice
    schema: billing
    columns: [{name: id, type: bigint, nullable: false}, {name: total, type: numeric}]
    primary_key: [id]
routines:
  - name: invoice_total
    schema: billing
    signature: ''
    definition: |
      CREATE FUNCTION billing.invoice_total() RETURNS numeric LANGUAGE plpgsql AS $$
      DECLARE t numeric;
      BEGIN
        SELECT sum(total) INTO t FROM invoice;
        RETURN coalesce(t, 0);
      END $$
  - name: invoice_count
    schema: billing
    signature: ''
    definition: |
      CREATE FUNCTION billing.invoice_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM billing.invoice $$
  - name: invoice_max
    schema: billing
    signature: ''
    definition: |
      CREATE FUNCTION billing.invoice_max() RETURNS numeric LANGUAGE sql BEGIN ATOMIC SELECT max(total) FROM billing.invoice; END
"""


def test_search_path_fix_respects_unqualified_names() -> None:
    found = {f.where: f for f in _found(_design(SEARCH_PATH), "function-search-path-mutable")}
    assert set(found) == {"billing.invoice_total", "billing.invoice_count"}  # ATOMIC: bound
    assert found["billing.invoice_total"].fix.endswith(
        "SET search_path = pg_catalog, billing, pg_temp;")
    assert "invoice" in found["billing.invoice_total"].message
    assert found["billing.invoice_count"].fix.endswith("SET search_path = '';")


def test_search_path_fixes_keep_the_functions_working(fresh_db: str) -> None:
    """Apply each proposed fix on the server and call the function: it still runs (the
    empty path proposed before issue 17 broke invoice_total)."""
    design = _design(SEARCH_PATH)
    found = _found(design, "function-search-path-mutable")
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA billing; CREATE TABLE billing.invoice "
                      "(id bigint PRIMARY KEY, total numeric); "
                      "INSERT INTO billing.invoice VALUES (1, 5), (2, 7)")
        for r in design.routines:
            conn.execute(r.definition)
        for f in found:
            conn.execute(f.fix)
        assert conn.execute("SELECT billing.invoice_total(), billing.invoice_count()"
                            ).fetchone() == (12, 2)
        conn.execute("ALTER FUNCTION billing.invoice_total() SET search_path = ''")
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT billing.invoice_total()")


SUPABASE_RPC = """
name: teams
roles: [authenticated]
tables:
  - name: team
    columns: [{name: id, type: uuid, nullable: false}, {name: owner, type: uuid}]
    primary_key: [id]
    rls_enabled: true
    policies: [{name: own, command: ALL, roles: [authenticated], using: 'owner = auth.uid()'}]
routines:
  - name: touch_team
    signature: ''
    definition: CREATE FUNCTION public.touch_team() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$ BEGIN RETURN NEW; END $$
  - name: create_team
    signature: name text
    definition: CREATE FUNCTION public.create_team(name text) RETURNS uuid LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT gen_random_uuid() $$
  - name: team_exists
    signature: name text
    definition: CREATE FUNCTION public.team_exists(name text) RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT true $$
grants:
  - {kind: routine, name: create_team, signature: name text, grantee: public, privileges: [EXECUTE], revoke: true}
  - {kind: routine, name: create_team, signature: name text, grantee: authenticated, privileges: [EXECUTE]}
"""


def test_security_definer_routines_are_warnings_for_anonymous_callers_only() -> None:
    found = _found(_design(SUPABASE_RPC), "security-definer-function-callable")
    # the trigger function can't be called, create_team is an RPC for signed-in users only
    assert [(f.table, f.severity) for f in found] == [("team_exists", "warning")]
    assert "FROM PUBLIC" in found[0].fix
