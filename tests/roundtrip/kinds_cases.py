"""Small hand-written schemas, one per object kind the model gained for issue 16 (collations,
text search, range types, casts and rules, privileges), with what the imported design must
hold and a way to lose the kind again (to show the catalog comparison notices)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from pgarch_kit.model import Design


@dataclass(frozen=True)
class Case:
    id: str
    sql: Callable[[int], str]            # server_version -> schema
    check: Callable[[Design], None]      # what the imported design must hold
    strip: Callable[[Design], Design]    # the design without (part of) the kind
    section: str                         # the snapshot section that must then differ


def _collations(version: int) -> str:
    builtin = ("CREATE COLLATION kinds_builtin (provider = builtin, locale = 'C.UTF-8');\n"
               "CREATE TABLE utf (t text COLLATE kinds_builtin);\n" if version >= 170000 else "")
    return f"""
CREATE EXTENSION pg_trgm;
CREATE SCHEMA app;
CREATE COLLATION app.posix_c (provider = libc, locale = 'C');
CREATE COLLATION mixed (lc_collate = 'C', lc_ctype = 'POSIX');
CREATE COLLATION spare (locale = 'POSIX');
COMMENT ON COLLATION mixed IS 'C order, POSIX classes';
CREATE DOMAIN code AS text COLLATE app.posix_c;
CREATE TABLE item (
    id int PRIMARY KEY,
    name text COLLATE app.posix_c,
    label text COLLATE mixed,
    sku code,
    note text
);
CREATE INDEX item_name_c ON item (name COLLATE "C");
CREATE INDEX item_lower ON item (lower(label) COLLATE mixed);
-- gin_trgm_ops stores int4 trigrams: the key's collation is the expression's own, not "default"
CREATE INDEX item_trgm ON item USING gin (lower(note) gin_trgm_ops);
{builtin}"""


def _check_collations(d: Design) -> None:
    names = {(c.schema, c.name): c for c in d.collations}
    assert names[("app", "posix_c")].locale == "C"
    assert (names[("public", "mixed")].lc_collate, names[("public", "mixed")].lc_ctype) == (
        "C", "POSIX")
    assert names[("public", "mixed")].comment == "C order, POSIX classes"
    item = d.table("item")
    assert item.column("name").collation == "app.posix_c"
    assert d.domains[0].collation == "app.posix_c"
    keys = {ix.name: ix.keys[0] for ix in item.indexes}
    assert keys["item_name_c"].collation == "C" and keys["item_trgm"].collation is None


def _text_search(version: int) -> str:
    return """
CREATE EXTENSION unaccent;
CREATE TEXT SEARCH DICTIONARY english_nostop (TEMPLATE = snowball, language = english);
COMMENT ON TEXT SEARCH DICTIONARY english_nostop IS 'stems, keeps stop words';
CREATE TEXT SEARCH CONFIGURATION fold (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION fold ADD MAPPING FOR asciiword, word WITH unaccent, simple;
ALTER TEXT SEARCH CONFIGURATION fold ADD MAPPING FOR numword WITH simple;
ALTER TEXT SEARCH CONFIGURATION fold ALTER MAPPING FOR word WITH unaccent, english_nostop;
CREATE TEXT SEARCH CONFIGURATION spare (COPY = fold);
CREATE TABLE doc (
    id int PRIMARY KEY,
    body text,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('fold', coalesce(body, ''))) STORED
);
CREATE INDEX doc_fts ON doc USING gin (to_tsvector('fold'::regconfig, body));
"""


def _check_text_search(d: Design) -> None:
    (dictionary,) = d.text_search_dictionaries
    assert (dictionary.template, dictionary.options) == ("snowball", (("language", "english"),))
    fold = next(c for c in d.text_search_configurations if c.name == "fold")
    assert dict(fold.mappings) == {"asciiword": ("unaccent", "simple"),
                                   "word": ("unaccent", "english_nostop"),
                                   "numword": ("simple",)}


def _ranges(version: int) -> str:
    return """
CREATE TYPE timerange AS (start time, "end" time);
-- a domain over a composite type (evaka): the composite must come first
CREATE DOMAIN timerange_nn AS timerange
    CHECK (VALUE IS NULL OR ((VALUE).start IS NOT NULL AND (VALUE)."end" IS NOT NULL));
CREATE TYPE uuidrange AS RANGE (subtype = uuid);
CREATE FUNCTION time_diff(a time, b time) RETURNS float8 LANGUAGE sql IMMUTABLE
    AS $$ SELECT extract(epoch FROM a - b)::float8 $$;
CREATE TYPE clockrange AS RANGE (subtype = time, subtype_diff = time_diff,
                                 multirange_type_name = clock_multi);
CREATE DOMAIN pos_int AS int CHECK (VALUE > 0);
CREATE TYPE posrange AS RANGE (subtype = pos_int);
CREATE TYPE spare_range AS RANGE (subtype = text, collation = "C");
COMMENT ON TYPE uuidrange IS 'blocks of ids';
CREATE TABLE slot (
    id int PRIMARY KEY,
    ids uuidrange NOT NULL,
    hours clockrange,
    many clock_multi,
    sizes posrange,
    opening timerange_nn,
    EXCLUDE USING gist (ids WITH &&)
);
"""


def _check_ranges(d: Design) -> None:
    by = {r.name: r for r in d.ranges}
    assert by["uuidrange"].subtype == "uuid" and by["uuidrange"].comment == "blocks of ids"
    assert (by["clockrange"].subtype_diff, by["clockrange"].multirange) == ("time_diff",
                                                                          "clock_multi")
    assert by["spare_range"].collation == "C"
    # the constructors PostgreSQL makes belong to the range, not to the design's routines
    assert [r.name for r in d.routines] == ["time_diff"]


def _casts_rules(version: int) -> str:
    return """
CREATE TYPE placement AS ENUM ('club', 'daycare');
CREATE TYPE study AS ENUM ('club', 'daycare');
CREATE FUNCTION as_study(placement) RETURNS study LANGUAGE sql IMMUTABLE
    RETURN $1::text::study;
CREATE CAST (placement AS study) WITH FUNCTION as_study(placement) AS ASSIGNMENT;
CREATE CAST (study AS placement) WITH INOUT;
COMMENT ON CAST (study AS placement) IS 'by name';
CREATE TABLE attachment (id int, kind int);
CREATE TABLE attachment_a (id int, kind int);
CREATE RULE to_a AS ON INSERT TO attachment WHERE new.kind = 1
    DO INSTEAD INSERT INTO attachment_a VALUES (new.id, new.kind);
CREATE RULE keep AS ON DELETE TO attachment_a DO INSTEAD NOTHING;
ALTER TABLE attachment_a DISABLE RULE keep;
COMMENT ON RULE to_a ON attachment IS 'kind 1 lives apart';
CREATE VIEW attachment_v AS SELECT id, kind FROM attachment;
CREATE RULE v_insert AS ON INSERT TO attachment_v
    DO INSTEAD INSERT INTO attachment VALUES (new.id, new.kind);
"""


def _check_casts_rules(d: Design) -> None:
    casts = {(c.source, c.target): c for c in d.casts}
    fn = casts[("placement", "study")]
    assert (fn.method, fn.function, fn.signature, fn.context) == ("function", "as_study",
                                                                  "placement", "assignment")
    assert casts[("study", "placement")].method == "inout"
    rules = {r.name: r for r in d.rules}
    assert set(rules) == {"to_a", "keep", "v_insert"}
    assert rules["keep"].enabled == "D" and rules["to_a"].comment == "kind 1 lives apart"


def _privileges(version: int) -> str:
    return """
DO $$ BEGIN CREATE ROLE kinds_reader NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE kinds_writer NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE kinds_owner NOLOGIN;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA api;
GRANT USAGE ON SCHEMA api TO kinds_reader, kinds_writer;
CREATE TABLE api.account (id int PRIMARY KEY, email text, secret text);
GRANT SELECT ON api.account TO kinds_reader;
GRANT SELECT (id, email), UPDATE (email) ON api.account TO kinds_writer WITH GRANT OPTION;
GRANT SELECT ON api.account TO postgres;
CREATE SEQUENCE api.ticket;
GRANT USAGE ON SEQUENCE api.ticket TO kinds_writer;
CREATE FUNCTION api.answer() RETURNS int LANGUAGE sql AS 'SELECT 42';
REVOKE EXECUTE ON FUNCTION api.answer() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.answer() TO kinds_reader;
CREATE TYPE api.mood AS ENUM ('ok', 'meh');
REVOKE USAGE ON TYPE api.mood FROM PUBLIC;
CREATE VIEW api.account_ids AS SELECT id FROM api.account;
ALTER VIEW api.account_ids OWNER TO kinds_owner;
ALTER TABLE api.account OWNER TO postgres;
ALTER DEFAULT PRIVILEGES IN SCHEMA api GRANT SELECT ON TABLES TO kinds_reader;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner GRANT SELECT ON TABLES TO kinds_reader;
"""


def _check_privileges(d: Design) -> None:
    assert set(d.roles) == {"kinds_reader", "kinds_writer", "kinds_owner"}
    grants = {(g.kind, g.name, g.column, g.grantee, g.revoke): g for g in d.grants}
    assert grants[("table", "account", None, "kinds_reader", False)].privileges == ("SELECT",)
    col = grants[("column", "account", "email", "kinds_writer", False)]
    assert col.privileges == ("SELECT", "UPDATE") and col.grant_option
    assert grants[("routine", "answer", None, "public", True)].privileges == ("EXECUTE",)
    assert grants[("type", "mood", None, "public", True)].privileges == ("USAGE",)
    assert grants[("schema", "api", None, "kinds_reader", False)].privileges == ("USAGE",)
    assert not any(g.grantee == "postgres" for g in d.grants)  # a superuser: not the design's
    assert [(o.kind, o.name, o.role) for o in d.owners] == [("view", "account_ids",
                                                             "kinds_owner")]
    defaults = {(p.role, p.schema, p.objects, p.grantee, p.revoke) for p in d.default_privileges}
    assert defaults == {(None, "api", "tables", "kinds_reader", False),
                        (None, None, "functions", "public", True),
                        ("kinds_owner", None, "tables", "kinds_reader", False)}


CASES = (
    Case("collations", _collations, _check_collations,
         lambda d: replace(d, collations=tuple(c for c in d.collations if c.name != "spare")),
         "collations"),
    Case("text_search", _text_search, _check_text_search,
         lambda d: replace(d, text_search_configurations=tuple(
             c for c in d.text_search_configurations if c.name != "spare")), "text_search"),
    Case("ranges", _ranges, _check_ranges,
         lambda d: replace(d, ranges=tuple(r for r in d.ranges if r.name != "spare_range")),
         "types"),
    Case("casts_rules", _casts_rules, _check_casts_rules,
         lambda d: replace(d, casts=(), rules=()), "casts"),
    Case("privileges", _privileges, _check_privileges,
         lambda d: replace(d, grants=(), owners=(), default_privileges=()), "privileges"),
)
