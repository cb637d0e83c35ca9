"""Each class of constraint that real schemas use, on a small hand-written schema: imported
through a real server, planned, loaded by ``db.load`` with every constraint in force, and the
loaded rows checked by SQL. numpy RuntimeWarnings are errors here (``pytestmark``).
"""
from __future__ import annotations

import warnings

import psycopg
import pytest

from pgarch_kit.datagen import plan, plan_constraints
from pgarch_kit.db.importer import import_schema
from pgarch_kit.db.load import LoadError, load

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def _load(sql: str, dsn: str, pg_dsn: str, rows: int = 40, **kw):
    design = import_schema(sql, name="classes", dsn=pg_dsn).design
    dp = plan(design, rows={t.name: rows for t in design.tables}, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = load(design, dsn=dsn, plan=dp, progress=False)
    return dp, result


def _one(dsn: str, query: str):
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchone()


def test_multi_column_checks_hold_and_the_plan_names_their_strategy(fresh_db, pg_dsn):
    dp, result = _load("""
        CREATE TABLE account (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            personal boolean NOT NULL,
            slug text UNIQUE,
            starts_at timestamptz NOT NULL,
            ends_at timestamptz,
            kind text NOT NULL CHECK (kind IN ('a', 'b', 'c')),
            quota integer,
            a integer, b integer, c integer,
            CONSTRAINT slug_iff_team CHECK ((personal AND slug IS NULL)
                                            OR (NOT personal AND slug IS NOT NULL)),
            CONSTRAINT same_nullness CHECK ((starts_at IS NULL) = (ends_at IS NULL)),
            CONSTRAINT ordered CHECK (ends_at > starts_at),
            CONSTRAINT quota_by_kind CHECK (CASE WHEN kind = 'a' THEN quota IS NULL
                                                 ELSE quota > 10 END),
            CONSTRAINT exactly_one CHECK (num_nonnulls(a, b, c) = 1));
    """, fresh_db, pg_dsn, rows=300)
    assert result.ok, str(result.verification)
    strategies = dp.tables["account"].strategies
    listed = plan_constraints(dp).set_index("constraint").strategy
    assert listed["slug_iff_team"] == strategies["slug_iff_team"]
    for name in ("slug_iff_team", "same_nullness", "ordered", "quota_by_kind", "exactly_one"):
        assert strategies[name].startswith("repair"), (name, strategies[name])
    # every alternative is used: the repair does not collapse the data onto one branch
    personal, teams, kinds = _one(fresh_db, "SELECT count(*) FILTER (WHERE personal), "
                                  "count(*) FILTER (WHERE NOT personal), count(DISTINCT kind) "
                                  "FROM account")
    assert personal > 0 and teams > 0 and kinds == 3


def test_regex_checks_generate_matching_values(fresh_db, pg_dsn):
    dp, result = _load(r"""
        CREATE TABLE provider (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
            code varchar(8) NOT NULL CHECK (code ~ '^[A-Z]{2}-\d{3,5}$'),
            color text CHECK (color ~* '^#[0-9a-f]{6}$'),
            email text CHECK (email ~ '^[^@\s]+@[a-z]+\.(com|org|net)$'));
    """, fresh_db, pg_dsn, rows=500)
    assert result.ok, str(result.verification)
    n, distinct = _one(fresh_db, "SELECT count(*), count(DISTINCT name) FROM provider")
    assert n == distinct == 500
    assert not any(w.startswith("provider.") and "cannot generate" in w for w in dp.warnings)


def test_numeric_with_scale_equal_to_precision(fresh_db, pg_dsn):
    _, result = _load("""
        CREATE TABLE customer (id int PRIMARY KEY, c_discount decimal(4, 4) NOT NULL,
                               tax numeric(2, 2), c_count numeric(3, 3) NOT NULL);
    """, fresh_db, pg_dsn)
    assert result.ok
    assert _one(fresh_db, "SELECT max(c_discount) < 1 AND max(c_count) < 1 FROM customer")[0]


def test_unique_foreign_keys_are_one_to_one(fresh_db, pg_dsn):
    dp, result = _load("""
        CREATE TABLE item (id int PRIMARY KEY);
        CREATE TABLE translation (id int PRIMARY KEY);
        CREATE TABLE item_translation (item_id int NOT NULL REFERENCES item,
                                       translation_id int NOT NULL REFERENCES translation,
                                       PRIMARY KEY (item_id, translation_id),
                                       CONSTRAINT uk_translation UNIQUE (translation_id));
        CREATE TABLE link (id int PRIMARY KEY,
                           from_item int UNIQUE REFERENCES item,
                           to_item int UNIQUE REFERENCES item);
    """, fresh_db, pg_dsn, rows=40)
    assert result.ok
    assert "one-to-one" in dp.tables["item_translation"].strategies["uk_translation"]
    assert not any("not guaranteed unique" in w for w in dp.warnings)


def test_partial_unique_index_on_a_flag_holds(fresh_db, pg_dsn):
    dp, result = _load("""
        CREATE TABLE templates (id serial PRIMARY KEY, name text NOT NULL,
                                is_default boolean NOT NULL DEFAULT false);
        CREATE UNIQUE INDEX templates_is_default_idx ON templates (is_default)
            WHERE (is_default = true);
        CREATE TABLE members (id serial PRIMARY KEY, list_id int NOT NULL,
                              is_primary boolean NOT NULL);
        CREATE UNIQUE INDEX one_primary ON members (list_id) WHERE is_primary;
        CREATE TABLE copies (id serial PRIMARY KEY);
        CREATE TABLE loans (id serial PRIMARY KEY, copy_id int NOT NULL REFERENCES copies,
                            loaned_at timestamptz NOT NULL, returned_at timestamptz,
                            CHECK (returned_at >= loaned_at));
        CREATE UNIQUE INDEX one_open_loan ON loans (copy_id) WHERE returned_at IS NULL;
    """, fresh_db, pg_dsn, rows=120)
    assert result.ok
    assert _one(fresh_db, "SELECT count(*) FROM templates WHERE is_default")[0] <= 1
    assert "predicate" in dp.tables["templates"].strategies["templates_is_default_idx"]
    # one open loan per copy at most, and many copies have one (the last of each group)
    open_loans, copies = _one(fresh_db, "SELECT count(*), count(DISTINCT copy_id) FROM loans "
                                        "WHERE returned_at IS NULL")
    assert open_loans == copies > 1


def test_quoted_enum_types_and_domains_with_checks(fresh_db, pg_dsn):
    _, result = _load("""
        CREATE TYPE "SecretStoreProvider" AS ENUM ('DATABASE', 'AWS_PARAM_STORE');
        CREATE DOMAIN percent AS numeric(5, 2) CHECK (VALUE >= 0 AND VALUE <= 100);
        CREATE DOMAIN short_code AS text NOT NULL CHECK (VALUE ~ '^[A-Z]{3}$');
        CREATE DOMAIN pair_text AS text CHECK (length(VALUE) BETWEEN 2 AND 5);
        CREATE TABLE "SecretReference" (
            id text PRIMARY KEY, provider "SecretStoreProvider" NOT NULL DEFAULT 'DATABASE',
            share percent, code short_code, tag pair_text,
            providers "SecretStoreProvider"[] NOT NULL,
            label text COLLATE "C" NOT NULL UNIQUE);
    """, fresh_db, pg_dsn)
    assert result.ok
    assert _one(fresh_db, 'SELECT count(DISTINCT provider) FROM "SecretReference"')[0] >= 1


def test_ranges_and_exclusion_constraints_hold(fresh_db, pg_dsn):
    dp, result = _load("""
        CREATE EXTENSION IF NOT EXISTS btree_gist;
        CREATE DOMAIN period AS daterange CHECK (NOT isempty(VALUE));
        CREATE TYPE timespan AS (start time, "end" time);
        CREATE DOMAIN timespan_nn AS timespan
            CHECK ((VALUE IS NULL) OR ((VALUE).start IS NOT NULL AND (VALUE)."end" IS NOT NULL));
        CREATE TABLE child (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
        CREATE TABLE placement (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            child_id uuid NOT NULL REFERENCES child,
            start_date date NOT NULL, end_date date NOT NULL,
            valid_during period NOT NULL,
            stamps tstzrange, counts int8range, money numrange, hours timespan_nn,
            CHECK (start_date <= end_date),
            EXCLUDE USING gist (child_id WITH =, daterange(start_date, end_date, '[]') WITH &&),
            EXCLUDE USING gist (child_id WITH =, valid_during WITH &&));
        CREATE TABLE attendance (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            child_id uuid NOT NULL REFERENCES child,
            date date NOT NULL, start_time time NOT NULL, end_time time,
            EXCLUDE USING gist (child_id WITH =, tsrange(date + start_time, date + end_time)
                                WITH &&));
        CREATE TABLE partner (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                              partnership_id uuid NOT NULL, end_date date,
                              EXCLUDE USING gist (partnership_id WITH =, end_date WITH <>));
    """, fresh_db, pg_dsn, rows=60)
    assert result.ok, str(result.verification)
    assert any("slot" in s for s in dp.tables["placement"].strategies.values())
    assert any("slot" in s for s in dp.tables["attendance"].strategies.values())
    assert any("unique" in s for s in dp.tables["partner"].strategies.values())
    assert _one(fresh_db, "SELECT count(*) FROM attendance")[0] == 60


def test_user_range_types_generate_ordered_bounds() -> None:
    """A range over any orderable subtype (hatchet's uuidrange): bounds increase with the
    row, so ranges never overlap; checked on the generated text (the model's range types
    land with another change; the generator reads any design field of that shape)."""
    import numpy as np

    from pgarch_kit.datagen.plan import ColumnSource
    from pgarch_kit.datagen.ranges import range_text
    src = ColumnSource("range", time_kind="uuidrange", subtype="uuid")
    text = range_text(src, np.arange(50), 50, (0, 10**12), 7).tolist()
    bounds = [t[1:-1].split(",") for t in text]
    assert all(lo < hi for lo, hi in bounds)
    assert all(bounds[i][1] <= bounds[i + 1][0] for i in range(49))


def test_partitioned_table_without_partitions_gets_sandbox_partitions(fresh_db, pg_dsn):
    dp, result = _load("""
        CREATE TABLE events (id bigint NOT NULL, created_at timestamptz NOT NULL,
                             payload text, PRIMARY KEY (id, created_at))
            PARTITION BY RANGE (created_at);
        CREATE TABLE tenants (id int NOT NULL, region text NOT NULL) PARTITION BY LIST (region);
        CREATE TABLE shards (id bigint PRIMARY KEY) PARTITION BY HASH (id);
    """, fresh_db, pg_dsn, rows=50)
    assert result.ok
    parents = {p.parent for p in dp.partitions}
    assert parents == {"events", "tenants", "shards"}
    assert all(p.reason for p in dp.partitions)
    table = plan_constraints(dp)
    assert set(table[table.kind == "sandbox partition"].table) == parents
    assert _one(fresh_db, "SELECT count(*) FROM events")[0] == 50


def test_vector_columns_in_another_schema(fresh_db, pg_dsn):
    _, result = _load("""
        CREATE SCHEMA extensions;
        CREATE EXTENSION vector WITH SCHEMA extensions;
        CREATE TABLE file_items (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                                 local_embedding extensions.vector(384),
                                 openai_embedding extensions.vector(1536) NOT NULL);
    """, fresh_db, pg_dsn, rows=30)
    assert result.ok


def test_rejection_hint_names_the_constraint_and_its_strategy(fresh_db, pg_dsn):
    """A CHECK the generator cannot evaluate (an unknown function) is left to the server;
    when it rejects a row the hint names that CHECK and says so — not some other warning."""
    sql = """
        CREATE FUNCTION is_even(x int) RETURNS boolean LANGUAGE sql IMMUTABLE
            AS 'SELECT x % 2 = 0';
        CREATE TABLE noise (id int PRIMARY KEY, label text CHECK (md5(label) <> 'x'));
        CREATE TABLE numbers (id int PRIMARY KEY, n int NOT NULL,
                              CONSTRAINT n_is_even CHECK (is_even(n)));
    """
    with pytest.raises(LoadError) as err:
        _load(sql, fresh_db, pg_dsn)
    text = str(err.value)
    assert "n_is_even" in text
    assert "constraint 'n_is_even' on numbers" in text and "left to the server" in text
    assert "noise" not in text.split("How the generator made these rows:")[1]


def test_checks_that_work_together_hold(fresh_db, pg_dsn):
    """eVaka's shapes: simple CASE, a CHECK on a generated column, several CHECKs ruling one
    status column, num_nonnulls over many keys, array length and membership, a normal form
    (lower(btrim(x)) = x), and two references to the same table that must differ."""
    _, result = _load("""
        CREATE TYPE user_type AS ENUM ('SYSTEM', 'CITIZEN', 'EMPLOYEE', 'UNKNOWN');
        CREATE TYPE doc_status AS ENUM ('DRAFT', 'SENT', 'HANDLED');
        CREATE TYPE role AS ENUM ('ADMIN', 'STAFF', 'DIRECTOR', 'GUEST');
        CREATE TABLE person (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
        CREATE TABLE employee (id uuid PRIMARY KEY DEFAULT gen_random_uuid());
        CREATE TABLE app_user (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(), type user_type NOT NULL,
            citizen_id uuid REFERENCES person, employee_id uuid REFERENCES employee,
            CONSTRAINT type_match CHECK (CASE type
                WHEN 'SYSTEM' THEN num_nonnulls(citizen_id, employee_id) = 0
                WHEN 'CITIZEN' THEN citizen_id IS NOT NULL AND employee_id IS NULL
                WHEN 'EMPLOYEE' THEN employee_id IS NOT NULL AND citizen_id IS NULL
                WHEN 'UNKNOWN' THEN num_nonnulls(citizen_id, employee_id) = 0
                ELSE NULL::boolean END));
        CREATE TABLE statement (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(), status doc_status NOT NULL,
            sent_at timestamptz, handled_at timestamptz, citizen_modified_at timestamptz,
            handler_id uuid REFERENCES employee,
            is_sent boolean GENERATED ALWAYS AS (sent_at IS NOT NULL) STORED,
            CHECK ((sent_at IS NULL) = (citizen_modified_at IS NULL)),
            CHECK (((status = 'HANDLED') = (handler_id IS NOT NULL))
                   AND ((status = 'HANDLED') = (handled_at IS NOT NULL))
                   AND ((status = 'DRAFT') = (sent_at IS NULL))),
            CHECK (is_sent OR status = 'DRAFT'));
        CREATE TABLE attachment (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            a uuid REFERENCES person, b uuid REFERENCES person, c uuid REFERENCES person,
            d uuid REFERENCES person, e uuid REFERENCES person, f uuid REFERENCES person,
            g uuid REFERENCES person, h uuid REFERENCES person,
            CHECK (num_nonnulls(a, b, c, d, e, f, g, h) <= 1));
        CREATE TABLE daycare (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(), opening_days int[] NOT NULL,
            roles role[] NOT NULL, username text NOT NULL,
            child_id uuid NOT NULL REFERENCES person, head_id uuid NOT NULL REFERENCES person,
            CHECK (cardinality(opening_days) = 7),
            CHECK (ARRAY['ADMIN'::role, 'STAFF'::role] @> roles),
            CHECK (lower(TRIM(BOTH FROM username)) = username),
            CHECK (child_id <> head_id));
    """, fresh_db, pg_dsn, rows=200)
    assert result.ok, str(result.verification)
    assert _one(fresh_db, "SELECT count(DISTINCT status) FROM statement")[0] >= 2


def test_keys_with_checks_arithmetic_and_arrays_of_ranges(fresh_db, pg_dsn):
    """LedgerSMB's and eVaka's shapes: a foreign key column with its own CHECK picks only
    parents that pass it; a CHECK over arithmetic and LEAST/GREATEST; a key NULLed by its
    ratio revealed by a repair keeps its real parent; all-or-nothing num_nonnulls with the
    constant first; an array of dateranges."""
    _, result = _load("""
        CREATE TABLE entity_class (id serial PRIMARY KEY, name text);
        CREATE TABLE account (id serial PRIMARY KEY);
        CREATE TABLE entity (id serial PRIMARY KEY);
        CREATE TABLE credit_account (
            id serial PRIMARY KEY,
            entity_id int NOT NULL REFERENCES entity,
            entity_class int NOT NULL REFERENCES entity_class CHECK (entity_class IN (1, 2)),
            ar_ap_account_id int REFERENCES account,
            CHECK (ar_ap_account_id IS NOT NULL OR entity_id = 0));
        CREATE TABLE invoice (
            id serial PRIMARY KEY, qty numeric NOT NULL, allocated numeric NOT NULL,
            CHECK ((allocated * -1) >= LEAST(0, qty) AND (allocated * -1) <= GREATEST(qty, 0)));
        CREATE TABLE decision (
            id serial PRIMARY KEY, a int, b text, c numeric(4, 2),
            open_ranges daterange[] NOT NULL,
            CHECK (0 = num_nonnulls(a, b, c) OR 3 = num_nonnulls(a, b, c)));
    """, fresh_db, pg_dsn, rows=200)
    assert result.ok, str(result.verification)
    assert _one(fresh_db, "SELECT count(*) FROM credit_account WHERE ar_ap_account_id IS NULL"
                )[0] == 0


def test_sandbox_partitions_of_a_hostile_name(fresh_db, pg_dsn):
    """Partition names are made from the parent's (quoted, cut to 63 bytes): a hostile or
    very long name still gets its partitions, and nothing else runs."""
    parent = 'ev"ents; DROP TABLE x; --' + "é" * 30
    quoted = '"' + parent.replace('"', '""') + '"'
    dp, result = _load(f"""
        CREATE TABLE x (id int PRIMARY KEY);
        CREATE TABLE {quoted} (id bigint NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
    """, fresh_db, pg_dsn, rows=20)
    assert result.ok
    assert all(len(p.name.encode()) <= 63 for p in dp.partitions)
    assert _one(fresh_db, f"SELECT count(*) FROM {quoted}")[0] == 20
    assert _one(fresh_db, "SELECT count(*) FROM x")[0] == 20  # still there
