-- pgarch_kit DDL for design: kinds
-- target: PostgreSQL 18 (server_version 180000)

SET check_function_bodies = false;

SET search_path = public;

-- roles

DO $role$
BEGIN
    CREATE ROLE kinds_g_reader NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$role$;

DO $role$
BEGIN
    CREATE ROLE kinds_g_owner NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$role$;

-- schemas

CREATE SCHEMA IF NOT EXISTS api;

-- extensions

CREATE EXTENSION IF NOT EXISTS unaccent;

-- collations

CREATE COLLATION c_bytes (provider = libc, locale = 'C');

CREATE COLLATION api."Odd ""coll""" (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');

-- text search

CREATE TEXT SEARCH DICTIONARY en_keep (
    TEMPLATE = snowball,
    language = 'english'
);

CREATE TEXT SEARCH CONFIGURATION fold (PARSER = "default");

ALTER TEXT SEARCH CONFIGURATION fold ADD MAPPING FOR asciiword WITH unaccent, en_keep;

ALTER TEXT SEARCH CONFIGURATION fold ADD MAPPING FOR numword WITH simple;

-- types

CREATE TYPE placement AS ENUM ('club', 'daycare');

CREATE TYPE study AS ENUM ('club', 'daycare');

CREATE DOMAIN code AS text
    COLLATE api."Odd ""coll""";

CREATE TYPE opening AS (
    start time without time zone,
    "end" time without time zone
);

CREATE DOMAIN opening_nn AS opening
    CHECK ((VALUE IS NULL) OR ((VALUE).start IS NOT NULL));

CREATE TYPE uuidrange AS RANGE (
    SUBTYPE = uuid
);

CREATE TYPE labelrange AS RANGE (
    SUBTYPE = text,
    COLLATION = c_bytes,
    MULTIRANGE_TYPE_NAME = labels
);

-- functions and procedures

CREATE FUNCTION public.as_study(placement) RETURNS study
 LANGUAGE sql IMMUTABLE
RETURN ($1)::text::study;

-- casts

CREATE CAST (placement AS study) WITH FUNCTION as_study(placement) AS ASSIGNMENT;

CREATE CAST (study AS placement) WITH INOUT;

-- tables

CREATE TABLE api.slot (
    id integer NOT NULL,
    ids uuidrange,
    sku code,
    hours opening_nn,
    name text COLLATE c_bytes,
    PRIMARY KEY (id)
);

CREATE TABLE api.slot_archive (
    id integer
);

-- views

CREATE VIEW api.slot_ids AS
SELECT id FROM api.slot;

-- rules

CREATE RULE archive AS ON DELETE TO api.slot DO ALSO INSERT INTO api.slot_archive VALUES (old.id);

ALTER TABLE api.slot DISABLE RULE archive;

-- comments

COMMENT ON COLLATION c_bytes IS 'byte order';

COMMENT ON TYPE uuidrange IS 'blocks of ids';

COMMENT ON CAST (study AS placement) IS 'by name';

COMMENT ON RULE archive ON api.slot IS 'keeps what goes';

-- privileges

GRANT USAGE ON SCHEMA api TO kinds_g_reader;

GRANT SELECT ON TABLE api.slot TO kinds_g_reader;

GRANT UPDATE (name) ON TABLE api.slot TO kinds_g_reader WITH GRANT OPTION;

REVOKE EXECUTE ON ROUTINE as_study(placement) FROM PUBLIC;

REVOKE USAGE ON TYPE uuidrange FROM PUBLIC;

-- ownership

ALTER VIEW api.slot_ids OWNER TO kinds_g_owner;

-- default privileges

ALTER DEFAULT PRIVILEGES IN SCHEMA api GRANT SELECT ON TABLES TO kinds_g_reader;

ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
