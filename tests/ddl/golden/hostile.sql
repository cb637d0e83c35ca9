-- pgarch_kit DDL for design: hostile names
-- target: PostgreSQL 18 (server_version 180000)

SET check_function_bodies = false;

SET search_path = public;

-- roles

DO $role$
BEGIN
    CREATE ROLE "Role ""x""" NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$role$;

-- schemas

CREATE SCHEMA IF NOT EXISTS "My Schema";

-- types

CREATE TYPE "My Schema"."Feeling" AS ENUM ('hap''py', E'sad\\ish');

-- tables

CREATE TABLE "My Schema"."Odd ""Table""" (
    "select" integer NOT NULL,
    "Mixed Case" text,
    "naïve ñame" text,
    "quote'in" text,
    "user" integer,
    mood "My Schema"."Feeling" DEFAULT 'hap''py',
    "日本語" integer,
    CONSTRAINT "pk ""odd""" PRIMARY KEY ("select"),
    CONSTRAINT "Uniq" UNIQUE ("Mixed Case")
);

CREATE TABLE "My Schema"."order" (
    "from" integer,
    "to" integer,
    CONSTRAINT "from fk" FOREIGN KEY ("from") REFERENCES "My Schema"."Odd ""Table""" ("select")
);

-- indexes

CREATE INDEX "idx ""q""" ON "My Schema"."Odd ""Table""" USING btree ("日本語", "quote'in");

-- row-level security

ALTER TABLE "My Schema"."order" ENABLE ROW LEVEL SECURITY;

CREATE POLICY "Only Mine" ON "My Schema"."order"
    AS PERMISSIVE FOR ALL TO PUBLIC
    USING ("from" > 0);

-- views

CREATE VIEW "My Schema"."Odd View" AS
SELECT "select" FROM "My Schema"."Odd ""Table""";

-- comments

COMMENT ON TABLE "My Schema"."Odd ""Table""" IS 'it''s odd';

COMMENT ON COLUMN "My Schema"."Odd ""Table"""."naïve ñame" IS 'multibyte';
