"""introspect(): real-world schemas loaded into fresh sandboxes and read back into a Design,
plus a hand-written schema that exercises every part of the model on PostgreSQL 18 and 15."""
from __future__ import annotations

import psycopg
from corpus import REALWORLD
from psycopg.rows import dict_row

from pgarch_kit.db.introspect import introspect
from pgarch_kit.model.design import Design, Table


def load(dsn: str, sql: str) -> Design:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)
        before = conn.execute("SHOW search_path").fetchone()[0]
        design = introspect(conn, name="rw")
        assert conn.execute("SHOW search_path").fetchone()[0] == before  # restored
        return design


def load_file(dsn: str, name: str) -> Design:
    return load(dsn, (REALWORLD / f"{name}.sql").read_text())


def _server_version(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.info.server_version


def tbl(design: Design, name: str, schema: str | None = None) -> Table:
    t = design.table(name, schema)
    assert t is not None, f"table {name} missing"
    return t


def test_pagila(fresh_db: str) -> None:
    d = load_file(fresh_db, "pagila")
    assert len(d.tables) == 71
    # partitioning: the parent keeps its key and columns, partitions their bounds
    payment = tbl(d, "payment")
    assert payment.partition_by is not None
    assert (payment.partition_by.strategy, payment.partition_by.keys) == ("range",
                                                                        ("payment_date",))
    assert payment.primary_key is not None
    assert payment.primary_key.columns == ("payment_date", "payment_id")
    assert [i.name for i in payment.indexes] == ["payment_uuid_key"]
    parts = [t for t in d.tables if t.partition_of == "payment"]
    assert len(parts) >= 7
    assert all(t.partition_bound and t.partition_bound.startswith("FOR VALUES FROM (")
               for t in parts)
    p1 = tbl(d, "payment_p2022_01")
    assert p1.partition_bound == ("FOR VALUES FROM ('2022-01-01 00:00:00+00') "
                                  "TO ('2022-02-01 00:00:00+00')")
    # pg_dump wrote the partitions standalone (then ATTACH), so on PostgreSQL 18 their NOT
    # NULL constraints carry their own names, which PARTITION OF would not reproduce: the
    # partition keeps its columns (names PostgreSQL gives a standalone table read as None)
    assert p1.columns == payment.columns
    assert all(c.not_null_name is None for c in p1.columns)
    assert p1.primary_key is None  # inherited from payment_pkey, recreated by PostgreSQL
    assert sorted(fk.ref_table for fk in p1.foreign_keys) == ["customer", "rental", "staff"]
    assert "idx_fk_payment_p2022_01_customer_id" in [i.name for i in p1.indexes]
    # columns: virtual generated, uuidv7 default, enum and domain types, arrays
    film = tbl(d, "film")
    lh = film.column("length_hours")
    assert lh is not None and lh.generated_kind == "virtual"
    assert lh.generated is not None and "length" in lh.generated and lh.default is None
    assert lh.type == "numeric(4,2)"
    assert film.column("rating").type == "mpaa_rating"
    assert film.column("rating").default == "'G'::mpaa_rating"
    assert film.column("release_year").type == "year"
    assert film.column("special_features").type == "text[]"
    assert film.column("film_id").default == "nextval('film_film_id_seq'::regclass)"
    assert tbl(d, "payment").column("uuid").default == "uuidv7()"
    assert any(c.type.startswith("vector(") for c in tbl(d, "film_embedding").columns)
    fulltext = next(i for i in film.indexes if i.name == "film_fulltext_idx")
    assert fulltext.method == "gist" and fulltext.keys[0].column == "fulltext"
    # types
    assert [e.values for e in d.enums if e.name == "mpaa_rating"] == [
        ("G", "PG", "PG-13", "R", "NC-17")]
    domains = {dm.name: dm for dm in d.domains}
    assert domains["bıgınt"].type == "bigint"
    assert domains["year"].type == "integer"
    assert domains["year"].checks[0].name == "year_check"
    assert "VALUE >= 1901" in domains["year"].checks[0].expression
    assert [(e.name, e.schema) for e in d.extensions] == [("vector", "public")]
    # routines: functions verbatim, the aggregate rebuilt, nothing from pgvector
    routines = {r.name: r for r in d.routines}
    agg = routines["group_concat"]
    assert agg.kind == "aggregate" and agg.signature == "text"
    assert agg.definition.startswith("CREATE AGGREGATE public.group_concat(text) (")
    assert "SFUNC = _group_concat" in agg.definition and "STYPE = text" in agg.definition
    assert routines["last_day"].definition.startswith(
        "CREATE OR REPLACE FUNCTION public.last_day(")
    assert not any(r.name.startswith("vector") for r in d.routines)
    assert len(d.routines) == 10
    # views, the materialized view with its unique index
    views = {v.name: v for v in d.views}
    assert len(views) == 8
    mv = views["rental_by_category"]
    assert mv.materialized and not mv.query.endswith(";")
    assert [(i.name, i.unique, i.keys[0].column) for i in mv.indexes] == [
        ("rental_category", True, "category")]
    assert views["sales_by_store"].query.startswith("SELECT")
    # triggers
    trig = [t for t in d.triggers if t.name == "last_updated"]
    assert len(trig) >= 10 and all(t.enabled == "O" for t in trig)
    assert next(t for t in trig if t.table == "actor").definition == (
        "CREATE TRIGGER last_updated BEFORE UPDATE ON actor FOR EACH ROW "
        "EXECUTE FUNCTION last_updated()")
    # sequences: serial-style sequences, not owned in this dump
    assert len(d.sequences) == 13
    seq = next(s for s in d.sequences if s.name == "film_film_id_seq")
    assert (seq.data_type, seq.start, seq.min_value, seq.max_value) == ("bigint", 1, None, None)


def test_airlines(fresh_db: str) -> None:
    d = load_file(fresh_db, "airlines")
    assert [(s.name, s.comment) for s in d.schemas] == [
        ("bookings", "Airlines demo database schema")]
    assert {t.schema for t in d.tables} == {"bookings"} and len(d.tables) == 8
    flights = tbl(d, "flights", "bookings")
    assert flights.comment == "Flights"
    assert flights.primary_key is not None and flights.primary_key.columns == ("flight_id",)
    assert flights.column("flight_id").default == (
        "nextval('bookings.flights_flight_id_seq'::regclass)")
    assert any("scheduled_arrival > scheduled_departure" in c.expression
               for c in flights.checks)
    assert {(fk.ref_table, fk.ref_schema) for fk in flights.foreign_keys} == {
        ("aircrafts_data", None), ("airports_data", None)}
    assert tbl(d, "aircrafts_data", "bookings").column("model").type == "jsonb"
    assert tbl(d, "airports_data", "bookings").column("coordinates").type == "point"
    assert [s.owned_by for s in d.sequences] == [("flights", "flight_id")]
    views = {v.name: v for v in d.views}
    assert set(views) == {"aircrafts", "airports", "flights_v", "routes"}
    assert all(v.schema == "bookings" for v in d.views)
    assert "->> bookings.lang()" in views["aircrafts"].query
    assert "bookings.aircrafts_data" in views["aircrafts"].query  # other schema: qualified
    assert {(r.schema, r.name) for r in d.routines} == {("bookings", "lang"),
                                                        ("bookings", "now")}


def test_synapse(fresh_db: str) -> None:
    d = load_file(fresh_db, "synapse")
    assert len(d.tables) == 138
    partial = {i.name: i.where for t in d.tables for i in t.indexes if i.where}
    assert len(partial) == 12
    assert partial["current_state_events_member_index"] == "(type = 'm.room.member'::text)"
    assert partial["event_push_actions_highlights_index"] == "(highlight = 1)"
    assert sum(1 for t in d.tables if t.primary_key) == 28
    assert len(d.sequences) == 12 and len(d.triggers) == 1 and len(d.routines) == 1


def test_kanboard_sequences_owned(fresh_db: str) -> None:
    d = load_file(fresh_db, "kanboard")
    assert len(d.tables) == 48 and len(d.sequences) == 33
    owned = {s.name: s.owned_by for s in d.sequences}
    assert owned["tasks_id_seq"] == ("tasks", "id")
    assert sum(1 for o in owned.values() if o) >= 30
    assert tbl(d, "tasks").column("id").default == "nextval('tasks_id_seq'::regclass)"
    assert sum(len(t.foreign_keys) for t in d.tables) == 59


def test_world(fresh_db: str) -> None:
    d = load_file(fresh_db, "world")  # BEGIN/COMMIT inside the file
    assert sorted(t.name for t in d.tables) == ["city", "country", "countrylanguage"]
    country = tbl(d, "country")
    assert country.column("code").type == "character(3)"
    assert any("continent" in c.expression for c in country.checks)
    assert sum(len(t.foreign_keys) for t in d.tables) == 2


def test_northwind(fresh_db: str) -> None:
    d = load_file(fresh_db, "northwind")  # starts with DROP TABLE IF EXISTS
    assert len(d.tables) == 14
    orders = tbl(d, "orders")
    assert orders.primary_key is not None and orders.primary_key.columns == ("order_id",)
    assert sum(len(t.foreign_keys) for t in d.tables) == 13
    assert orders.column("ship_name").type == "character varying(40)"


def test_chinook_and_powerdns(fresh_db: str) -> None:
    d = load_file(fresh_db, "chinook")
    assert len(d.tables) == 11 and sum(len(t.foreign_keys) for t in d.tables) == 11
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    d = load_file(fresh_db, "powerdns")
    assert len(d.tables) == 7 and len(d.sequences) == 6
    records = tbl(d, "records")
    order = next(i for i in records.indexes if i.name == "recordorder")
    assert [(k.column, k.opclass) for k in order.keys] == [
        ("domain_id", None), ("ordername", "text_pattern_ops")]
    assert [c.name for c in records.checks] == ["c_lowercase_name"]
    assert next(i for i in tbl(d, "domains").indexes if i.name == "name_index").unique
    meta = tbl(d, "domainmetadata")
    assert [(fk.ref_table, fk.on_delete) for fk in meta.foreign_keys] == [("domains", "CASCADE")]


EDGE = """
CREATE TABLE "Mixed Case" ("Id" int PRIMARY KEY, dropme int, "Name" text, "select" int);
ALTER TABLE "Mixed Case" DROP COLUMN dropme;
CREATE INDEX "Idx Name" ON "Mixed Case" (upper("Name"), "select") INCLUDE ("Id");
CREATE TABLE par (a int, gone int, b text NOT NULL, "C" int) PARTITION BY LIST ("C");
ALTER TABLE par DROP COLUMN gone;
CREATE TABLE par_1 PARTITION OF par FOR VALUES IN (1);
CREATE TABLE par_2 (a int, b text NOT NULL, "C" int);
ALTER TABLE par ATTACH PARTITION par_2 FOR VALUES IN (2);
CREATE TABLE par_3 (a int, b text NOT NULL, "C" int);
COMMENT ON COLUMN par_3.a IS 'own comment';
ALTER TABLE par ATTACH PARTITION par_3 FOR VALUES IN (3);
CREATE AGGREGATE my_pct(float8 ORDER BY float8) (SFUNC = ordered_set_transition,
    STYPE = internal, FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
CREATE TABLE refd (k int, at date, PRIMARY KEY (k, at)) PARTITION BY RANGE (at);
CREATE TABLE refd_1 PARTITION OF refd FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE fkp (k int, at date, FOREIGN KEY (k, at) REFERENCES refd)
    PARTITION BY RANGE (at);
CREATE TABLE fkp_1 PARTITION OF fkp FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
"""


def test_quoted_names_dropped_columns_and_partition_columns(fresh_db_any: str) -> None:
    d = load(fresh_db_any, EDGE)
    mixed = tbl(d, "Mixed Case")
    assert [c.name for c in mixed.columns] == ["Id", "Name", "select"]
    assert mixed.primary_key.name == "Mixed Case_pkey"
    (idx,) = mixed.indexes
    assert idx.name == "Idx Name" and idx.include == ("Id",)
    assert [(k.column, k.expression) for k in idx.keys] == [
        ('upper("Name")', True), ("select", False)]
    assert tbl(d, "par").partition_by.keys == ("C",)
    assert tbl(d, "par_1").columns == ()  # PARTITION OF: the parent's columns and names
    # attached standalone: same columns, but on PostgreSQL 18 NOT NULL names of its own
    assert (tbl(d, "par_2").columns != ()) == (_server_version(fresh_db_any) >= 180000)
    assert tbl(d, "par_3").column("a").comment == "own comment"  # kept: would be lost
    # FK declared on the partitioned parent: cloned onto partitions, listed once
    assert [fk.ref_table for fk in tbl(d, "fkp").foreign_keys] == ["refd"]
    assert tbl(d, "fkp_1").foreign_keys == () and tbl(d, "refd_1").primary_key is None
    (agg,) = [r for r in d.routines if r.kind == "aggregate"]
    assert agg.definition.startswith(
        "CREATE AGGREGATE public.my_pct(double precision ORDER BY double precision) (")
    assert "FINALFUNC_EXTRA" in agg.definition


CUSTOM = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgarch_test_tenant') THEN
    CREATE ROLE pgarch_test_tenant NOLOGIN;
  END IF;
END $$;
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'application';
CREATE TYPE app.addr AS (street text, zip character varying(10));
COMMENT ON TYPE app.addr IS 'an address';
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TYPE mood ADD VALUE 'happy' BEFORE 'ok';
CREATE DOMAIN app.posint AS integer NOT NULL DEFAULT 1
    CONSTRAINT posint_positive CHECK (VALUE > 0);
CREATE DOMAIN ctext AS text COLLATE "C";
CREATE SEQUENCE app.down_seq AS integer INCREMENT BY -2 START WITH -10 MAXVALUE -5 CACHE 5
    CYCLE;
CREATE SEQUENCE plain_seq AS smallint MINVALUE 10 START 10;
COMMENT ON SEQUENCE plain_seq IS 'a counter';
CREATE TABLE app.room (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                       name text COLLATE "C" NOT NULL, code text);
CREATE TABLE app.booking (
  id bigint GENERATED BY DEFAULT AS IDENTITY,
  room_id bigint NOT NULL,
  during tstzrange NOT NULL,
  price numeric(10,2) CHECK (price >= 0) NO INHERIT,
  qty app.posint,
  total numeric GENERATED ALWAYS AS (price * 2) STORED,
  email text,
  tag text,
  CONSTRAINT booking_pk PRIMARY KEY (id) INCLUDE (room_id),
  CONSTRAINT booking_uq UNIQUE NULLS NOT DISTINCT (email, tag) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT booking_room_fk FOREIGN KEY (room_id) REFERENCES app.room(id) MATCH FULL
      ON DELETE CASCADE ON UPDATE SET NULL DEFERRABLE,
  CONSTRAINT no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&,
      (lower(during)) WITH =) INCLUDE (price) WHERE (qty > 0)
) WITH (fillfactor=80);
COMMENT ON TABLE app.booking IS 'bookings';
COMMENT ON COLUMN app.booking.email IS 'mail';
CREATE INDEX booking_email_lower ON app.booking (lower(email) DESC NULLS LAST,
    tag text_pattern_ops, email COLLATE "C" NULLS FIRST) INCLUDE (price)
    WHERE email IS NOT NULL;
CREATE UNIQUE INDEX booking_tag_nnd ON app.booking (tag) NULLS NOT DISTINCT
    WITH (fillfactor=70);
COMMENT ON INDEX app.booking_email_lower IS 'lookup';
CREATE TABLE orders (id int PRIMARY KEY);
CREATE TABLE lines (order_id int REFERENCES orders ON DELETE RESTRICT ON UPDATE SET DEFAULT,
                    n int DEFAULT 0, room bigint REFERENCES app.room);
CREATE UNLOGGED TABLE scratch (a int, b text);
CREATE TABLE measure (id int NOT NULL, region text NOT NULL, at date NOT NULL,
                      v double precision DEFAULT 0) PARTITION BY LIST (region);
CREATE TABLE measure_eu PARTITION OF measure FOR VALUES IN ('eu', 'uk')
    PARTITION BY RANGE (at, (id % 10));
CREATE TABLE measure_eu_2024 PARTITION OF measure_eu
    FOR VALUES FROM ('2024-01-01', 0) TO ('2025-01-01', 10);
CREATE TABLE measure_other (id int NOT NULL, region text NOT NULL, at date NOT NULL,
                            v double precision DEFAULT 42);
ALTER TABLE measure ATTACH PARTITION measure_other DEFAULT;
ALTER TABLE measure_other ADD CONSTRAINT measure_other_v CHECK (v > 0);
CREATE INDEX measure_at ON measure (at);
CREATE TABLE hashed (k int PRIMARY KEY) PARTITION BY HASH (k);
CREATE TABLE hashed_0 PARTITION OF hashed FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE hashed_1 PARTITION OF hashed FOR VALUES WITH (MODULUS 2, REMAINDER 1);
ALTER TABLE scratch ENABLE ROW LEVEL SECURITY;
ALTER TABLE scratch FORCE ROW LEVEL SECURITY;
CREATE POLICY p_all ON scratch USING (a > 0);
CREATE POLICY p_ins ON scratch AS RESTRICTIVE FOR INSERT TO pgarch_test_tenant
    WITH CHECK (b <> 'x');
CREATE VIEW v1 AS SELECT id, name FROM app.room WHERE id > 0 WITH CASCADED CHECK OPTION;
ALTER VIEW v1 SET (security_barrier = true);
CREATE VIEW a_v2 AS SELECT * FROM v1;
CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM a_v2;
CREATE UNIQUE INDEX mv_n ON mv (n);
COMMENT ON VIEW a_v2 IS 'depends on v1';
CREATE PROCEDURE app.touch(x integer) LANGUAGE sql AS $$ SELECT x $$;
COMMENT ON PROCEDURE app.touch(integer) IS 'proc';
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t1 BEFORE INSERT ON app.room FOR EACH ROW EXECUTE FUNCTION trg();
ALTER TABLE app.room DISABLE TRIGGER t1;
COMMENT ON TRIGGER t1 ON app.room IS 'trig';
CREATE TRIGGER mt AFTER INSERT ON measure FOR EACH ROW EXECUTE FUNCTION trg();
CREATE AGGREGATE mysum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0',
                             COMBINEFUNC = int4pl, PARALLEL = SAFE);
CREATE AGGREGATE mymax(int) (SFUNC = int4larger, STYPE = int, SORTOP = >);
CREATE SCHEMA pgarch_meta;
CREATE TABLE pgarch_meta.marker (x int);
"""


def test_custom_schema_every_part(fresh_db_any: str) -> None:
    d = load(fresh_db_any, CUSTOM)
    assert [s.name for s in d.schemas] == ["app"] and d.schemas[0].comment == "application"
    assert all(t.schema != "pgarch_meta" for t in d.tables)
    assert [e.name for e in d.extensions] == ["btree_gist"]
    assert not any(r.name.startswith("gbt") for r in d.routines)  # extension members
    assert d.roles == ("pgarch_test_tenant",)
    assert [e.values for e in d.enums] == [("sad", "happy", "ok")]
    dom = {x.name: x for x in d.domains}
    assert (dom["posint"].schema, dom["posint"].not_null, dom["posint"].default) == (
        "app", True, "1")
    assert dom["posint"].checks[0].name == "posint_positive"
    assert dom["posint"].checks[0].expression == "(VALUE > 0)"
    assert dom["ctext"].collation == "C"
    assert d.composites[0].attributes == (("street", "text"), ("zip", "character varying(10)"))
    assert d.composites[0].comment == "an address"
    seqs = {s.name: s for s in d.sequences}
    assert set(seqs) == {"down_seq", "plain_seq"}  # identity sequences are not listed
    down = seqs["down_seq"]
    assert (down.data_type, down.start, down.increment, down.min_value, down.max_value,
            down.cache, down.cycle) == ("integer", -10, -2, None, -5, 5, True)
    plain = seqs["plain_seq"]
    assert (plain.data_type, plain.min_value, plain.max_value, plain.comment) == (
        "smallint", 10, None, "a counter")

    room = tbl(d, "room", "app")
    assert room.column("id").identity == "always" and not room.column("id").nullable
    assert room.column("name").collation == "C" and room.column("code").collation is None
    b = tbl(d, "booking", "app")
    assert b.options == ("fillfactor=80",) and b.comment == "bookings"
    assert b.column("id").identity == "by default"
    assert b.column("qty").type == "app.posint"
    total = b.column("total")
    assert total.generated == "(price * (2)::numeric)" and total.generated_kind == "stored"
    assert b.column("email").comment == "mail"
    assert b.primary_key.name == "booking_pk" and b.primary_key.include == ("room_id",)
    (uq,) = b.uniques
    assert (uq.columns, uq.nulls_not_distinct, uq.deferrable, uq.initially_deferred) == (
        ("email", "tag"), True, True, True)
    (chk,) = b.checks
    assert chk.no_inherit and chk.expression == "(price >= (0)::numeric)"
    (fk,) = b.foreign_keys
    assert (fk.name, fk.columns, fk.ref_table, fk.ref_schema, fk.ref_columns) == (
        "booking_room_fk", ("room_id",), "room", None, ("id",))
    assert (fk.on_delete, fk.on_update, fk.match, fk.deferrable) == (
        "CASCADE", "SET NULL", "FULL", True)
    (ex,) = b.exclusions
    assert [(e.expression, e.operator) for e in ex.elements] == [
        ("room_id", "="), ("during", "&&"), ("(lower(during))", "=")]
    assert (ex.using, ex.include, ex.where) == ("gist", ("price",), "((qty)::integer > 0)")
    idx = {i.name: i for i in b.indexes}
    assert set(idx) == {"booking_email_lower", "booking_tag_nnd"}  # not the constraint ones
    el = idx["booking_email_lower"]
    k0, k1, k2 = el.keys
    assert (k0.column, k0.expression, k0.descending, k0.nulls_first) == (
        "lower(email)", True, True, False)
    assert (k1.column, k1.opclass) == ("tag", "text_pattern_ops")
    assert (k2.column, k2.collation, k2.descending, k2.nulls_first) == (
        "email", "C", False, True)
    assert (el.include, el.where, el.comment) == (("price",), "(email IS NOT NULL)", "lookup")
    nnd = idx["booking_tag_nnd"]
    assert nnd.unique and nnd.nulls_not_distinct and nnd.options == ("fillfactor=70",)

    lines = tbl(d, "lines")
    fks = {fk.ref_table: fk for fk in lines.foreign_keys}
    assert (fks["orders"].on_delete, fks["orders"].on_update) == ("RESTRICT", "SET DEFAULT")
    assert fks["room"].ref_schema == "app"

    scratch = tbl(d, "scratch")
    assert scratch.unlogged and scratch.rls_enabled and scratch.rls_forced
    p_all, p_ins = scratch.policies
    assert (p_all.name, p_all.command, p_all.permissive, p_all.roles, p_all.using) == (
        "p_all", "ALL", True, ("public",), "(a > 0)")
    assert (p_ins.command, p_ins.permissive, p_ins.roles, p_ins.with_check) == (
        "INSERT", False, ("pgarch_test_tenant",), "(b <> 'x'::text)")

    measure = tbl(d, "measure")
    assert measure.partition_by.strategy == "list" and measure.partition_by.keys == ("region",)
    assert [i.name for i in measure.indexes] == ["measure_at"]
    eu = tbl(d, "measure_eu")
    assert eu.partition_of == "measure" and eu.partition_bound == "FOR VALUES IN ('eu', 'uk')"
    assert eu.partition_by.keys == ("at", "(id % 10)") and eu.columns == ()
    assert eu.indexes == ()  # measure_eu_at_idx is a partition of measure_at
    assert tbl(d, "measure_eu_2024").partition_bound == (
        "FOR VALUES FROM ('2024-01-01', 0) TO ('2025-01-01', 10)")
    other = tbl(d, "measure_other")
    assert other.partition_bound == "DEFAULT"
    assert other.column("v").default == "42"  # differs from the parent: full column list
    assert [c.name for c in other.checks] == ["measure_other_v"]
    assert tbl(d, "hashed_1").partition_bound == "FOR VALUES WITH (modulus 2, remainder 1)"
    assert tbl(d, "hashed_1").primary_key is None

    assert [v.name for v in d.views] == ["v1", "a_v2", "mv"]  # dependency order
    v1 = d.views[0]
    assert (v1.check_option, v1.options) == ("cascaded", ("security_barrier=true",))
    assert "FROM app.room" in v1.query and not v1.query.endswith(";")
    assert d.views[1].comment == "depends on v1"
    assert d.views[2].materialized and d.views[2].indexes[0].name == "mv_n"

    routines = {r.name: r for r in d.routines}
    assert routines["touch"].kind == "procedure" and routines["touch"].comment == "proc"
    assert routines["touch"].signature == "IN x integer"
    assert routines["mysum"].definition == (
        "CREATE AGGREGATE public.mysum(integer) (\n    SFUNC = int4pl,\n    STYPE = integer,"
        "\n    COMBINEFUNC = int4pl,\n    INITCOND = '0',\n    PARALLEL = SAFE\n)")
    assert "SORTOP = OPERATOR(pg_catalog.>)" in routines["mymax"].definition
    trig = {(t.table, t.name): t for t in d.triggers}
    assert set(trig) == {("room", "t1"), ("measure", "mt")}  # no clones on partitions
    assert trig[("room", "t1")].enabled == "D" and trig[("room", "t1")].comment == "trig"
    assert trig[("room", "t1")].schema == "app"


def test_schema_filter_and_search_path_restored(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA s1; CREATE TABLE s1.a (x int); CREATE TABLE b (y int);"
                     "CREATE TYPE s1.e AS ENUM ('x')")
        conn.execute("SET search_path = s1, public")
        d = introspect(conn, schemas=["s1"])
        assert [(t.schema, t.name) for t in d.tables] == [("s1", "a")]
        assert d.enums[0].schema == "s1"
        assert conn.execute("SHOW search_path").fetchone()[0] == "s1, public"
        assert introspect(conn) == introspect(conn)  # deterministic
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:  # in a transaction, too
        d = introspect(conn)
        assert {t.name for t in d.tables} == {"a", "b"}
        assert conn.execute("SHOW search_path").fetchone() == {"search_path": '"$user", public'}
