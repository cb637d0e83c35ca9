"""Plan decisions: row counts, overrides, fan-out, cycles, warnings, enums, escaping."""
from __future__ import annotations

from collections import Counter

from pgarch_kit.datagen import Fixed, Zipf, batches, plan, update_batches
from pgarch_kit.model import Check, Column, Design, EnumType, ForeignKey, PrimaryKey, Schema, Table
from pgarch_kit.model.design import TableIntent

from .conftest import parse_copy


def _parsed(data_plan, table):
    return parse_copy(b"".join(batches(data_plan, table)), data_plan.copy_columns(table))


def _shop() -> Design:
    people = Table("people", (Column("id", "bigint", False, identity="always"),
                              Column("best_friend_id", "bigint"),
                              Column("team_id", "integer"),
                              Column("mood", "app.mood", False),
                              Column("bio", "text"),
                              Column("code", "varchar(6)", False)),
                   primary_key=PrimaryKey(("id",)),
                   checks=(Check("(code ~ '^[A-Z]{3}[0-9]{3}$')"),
                           Check("(md5(bio) <> 'x')")),
                   foreign_keys=(ForeignKey(("best_friend_id",), "people", ("id",)),
                                 ForeignKey(("team_id",), "teams", ("id",))),
                   intent=TableIntent(rows=400))
    teams = Table("teams", (Column("id", "integer", False, identity="by default"),
                            Column("captain_id", "bigint"),
                            Column("name", "text", False)),
                  primary_key=PrimaryKey(("id",)),
                  foreign_keys=(ForeignKey(("captain_id",), "people", ("id",)),),
                  intent=TableIntent(rows=20))
    return Design("t", schemas=(Schema("app"),), enums=(EnumType("mood", ("happy", "sad"), schema="app"),),
                  tables=(people, teams))


def test_row_counts_follow_overrides_intent_scale_and_default():
    design = _shop()
    p = plan(design, scale=0.5, rows={"teams": 7}, default_rows=10)
    assert (p.rows("people"), p.rows("teams")) == (200, 7)
    bare = Design("b", tables=(Table("x", (Column("a", "integer"),)),))
    assert plan(bare, scale=0.01, default_rows=10).rows("x") == 1
    assert plan(bare, default_rows=10).rows("x") == 10


def test_cycle_is_broken_with_a_deferred_update():
    p = plan(_shop(), seed=3)
    first = p.order[0]
    assert len(p.updates) == 1
    upd = p.updates[0]
    assert upd.table == first and upd.key_columns == ("id",)
    rows = _parsed(p, first)
    fk_col = upd.columns[0]
    assert all(r[fk_col] is None for r in rows)  # first pass: NULL
    later = upd.ref_table
    ids = {r["id"] for r in _parsed(p, later)}
    updates = parse_copy(b"".join(update_batches(p, upd)), (*upd.key_columns, *upd.columns))
    assert updates and all(r[fk_col] in ids for r in updates)


def test_enum_in_a_schema_regex_and_unknown_check_warning():
    p = plan(_shop())
    rows = _parsed(p, "people")
    assert {r["mood"] for r in rows} <= {"happy", "sad"}
    assert all(len(r["code"]) == 6 and r["code"][:3].isupper() and r["code"][3:].isdigit()
               for r in rows)
    assert any("people" in w and "md5(bio)" in w for w in p.warnings)


def test_self_reference_picks_earlier_rows():
    rows = _parsed(plan(_shop()), "people")
    assert all(int(r["best_friend_id"]) < int(r["id"]) for r in rows if r["best_friend_id"])


def test_overrides_and_null_ratios():
    p = plan(_shop(), overrides={"teams.name": ["Red", "Blue"],
                                 "people.bio": lambda idx: [f"bio\t{i}" if i % 2 else None
                                                            for i in idx]},
             null_ratios={"people.best_friend_id": 0.0})
    teams = _parsed(p, "teams")
    assert {r["name"] for r in teams} <= {"Red", "Blue"}
    people = _parsed(p, "people")
    assert people[1]["bio"] == "bio\t1" and people[2]["bio"] is None
    assert all(r["best_friend_id"] is not None for r in people[1:])


def test_zipf_fanout_is_skewed_and_fixed_is_even():
    design = _shop()
    skewed = plan(design, fanout={"people.team_id": Zipf(1.5)}, null_ratios={
        "people.team_id": 0.0})
    even = plan(design, fanout={"people.team_id": Fixed(20)}, null_ratios={
        "people.team_id": 0.0})
    update = next(u for u in skewed.updates)
    top = Counter()
    if update.table == "people":
        top = Counter(r["team_id"] for r in parse_copy(
            b"".join(update_batches(skewed, update)), ("id", "team_id")))
    else:
        top = Counter(r["team_id"] for r in _parsed(skewed, "people"))
    assert top.most_common(1)[0][1] > 400 / 20 * 3
    counts = Counter(r["team_id"] for r in _parsed(even, "people")) if even.updates[
        0].table != "people" else Counter(r["team_id"] for r in parse_copy(
            b"".join(update_batches(even, even.updates[0])), ("id", "team_id")))
    assert set(counts.values()) == {20}
