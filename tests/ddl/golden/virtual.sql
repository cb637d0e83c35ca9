-- pgarch_kit DDL for design: virtual
-- target: PostgreSQL 18 (server_version 180000)

SET check_function_bodies = false;

SET search_path = public;

-- tables

CREATE TABLE rects (
    w integer NOT NULL,
    h integer NOT NULL,
    area integer GENERATED ALWAYS AS (w * h) VIRTUAL
);
