-- pgarch_kit DDL for design: cycles
-- target: PostgreSQL 18 (server_version 180000)

SET check_function_bodies = false;

SET search_path = public;

-- tables

CREATE TABLE a (
    id integer NOT NULL,
    b_id integer,
    PRIMARY KEY (id)
);

CREATE TABLE b (
    id integer NOT NULL,
    a_id integer,
    PRIMARY KEY (id),
    CONSTRAINT b_a_fk FOREIGN KEY (a_id) REFERENCES a (id)
);

CREATE TABLE x (
    id integer NOT NULL,
    y_id integer,
    PRIMARY KEY (id)
);

CREATE TABLE z (
    id integer NOT NULL,
    x_id integer,
    PRIMARY KEY (id),
    CONSTRAINT z_x_fk FOREIGN KEY (x_id) REFERENCES x (id)
);

CREATE TABLE y (
    id integer NOT NULL,
    z_id integer,
    PRIMARY KEY (id),
    CONSTRAINT y_z_fk FOREIGN KEY (z_id) REFERENCES z (id)
);

CREATE TABLE uses (
    id integer NOT NULL,
    a_id integer,
    x_id integer,
    PRIMARY KEY (id),
    CONSTRAINT uses_a_fk FOREIGN KEY (a_id) REFERENCES a (id),
    CONSTRAINT uses_x_fk FOREIGN KEY (x_id) REFERENCES x (id)
);

CREATE TABLE node (
    id integer NOT NULL,
    parent integer,
    PRIMARY KEY (id),
    FOREIGN KEY (parent) REFERENCES node (id)
);

CREATE TABLE keyed (
    id integer NOT NULL,
    code text,
    PRIMARY KEY (id)
);

CREATE TABLE by_code (
    code text
);

-- foreign keys (cycles and forward references)

ALTER TABLE a
    ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id) REFERENCES b (id);

ALTER TABLE x
    ADD CONSTRAINT x_y_fk FOREIGN KEY (y_id) REFERENCES y (id);

-- indexes

CREATE UNIQUE INDEX keyed_code_uq ON keyed USING btree (code);

-- foreign keys needing unique indexes

ALTER TABLE by_code
    ADD CONSTRAINT by_code_code_fk FOREIGN KEY (code) REFERENCES keyed (code);
