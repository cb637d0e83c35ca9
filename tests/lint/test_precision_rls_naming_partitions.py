"""Issue 17's second round of false-positive classes, each pinned on a fragment of our own:
permissive policies are info and their merge never loses a command's access (checked on the
server), definer helpers that policies call keep EXECUTE while definer routines that lose
data are errors, a body naming nothing is never pinned to an empty path, 63-byte names are no
evidence of truncation, established names are not renamed at warning level, expired RANGE
partitions are errors with a fix that works today, and INSERT-only initPlan wraps are info."""
from __future__ import annotations

import datetime as dt
import secrets

import psycopg

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design


def _design(text: str):
    return loads_design(text, check=False)


def _found(design, *rules: str):
    return [f for f in lint(design, select=list(rules), ignore=[]).findings]


# ------------------------------------------------------------ multiple-permissive-policies

POLICIES = """
name: wiki
tables:
  - name: page
    columns:
      - {name: id, type: int, nullable: false}
      - {name: author, type: text}
      - {name: published, type: boolean}
    primary_key: [id]
    rls_enabled: true
    policies:
      - {name: page_own, command: ALL, roles: [editor], using: 'author = CURRENT_USER',
         with_check: 'author = CURRENT_USER'}
      - {name: page_public, command: SELECT, roles: [editor], using: 'published'}
      - {name: page_read_seven, command: SELECT, roles: [editor], using: 'id = 7'}
      - {name: page_edit_draft, command: UPDATE, roles: [editor], using: 'NOT published'}
      - {name: page_edit_seven, command: UPDATE, roles: [editor], using: 'id = 7',
         with_check: 'id = 7'}
      - {name: page_add_draft, command: INSERT, roles: [editor], with_check: 'NOT published'}
      - {name: page_add_nine, command: INSERT, roles: [editor], with_check: 'id = 9'}
"""


def test_permissive_policies_are_info_and_a_for_all_policy_is_never_dropped() -> None:
    found = _found(_design(POLICIES), "multiple-permissive-policies")
    assert found and all(f.severity == "info" for f in found)
    for f in found:
        assert "… OR …" not in f.fix
        assert 'DROP POLICY page_own' not in f.fix       # its INSERT/UPDATE/DELETE stay


def _behaviour(conn, role: str) -> dict[str, object]:
    """What ``role`` may do to page, command by command (changes rolled back)."""
    out: dict[str, object] = {}
    conn.execute(f'SET ROLE "{role}"')
    try:
        out["select"] = [r[0] for r in conn.execute("SELECT id FROM page ORDER BY id")]
        for command, sql in (("update", "UPDATE page SET author = author RETURNING id"),
                             ("update_to_7", "UPDATE page SET id = 7 WHERE id = 8 RETURNING id"),
                             ("delete", "DELETE FROM page RETURNING id")):
            with conn.transaction(force_rollback=True):
                try:
                    out[command] = sorted(r[0] for r in conn.execute(sql))
                except psycopg.errors.InsufficientPrivilege:
                    out[command] = "refused"
        for new in ("(20, 'x', false)", "(9, 'x', true)", "(21, 'x', true)",
                    f"(22, '{role}', true)"):
            with conn.transaction(force_rollback=True):
                try:
                    conn.execute(f"INSERT INTO page VALUES {new}")
                    out[new] = "ok"
                except psycopg.errors.InsufficientPrivilege:
                    out[new] = "refused"
    finally:
        conn.execute("RESET ROLE")
    return out


def test_proposed_policy_merges_keep_every_commands_access(fresh_db: str) -> None:
    design = _design(POLICIES)
    merges = [f.fix for f in _found(design, "multiple-permissive-policies")
              if f.fix.startswith("BEGIN;")]
    assert merges, "two same-command policy sets can be merged"
    role = f"t17_editor_{secrets.token_hex(4)}"
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" NOLOGIN')
        try:
            conn.execute("CREATE TABLE page (id int PRIMARY KEY, author text, published boolean)")
            conn.execute(f"""INSERT INTO page VALUES (1, '{role}', false), (2, 'other', true),
                             (3, 'other', false), (7, 'other', false), (8, 'other', false)""")
            conn.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON page TO "{role}"')
            conn.execute("ALTER TABLE page ENABLE ROW LEVEL SECURITY")
            for p in design.tables[0].policies:
                clauses = (f" USING ({p.using})" if p.using else "") + \
                    (f" WITH CHECK ({p.with_check})" if p.with_check else "")
                conn.execute(f'CREATE POLICY {p.name} ON page FOR {p.command} TO "{role}"'
                             f"{clauses}")
            before = _behaviour(conn, role)
            for fix in merges:
                conn.execute(fix.replace("TO editor", f'TO "{role}"'))
            after = _behaviour(conn, role)
            names = {r[0] for r in conn.execute("SELECT policyname FROM pg_policies")}
        finally:
            conn.execute("DROP TABLE IF EXISTS page")
            conn.execute(f'DROP ROLE "{role}"')
    assert "page_own" in names and "page_public" not in names    # merged, FOR ALL kept
    assert after == before
    assert before["select"] == [1, 2, 7] and before["(9, 'x', true)"] == "ok"


# ------------------------------------------------------- security-definer-function-callable

DEFINERS = """
name: notes_api
roles: [anon, authenticated]
tables:
  - name: note
    columns: [{name: id, type: uuid, nullable: false}, {name: owner, type: uuid}]
    primary_key: [id]
    rls_enabled: true
    policies:
      - {name: note_read, command: SELECT, roles: [anon, authenticated],
         using: 'public.note_is_shared(id) OR owner = auth.uid()'}
routines:
  - name: note_is_shared
    signature: n uuid
    definition: CREATE FUNCTION public.note_is_shared(n uuid) RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT true $$
  - name: wipe_notes
    signature: ''
    definition: CREATE FUNCTION public.wipe_notes() RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ DELETE FROM public.note $$
  - name: wipe_all
    signature: ''
    definition: CREATE FUNCTION public.wipe_all() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$ BEGIN PERFORM public.wipe_notes(); END $$
  - name: note_count
    signature: ''
    definition: CREATE FUNCTION public.note_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT count(*) FROM public.note $$
"""


def test_definer_routines_are_judged_by_what_they_do() -> None:
    found = {f.table: f for f in _found(_design(DEFINERS), "security-definer-function-callable")}
    helper = found["note_is_shared"]
    assert helper.severity == "info" and "REVOKE" not in helper.fix   # the policy needs it
    for name in ("wipe_notes", "wipe_all"):        # wipe_all deletes through wipe_notes
        assert found[name].severity == "error"
        assert found[name].fix.startswith(f"REVOKE EXECUTE ON FUNCTION public.{name}() FROM "
                                          f"PUBLIC, anon, authenticated;")
    assert found["note_count"].severity == "warning"
    assert "FROM PUBLIC, anon;" in found["note_count"].fix   # anon's direct grant too


# ----------------------------------------------------------- function-search-path-mutable

STUB = """
name: books
schemas: [books]
routines:
  - name: post_entry
    schema: books
    signature: ''
    definition: |
      CREATE FUNCTION books.post_entry() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        -- the real body is installed by the application's module loader
        RETURN NEW;
      END $$
"""


def test_a_body_naming_nothing_is_not_pinned_to_an_empty_path() -> None:
    [f] = _found(_design(STUB), "function-search-path-mutable")
    assert f.fix.endswith("SET search_path = pg_catalog, books, pg_temp;")
    assert "names no schema object" in f.message


# -------------------------------------------------------------------- identifier-too-long

def _long_names(*names: str) -> str:
    tables = "".join(f"""
  - name: {n}
    columns: [{{name: id, type: int, nullable: false}}]
""" for n in names)
    return f"name: long\ntables:{tables}"


def test_a_63_byte_name_is_no_evidence_of_truncation() -> None:
    at_limit = ["t" * 60 + "_ab", "t" * 60 + "_cd"]
    found = _found(_design(_long_names(*at_limit)), "identifier-too-long")
    assert [(f.table, f.severity) for f in found] == [(None, "info")]


def test_names_over_the_limit_warn_and_collisions_are_errors() -> None:
    found = _found(_design(_long_names("r" * 70, "s" * 63 + "_one", "s" * 63 + "_two")),
                   "identifier-too-long")
    by = {f.table: f.severity for f in found}
    assert by == {"r" * 70: "warning", "s" * 63 + "_one": "error", "s" * 63 + "_two": "error"}


# --------------------------------------------------------------- identifier-needs-quoting

def _quoting(pk_name: str | None, extra: str = "") -> str:
    name = f", name: {pk_name}" if pk_name else ""
    return f"""
name: shop
tables:
  - name: item
    columns:
      - {{name: id, type: int, nullable: false}}
      - {{name: order, type: int}}
      - {{name: 2nd price, type: int}}
{extra}    primary_key: {{columns: [id]{name}}}
"""


def test_established_reserved_names_are_info_and_the_rename_warns() -> None:
    existing = {f.column: f for f in _found(_design(_quoting("item_pkey")),
                                           "identifier-needs-quoting")}
    assert existing["order"].severity == "info"
    assert "breaks every query" in existing["order"].fix
    assert existing["2nd price"].severity == "warning"      # bites every client
    new = {f.column: f for f in _found(_design(_quoting(None)), "identifier-needs-quoting")}
    assert new["order"].severity == "warning"               # a new design: renaming is free


def test_a_reserved_word_in_a_quote_everything_design_is_info() -> None:
    mixed = "".join(f"      - {{name: {c}, type: int}}\n"
                    for c in ("itemCode", "unitPrice", "taxRate", "createdAt", "updatedAt"))
    found = {f.column: f for f in _found(_design(_quoting(None, mixed)),
                                        "identifier-needs-quoting")}
    assert found["order"].severity == "info"


# -------------------------------------------------------- partitioned-no-default-partition

def _month(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def _partitioned(last_upper: dt.date) -> str:
    parts = "".join(f"""
  - name: reading_{i}
    partition_of: reading
    partition_bound: FOR VALUES FROM ('{_month(last_upper, -i - 1)}') TO ('{_month(last_upper, -i)}')
    columns: [{{name: id, type: bigint, nullable: false}}, {{name: taken_on, type: date, nullable: false}}]
""" for i in range(3))
    return f"""
name: meters
tables:
  - name: reading
    columns: [{{name: id, type: bigint, nullable: false}}, {{name: taken_on, type: date, nullable: false}}]
    partition_by: {{strategy: range, keys: [taken_on]}}
{parts}"""


def test_expired_range_partitions_are_an_error_whose_fix_works_today(fresh_db: str) -> None:
    today = dt.date.today()
    expired = _design(_partitioned(_month(today, -2)))
    [f] = _found(expired, "partitioned-no-default-partition")
    assert f.severity == "error" and "already past" in f.message
    assert _found(_design(_partitioned(_month(today, 2))),
                  "partitioned-no-default-partition") == []
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE reading (id bigint NOT NULL, taken_on date NOT NULL) "
                     "PARTITION BY RANGE (taken_on)")
        for t in expired.tables[1:]:
            conn.execute(f"CREATE TABLE {t.name} PARTITION OF reading {t.partition_bound}")
        try:
            conn.execute("INSERT INTO reading VALUES (1, %s)", (today,))
            raise AssertionError("the expired partitions should refuse today's row")
        except psycopg.errors.CheckViolation:
            pass
        conn.execute(f.fix.split(" -- ")[0])
        conn.execute("INSERT INTO reading VALUES (1, %s), (2, %s)",
                     (today, today + dt.timedelta(days=31)))
        assert conn.execute("SELECT count(*) FROM reading").fetchone() == (2,)


# ------------------------------------------------------------- rls-initplan-function-call

INITPLAN = """
name: uploads
tables:
  - name: upload
    columns: [{name: id, type: uuid, nullable: false}, {name: owner, type: uuid}]
    primary_key: [id]
    rls_enabled: true
    policies:
      - {name: upload_add, command: INSERT, roles: [authenticated],
         with_check: 'owner = auth.uid()'}
      - {name: upload_own, command: ALL, roles: [authenticated], using: 'owner = auth.uid()'}
"""


def test_an_insert_only_with_check_is_info() -> None:
    found = {f.message.split()[1]: f.severity
             for f in _found(_design(INITPLAN), "rls-initplan-function-call")}
    assert found == {"upload_add": "info", "upload_own": "warning"}
