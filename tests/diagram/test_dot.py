"""DOT text: escaping, generated ids, subsets, detail levels, partitions, badges."""
from __future__ import annotations

import re

import pytest

from pgarch_kit.diagram import DiagramError, neighbourhood, to_dot

from .designs import hostile, shop

NODE = re.compile(r"^\s*(\w+) \[", re.M)
EDGE = re.compile(r"^\s*(\w+)(?::\w+:\w)? -> (\w+)", re.M)


def _node_ids(dot: str) -> list[str]:
    return [i for i in NODE.findall(dot) if i not in ("graph", "node", "edge")]


def _label_of(dot: str, node: str) -> str:
    m = re.search(rf"^\s*{node} \[(.*)\];$", dot, re.M)
    assert m, node
    return m.group(1)


def test_hostile_names_are_escaped_and_never_ids() -> None:
    d = hostile()
    dot = to_dot(d)
    ids = _node_ids(dot)
    # a table literally called t1 is drawn, but node t1 is the first table, not that one
    assert "a&lt;b&gt;" in _label_of(dot, "t1")
    assert "<B>t1</B>" in _label_of(dot, "t2")
    assert all(re.fullmatch(r"[tevs]\d+|legend", i) for i in ids)
    assert "a&lt;b&gt;&amp;&quot;c&#39;d" in dot
    assert "&lt;id&gt;" in dot and "ref&amp;" in dot
    assert 's&quot;&lt;&amp;&gt;' in dot                  # the schema in its cluster label
    assert 'a<b>&"c' not in dot
    assert "\n{y}" not in dot                             # raw newline never reaches DOT
    assert "d&lt;&quot;&amp;&gt;" in dot                  # the design name in the title


def test_hostile_diagram_renders(dot_available: None) -> None:
    from pgarch_kit.diagram import render_svg
    svg = render_svg(to_dot(hostile()))
    assert "<svg" in svg and "a&lt;b&gt;&amp;" in svg


def test_ids_are_stable_and_output_deterministic() -> None:
    assert to_dot(shop()) == to_dot(shop())
    full, focused = to_dot(shop()), to_dot(shop(), focus="coupons", depth=1)
    # coupons is t3 in both: ids follow the design, not the subset
    assert "<B>coupons</B>" in _label_of(full, "t3")
    assert "<B>coupons</B>" in _label_of(focused, "t3")


def test_neighbourhood_depths() -> None:
    d = shop()
    assert neighbourhood(d, "coupons", 0) == {("public", "coupons")}
    assert neighbourhood(d, "coupons", 1) == {("public", "coupons"), ("public", "orders")}
    two = neighbourhood(d, "coupons", 2)
    assert two == {("public", "coupons"), ("public", "orders"), ("public", "customers")}
    three = neighbourhood(d, "coupons", 3)
    assert ("public", "profiles") in three and ("public", "events") in three
    assert ("public", "categories") not in three
    # a partition resolves to its parent
    assert neighbourhood(d, "events_2", 1) == {("public", "events"), ("public", "customers")}


def test_focus_draws_only_the_subset() -> None:
    dot = to_dot(shop(), focus="coupons", depth=1)
    assert "<B>coupons</B>" in dot and "<B>orders</B>" in dot
    assert "<B>customers</B>" not in dot and "<B>categories</B>" not in dot
    assert "big_orders" not in dot                        # views only in whole diagrams
    assert len(EDGE.findall(dot)) == 1
    assert "around coupons, 1 hop" in dot


def test_unknown_focus_suggests() -> None:
    with pytest.raises(DiagramError, match="did you mean 'coupons'"):
        to_dot(shop(), focus="coupon")


@pytest.mark.parametrize("kwargs", [{"detail": "some"}, {"direction": "XY"},
                                    {"focus": "orders", "depth": -1}])
def test_bad_options(kwargs: dict) -> None:
    with pytest.raises(DiagramError):
        to_dot(shop(), **kwargs)


def test_keys_detail_omits_non_key_columns() -> None:
    all_cols, keys = to_dot(shop()), to_dot(shop(), detail="keys")
    orders = _label_of(keys, "t4")
    assert ">customer_id<" in orders and ">coupon_id<" in orders and "<B>id</B>" in orders
    assert ">total<" not in orders and ">status<" not in orders
    assert "+ 3 more columns" in orders
    assert ">total<" in _label_of(all_cols, "t4")
    assert "key columns only" in keys
    assert "e1 [" not in keys                              # the enum column is not drawn


def test_markers_and_nullability() -> None:
    dot = to_dot(shop())
    orders = _label_of(dot, "t4")
    assert re.search(r"PK</FONT></TD><TD ALIGN=\"LEFT\"><B>id</B>", orders)
    assert "FK IX</FONT></TD><TD ALIGN=\"LEFT\">customer_id" in orders
    assert "GEN</FONT></TD><TD ALIGN=\"LEFT\">total_cents" in orders
    assert "UQ</FONT></TD><TD ALIGN=\"LEFT\">email" in _label_of(dot, "t1")
    row = re.search(r'<TD ALIGN="LEFT">coupon_id</TD>.*?</TR>', orders).group(0)
    assert "NN" not in row                                  # nullable
    row = re.search(r'<TD ALIGN="LEFT">customer_id</TD>.*?</TR>', orders).group(0)
    assert "NN" in row
    assert "numeric(12,2)" in orders                        # short types
    assert "Legend" in dot and "Legend" not in to_dot(shop(), legend=False)


def test_enum_values_and_views() -> None:
    dot = to_dot(shop())
    enum = _label_of(dot, "e1")
    assert "order_status" in enum and ">new<" in enum and ">paid<" in enum
    view = _label_of(dot, "v1")
    assert "dashed" in view and "big_orders" in view
    assert not re.search(r"\bv1\b.*->|->\s*v1\b", dot)     # views have no edges


def test_partitions_fold_into_parent() -> None:
    dot = to_dot(shop())
    assert "events_1" not in dot and "events_2" not in dot
    events = _label_of(dot, "t6")
    assert "3 partitions (range on at)" in events
    assert "FK</FONT></TD><TD ALIGN=\"LEFT\">customer_id" in events  # FK from partitions
    edges = [e for e in EDGE.findall(dot) if e[1] == "t6"]
    assert edges == [("t1", "t6")]                          # drawn once, not three times


def test_findings_badge_and_sizes() -> None:
    dot = to_dot(shop(), findings={"orders": 3, "customers": 0},
                 sizes={"orders": "1.2M rows · 340 MB"})
    orders, customers = _label_of(dot, "t4"), _label_of(dot, "t1")
    assert "3 advisor findings" in orders and "#dc2626" in orders
    assert "#dc2626" not in customers
    assert "1.2M rows · 340 MB" in orders


def test_schemas_become_clusters() -> None:
    dot = to_dot(hostile())
    assert dot.count("subgraph cluster_s") == 2
    assert "subgraph cluster_s" not in to_dot(shop())       # public only: no cluster


def test_direction() -> None:
    tb = to_dot(shop(), direction="TB")
    assert "rankdir=TB" in tb and ":e ->" not in tb
    assert "rankdir=LR" in to_dot(shop()) and ":r1:e -> " in to_dot(shop())


def test_second_key_column_with_its_own_index_is_marked_ix() -> None:
    """In a join table PK (book_id, genre_id) only book_id is indexed by the key itself, so an
    extra index leading with genre_id deserves the IX marker; book_id's does not."""
    from pgarch_kit.diagram.labels import column_markers
    from pgarch_kit.model import Column, Index, IndexKey, PrimaryKey, Table
    t = Table("books_genres", (Column("book_id", "bigint", nullable=False),
                               Column("genre_id", "bigint", nullable=False)),
              primary_key=PrimaryKey(("book_id", "genre_id")),
              indexes=(Index("bg_genre", (IndexKey("genre_id"),)),
                       Index("bg_book", (IndexKey("book_id"),))))
    assert column_markers(t, t.columns[1]) == ["PK", "IX"]
    assert column_markers(t, t.columns[0]) == ["PK"]
