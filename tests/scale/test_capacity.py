"""Capacity estimates: pure arithmetic checked by hand, then against a real load."""
from __future__ import annotations

import pytest

from pgarch_kit.model.serde import loads_design
from pgarch_kit.scale.capacity import Profile, capacity, padding_saving, row_layout

DESIGN = loads_design("""
name: cap
tables:
  - name: events
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: happened, type: boolean, nullable: false}
      - {name: at, type: timestamptz, nullable: false}
      - {name: kind, type: smallint, nullable: false}
      - {name: note, type: text}
    primary_key: [id]
    indexes:
      - {name: events_kind, keys: [kind]}
""")


def test_row_layout_pads_like_postgresql() -> None:
    t = DESIGN.table("events")
    # header 24; id 8 (0-8); happened 1 (8-9); at aligned to 16 (16-24); kind 2 (24-26);
    # note: a short text of 11 bytes + 1-byte header, unaligned (26-38)
    size, with_null = row_layout(t, DESIGN, Profile(widths={"note": 12}))
    assert size == 24 + 38 and with_null == 0
    # half the notes NULL: half the rows pay the null bitmap (23 + 1 still fits in 24)
    size, with_null = row_layout(t, DESIGN, Profile(widths={"note": 12},
                                                    null_frac={"note": 0.5}))
    assert with_null == 0.5 and size == pytest.approx(24 + 26 + 12 * 0.5)


def test_heap_pages_and_reordering() -> None:
    cap = capacity(DESIGN, rows={"events": 100_000},
                   profiles={"events": Profile(widths={"note": 12})})
    t = cap.table("events")
    # 62 bytes -> 65.5 padded (varying width) + 4-byte line pointer; 8168 / 69.5 = 117 a page
    assert t.row_bytes == pytest.approx(69.5)
    assert t.heap_bytes == -(-100_000 // 117) * 8192
    saved, order = padding_saving(DESIGN.table("events"), DESIGN)
    # id, happened, at, kind end at 26 bytes; id, at, kind, happened at 19
    assert saved == 7 and order == ["id", "at", "kind", "happened", "note"]


def test_btree_deduplicates_repeated_keys() -> None:
    few = capacity(DESIGN, rows={"events": 1_000_000},
                   profiles={"events": Profile(distinct={"kind": 10})}, build="create")
    many = capacity(DESIGN, rows={"events": 1_000_000},
                    profiles={"events": Profile(distinct={"kind": 1_000_000})},
                    build="create")
    kind_few = next(i for i in few.table("events").indexes if i.name == "events_kind")
    kind_many = next(i for i in many.table("events").indexes if i.name == "events_kind")
    # 10 distinct values: posting lists of 6 bytes a row; unique values: 20 bytes a row
    assert kind_few.bytes < kind_many.bytes / 2.5


def test_insert_order_sets_how_full_leaves_are() -> None:
    ordered = capacity(DESIGN, rows={"events": 1_000_000}, build="steady")
    created = capacity(DESIGN, rows={"events": 1_000_000}, build="create")
    pk = lambda c: next(i for i in c.table("events").indexes if i.name == "events_pkey")  # noqa: E731
    kind = lambda c: next(i for i in c.table("events").indexes if i.name == "events_kind")  # noqa: E731
    assert pk(ordered).bytes == pk(created).bytes       # identity: always appended
    assert kind(ordered).bytes > kind(created).bytes    # random inserts: ~2/3-full leaves
    with pytest.raises(ValueError, match="build must be one of"):
        capacity(DESIGN, build="fast")


def test_growth_horizon_and_scale() -> None:
    d = loads_design("""
name: g
tables:
  - name: t
    columns: [{name: id, type: bigint, identity: always}]
    primary_key: [id]
    intent: {rows: 1000, growth_per_month: 500}
""")
    assert capacity(d).table("t").rows == 1000
    assert capacity(d, months=24).table("t").rows == 13_000
    assert capacity(d, months=24, scale=10).table("t").rows == 130_000
