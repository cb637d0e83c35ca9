-- pgarch_kit DDL for design: partitions
-- target: PostgreSQL 18 (server_version 180000)

SET check_function_bodies = false;

SET search_path = public;

-- tables

CREATE TABLE codes (
    k integer NOT NULL,
    h text,
    PRIMARY KEY (k)
)
PARTITION BY HASH (k);

CREATE TABLE accounts (
    id integer NOT NULL,
    code integer,
    PRIMARY KEY (id),
    FOREIGN KEY (code) REFERENCES codes (k)
);

CREATE TABLE events (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    kind text DEFAULT 'x'::text NOT NULL,
    account_id integer,
    FOREIGN KEY (account_id) REFERENCES accounts (id)
)
PARTITION BY RANGE (at);

CREATE TABLE events_2025 PARTITION OF events (
    CONSTRAINT events_2025_id_check CHECK (id > 0)
)
FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')
PARTITION BY LIST ((lower(kind)));

CREATE TABLE events_2025_a PARTITION OF events_2025
FOR VALUES IN ('a');

CREATE TABLE events_2025_rest PARTITION OF events_2025
DEFAULT;

CREATE TABLE events_2026 (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    kind text DEFAULT 'y2026'::text NOT NULL,
    account_id integer
);

CREATE TABLE events_other PARTITION OF events
DEFAULT;

CREATE TABLE codes_0 PARTITION OF codes
FOR VALUES WITH (modulus 2, remainder 0);

CREATE TABLE codes_1 PARTITION OF codes
FOR VALUES WITH (modulus 2, remainder 1);

-- partitions

ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');

-- indexes

CREATE INDEX events_2025_a_kind ON events_2025_a USING btree (kind);

CREATE INDEX events_2026_kind ON events_2026 USING btree (kind);

CREATE INDEX codes_1_h ON codes_1 USING btree (h);

CREATE INDEX events_kind ON events USING btree (kind);

CREATE INDEX events_lower_kind ON events USING btree ((lower(kind)));

CREATE INDEX codes_h ON codes USING btree (h);
