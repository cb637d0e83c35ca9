"""Table shapes the real-world corpus taught: junction tables, one-to-one tables, one-row
tables, short text keys, ORed checks, lowercase checks, conditional NULL checks."""
from __future__ import annotations

import re

from pgarch_kit.datagen import plan
from pgarch_kit.model import Check, Column, Design, ForeignKey, PrimaryKey, Table, Unique

from .test_plan import _parsed

FILMS = Table("films", (Column("id", "integer", False), Column("code", "char(3)", False)),
              primary_key=PrimaryKey(("id",)), uniques=(Unique(("code",)),))
TAGS = Table("tags", (Column("name", "varchar(5)", False),), primary_key=PrimaryKey(("name",)))
FILM_TAGS = Table("film_tags", (Column("film_id", "integer", False),
                                Column("tag", "varchar(5)", False)),
                  primary_key=PrimaryKey(("film_id", "tag")),
                  foreign_keys=(ForeignKey(("film_id",), "films", ("id",)),
                                ForeignKey(("tag",), "tags", ("name",))))
FILM_NOTES = Table("film_notes", (Column("film_id", "integer", False), Column("note", "text")),
                   primary_key=PrimaryKey(("film_id",)),
                   foreign_keys=(ForeignKey(("film_id",), "films", ("id",)),))
LOCK = Table("lock", (Column("lock", "char(1)", False), Column("pos", "bigint")),
             uniques=(Unique(("lock",)),), checks=(Check("(lock = 'X'::bpchar)"),))
FLIGHTS = Table("flights", (
    Column("id", "integer", False), Column("dep", "timestamptz", False),
    Column("arr", "timestamptz", False), Column("landed", "timestamptz"),
    Column("continent", "text", False), Column("domain", "text", False)),
    primary_key=PrimaryKey(("id",)),
    checks=(Check("(arr > dep)"),
            Check("((landed IS NULL) OR ((dep IS NOT NULL) AND (landed > dep)))"),
            Check("(((continent = 'Asia'::text) OR (continent = 'Europe'::text)) OR "
                  "(continent = 'Africa'::text))"),
            Check("((domain)::text = lower((domain)::text))")))
DESIGN = Design("shapes", tables=(FILMS, TAGS, FILM_TAGS, FILM_NOTES, LOCK, FLIGHTS))


def _data(rows):
    p = plan(DESIGN, rows=rows, seed=9)
    return p, {t: _parsed(p, t) for t in p.order}


def test_junction_one_to_one_and_one_row_tables():
    p, data = _data({"films": 30, "tags": 4, "film_tags": 500, "film_notes": 80, "lock": 10})
    assert p.warnings == []
    pairs = [(r["film_id"], r["tag"]) for r in data["film_tags"]]
    assert len(pairs) == len(set(pairs)) == 120  # capped at 30 films x 4 tags
    assert {r["tag"] for r in data["film_tags"]} <= {r["name"] for r in data["tags"]}
    notes = [r["film_id"] for r in data["film_notes"]]
    assert len(notes) == len(set(notes)) == 30  # one per film at most
    assert [r["lock"] for r in data["lock"]] == ["X"]


def test_short_text_keys_stay_unique_and_within_length():
    _, data = _data({"films": 2000, "tags": 300})
    codes = [r["code"] for r in data["films"]]
    assert len(set(codes)) == 2000 and all(re.fullmatch(r"[A-Z]{3}", c) for c in codes)
    names = [r["name"] for r in data["tags"]]
    assert len(set(names)) == 300 and all(len(n) <= 5 for n in names)


def test_ored_lowercase_and_conditional_null_checks():
    p, data = _data({"flights": 500})
    assert p.warnings == []
    for r in data["flights"]:
        assert r["arr"] > r["dep"] and r["landed"] is None
        assert r["continent"] in ("Asia", "Europe", "Africa")
        assert r["domain"] == r["domain"].lower()
