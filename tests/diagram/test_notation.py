"""The simple notation: arrows from the referencing table to the referenced one with 1/N
labels, rendered through Graphviz for every sample design; the crow's-foot default unchanged
(the golden files of test_golden.py hold its exact text); a bad notation named clearly."""
from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pytest

import pgarch_kit as pk
from pgarch_kit.diagram import NOTATIONS, DiagramError, diagram, render, render_svg, to_dot
from pgarch_kit.diagram.notation import LABEL_COLOUR, simple_labels
from pgarch_kit.model.design import Design
from pgarch_kit.model.serde import load_design

from .designs import shop

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "data" / "designs").glob("*.yaml"))

EDGE = re.compile(r"^\s*(\w+(?::\w+:\w+)?) -> (\w+(?::\w+:\w+)?) \[(.*)\];$", re.M)
ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+)')
CROWS_FOOT = re.compile(r"crow|tee|odot|inv")
# Graphviz writes each end label as its own <text> element in the label colour.
SVG_LABEL = re.compile(r'<text text-anchor="middle" x="([\d.-]+)" y="([\d.-]+)"[^>]*fill="'
                       + LABEL_COLOUR + r'">([^<]*)</text>')


def edges(dot: str) -> list[tuple[str, str, dict[str, str]]]:
    """``(tail, head, attributes)`` of every visible edge (layout-grid edges are invisible);
    quoted values are unquoted."""
    out = []
    for tail, head, body in EDGE.findall(dot):
        attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in ATTR.findall(body)}
        if attrs.get("style") != "invis":
            out.append((tail, head, attrs))
    return out


def ends(dot: str) -> dict[str, tuple[str, str]]:
    """``{tooltip: (child label, parent label)}``: the label each relationship shows at its
    child and parent end. Edges meeting at one row port write each distinct label there once,
    so an end without its own label must share its port with an edge that wrote that label."""
    written: dict[str, set[str]] = {}
    out = {}
    for tail, head, a in edges(dot):
        for end, key in ((tail, "taillabel"), (head, "headlabel")):
            if key in a:
                written.setdefault(end, set()).add(a[key])
        out[a["tooltip"]] = (a.get("headlabel"), a.get("taillabel"))
    for tail, head, a in edges(dot):
        child, parent = out[a["tooltip"]]
        if child is None:
            assert ":" in head and len(written.get(head, ())) == 1, (head, written)
            child = next(iter(written[head]))
        if parent is None:
            assert ":" in tail and len(written.get(tail, ())) == 1, (tail, written)
            parent = next(iter(written[tail]))
        out[a["tooltip"]] = (child, parent)
    return out


def tip(child: str, cols: str, parent: str, words: str) -> str:
    return f"{child}({cols}) → {parent}(id): {words}"


def optional_profiles() -> Design:
    """shop() with profiles.customer_id nullable: an optional one-to-one."""
    d = shop()
    p = d.table("profiles")
    cols = tuple(replace(c, nullable=True) if c.name == "customer_id" else c for c in p.columns)
    return d.with_table(replace(p, columns=cols))


# --- the labels ---------------------------------------------------------------------------

@pytest.mark.parametrize(("child_end", "parent_end", "labels"), [
    ("zero_or_many", "exactly_one", ("N", "1")),
    ("zero_or_many", "zero_or_one", ("N", "0..1")),
    ("zero_or_one", "exactly_one", ("1", "1")),
    ("zero_or_one", "zero_or_one", ("1", "0..1")),
])
def test_simple_labels(child_end: str, parent_end: str, labels: tuple[str, str]) -> None:
    assert simple_labels(child_end, parent_end) == labels


def test_every_relationship_of_shop_gets_its_words() -> None:
    got = ends(to_dot(shop(), notation="simple"))
    assert got == {
        tip("profiles", "customer_id", "customers", "zero or one to exactly one"): ("1", "1"),
        tip("orders", "customer_id", "customers", "zero or many to exactly one"): ("N", "1"),
        tip("orders", "coupon_id", "coupons", "zero or many to zero or one"): ("N", "0..1"),
        tip("categories", "parent_id", "categories", "zero or many to zero or one"):
            ("N", "0..1"),
        tip("events", "customer_id", "customers", "zero or many to exactly one"): ("N", "1"),
    }


def test_one_to_one_and_optional_foreign_keys() -> None:
    dot = to_dot(shop(), notation="simple")
    one_to_one = next(a for _t, _h, a in edges(dot) if a["tooltip"].startswith("profiles("))
    assert (one_to_one["headlabel"], one_to_one["taillabel"]) == ("1", "1")
    optional = next(a for _t, _h, a in edges(dot) if a["tooltip"].startswith("orders(coupon"))
    assert (optional["headlabel"], optional["taillabel"]) == ("N", "0..1")
    got = ends(to_dot(optional_profiles(), notation="simple"))
    assert got[tip("profiles", "customer_id", "customers", "zero or one to zero or one")] == (
        "1", "0..1")                                          # an optional one-to-one


def test_arrows_point_at_the_parent_with_no_crows_feet() -> None:
    dot = to_dot(shop(), notation="simple")
    for _tail, _head, a in edges(dot):
        # declared parent -> child (the layout of the crow's-foot diagram), drawn backwards
        assert (a["dir"], a["arrowtail"], a["arrowhead"]) == ("back", "normal", "none")
    assert not CROWS_FOOT.search(" ".join(f"{a['arrowtail']} {a['arrowhead']}"
                                          for _t, _h, a in edges(dot)))
    assert "crow" not in dot                                  # not in the legend either
    # the layout is the crow's-foot one: same nodes, same edge endpoints, same order
    crow = to_dot(shop())
    assert [(t, h) for t, h, _a in edges(dot)] == [(t, h) for t, h, _a in edges(crow)]


def test_shared_port_writes_each_label_once() -> None:
    """customers.id is referenced three times, always "1": one label at its port, not three
    stacked on one another."""
    at_customers = [a for t, _h, a in edges(to_dot(shop(), notation="simple"))
                    if t == "t1:r1:e"]
    assert len(at_customers) == 3
    assert [a.get("taillabel") for a in at_customers] == ["1", None, None]
    assert all("headlabel" in a and "labelangle" not in a for a in at_customers)


@pytest.mark.parametrize(("direction", "port", "side", "up"),
                         [("LR", "r1", "e", 20), ("RL", "l1", "w", -20)])
def test_different_labels_at_one_port_go_to_their_own_corners(direction: str, port: str,
                                                              side: str, up: int) -> None:
    """An optional profile ("0..1") and required orders and events ("1") all reference
    customers.id: each group meets at its own corner of the row, labelled once, outside."""
    drawn = [(t, a) for t, _h, a in edges(to_dot(optional_profiles(), notation="simple",
                                                   direction=direction))
             if t.startswith(f"t1:{port}:")]
    assert [(t, a.get("taillabel"), a.get("labelangle")) for t, a in drawn] == [
        (f"t1:{port}:n{side}", "0..1", str(up)), (f"t1:{port}:s{side}", "1", str(-up)),
        (f"t1:{port}:s{side}", None, str(-up))]
    # without ports (top to bottom) Graphviz spreads the ends: every edge has both labels
    for _t, _h, a in edges(to_dot(optional_profiles(), notation="simple", direction="TB")):
        assert "taillabel" in a and "headlabel" in a and "labelangle" not in a


def test_legend_explains_the_notation_in_use() -> None:
    simple, crow = to_dot(shop(), notation="simple"), to_dot(shop())
    assert "N —&gt; 1" in simple and "one-to-many" in simple and "0..1" in simple
    assert "crow's foot" not in simple and "|—|" not in simple
    assert "crow's foot" in crow and "N —&gt; 1" not in crow
    for dot in (simple, crow):                                # markers in both
        assert "primary key" in dot and "NOT NULL (blank: nullable)" in dot
    assert "Legend" not in to_dot(shop(), notation="simple", legend=False)


# --- every other option, in both notations ---------------------------------------------------

@pytest.mark.parametrize("notation", NOTATIONS)
def test_options_work_in_both_notations(notation: str) -> None:
    keys = to_dot(shop(), notation=notation, detail="keys")
    assert "key columns only" in keys and ">total<" not in keys
    focused = to_dot(shop(), notation=notation, focus="coupons", depth=1)
    assert len(edges(focused)) == 1 and "<B>customers</B>" not in focused
    assert "around coupons, 1 hop" in focused
    for direction in ("TB", "RL", "BT"):
        assert f"rankdir={direction}" in to_dot(shop(), notation=notation, direction=direction)
    badged = to_dot(shop(), notation=notation, findings={"orders": 3},
                    sizes={"orders": "1.2M rows"})
    assert "3 advisor findings" in badged and "1.2M rows" in badged
    assert len(edges(to_dot(shop(), notation=notation))) == 5
    simple = notation == "simple"
    for dot in (keys, focused, badged):
        assert all(("headlabel" in a or "taillabel" in a) == simple for _t, _h, a in edges(dot))


@pytest.mark.parametrize("notation", NOTATIONS)
def test_right_to_left_edges_use_the_facing_sides(notation: str) -> None:
    """HTML tables are not mirrored in RL: a parent (on the right) is left by its key row's
    left cell, westwards, and the child entered on its FK row's right cell, eastwards."""
    lr, rl = (edges(to_dot(shop(), notation=notation, direction=d)) for d in ("LR", "RL"))
    orders_customer = [(t, h) for t, h, a in lr if a["tooltip"].startswith("orders(cust")]
    assert orders_customer == [("t1:r1:e", "t4:l2:w")]
    orders_customer = [(t, h) for t, h, a in rl if a["tooltip"].startswith("orders(cust")]
    assert orders_customer == [("t1:l1:w", "t4:r2:e")]


def test_default_is_crows_foot() -> None:
    d = shop()
    assert to_dot(d) == to_dot(d, notation="crowsfoot")
    assert "headlabel" not in to_dot(d) and "labelfontcolor" not in to_dot(d)
    assert diagram(d).dot == to_dot(d)


@pytest.mark.parametrize("notation", ["chen", "", "Simple", None])
def test_bad_notation_names_the_choices(notation: object) -> None:
    with pytest.raises(DiagramError, match=r"notation must be one of crowsfoot, simple, not"):
        to_dot(shop(), notation=notation)  # type: ignore[arg-type]
    with pytest.raises(DiagramError, match="crowsfoot, simple"):
        diagram(shop(), notation=notation)


def test_notation_flows_through_diagram_and_the_facade() -> None:
    d = shop()
    simple = diagram(d, notation="simple")
    assert simple.dot == to_dot(d, notation="simple")
    assert "notation='simple'" in repr(simple)
    assert simple.mermaid() == diagram(d).mermaid()          # Mermaid has its own notation
    assert pk.er_diagram(d, notation="simple", detail="keys").dot == to_dot(
        d, notation="simple", detail="keys")
    with pytest.raises(pk.PgArchError, match="notation"):
        pk.er_diagram(d, notation="uml")


# --- through Graphviz --------------------------------------------------------------------------

def _svg_labels(svg: str) -> list[tuple[float, float, str]]:
    return [(float(x), float(y), text) for x, y, text in SVG_LABEL.findall(svg)]


def check_renders(design: Design, name: str) -> None:
    """The simple diagram of ``design`` at several options: arrows only, every relationship
    labelled, every label drawn by Graphviz, no two labels on top of each other."""
    for options in ({}, {"detail": "keys"}, {"direction": "TB"}, {"direction": "RL"}):
        dot = to_dot(design, notation="simple", **options)
        drawn = edges(dot)
        assert len(drawn) == len(edges(to_dot(design, **options)))  # one per relationship
        assert all((a["dir"], a["arrowtail"], a["arrowhead"]) == ("back", "normal", "none")
                   for _t, _h, a in drawn)
        assert not CROWS_FOOT.search(" ".join(a["arrowtail"] + a["arrowhead"]
                                              for _t, _h, a in drawn))
        labels = ends(dot)
        assert len(labels) == len(drawn)
        for child, parent in labels.values():
            assert child in ("N", "1") and parent in ("1", "0..1")
        svg = render_svg(dot)
        assert "<svg" in svg
        # every label written in the DOT is drawn, in the label colour, and nothing else is
        written = sorted(a[k] for _t, _h, a in drawn for k in ("headlabel", "taillabel")
                         if k in a)
        shown = _svg_labels(svg)
        assert sorted(text for _x, _y, text in shown) == written
        for i, (x1, y1, t1) in enumerate(shown):
            for x2, y2, t2 in shown[i + 1:]:
                assert math.hypot(x1 - x2, y1 - y2) > 8, (name, options, t1, t2)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_samples_render_in_simple_notation(sample: Path, dot_available: None) -> None:
    check_renders(load_design(sample), sample.stem)


def test_one_to_one_and_mixed_ports_render(dot_available: None) -> None:
    check_renders(shop(), "shop")
    check_renders(optional_profiles(), "optional profiles")
    svg = render_svg(to_dot(optional_profiles(), notation="simple"))
    # profiles 1 / 0..1, orders 1 (events shares it) and coupons 0..1 at customers and
    # coupons, categories 0..1 on its loop, and N at each of the 4 many-ends
    assert sorted(t for _x, _y, t in _svg_labels(svg)) == [
        "0..1", "0..1", "0..1", "1", "1", "N", "N", "N", "N"]


def test_samples_have_relationships_of_both_kinds() -> None:
    """The sample designs exercise required and optional parents (else the rendering test
    above would prove little; the one-to-one comes from shop())."""
    seen = set()
    for sample in SAMPLES:
        seen.update(ends(to_dot(load_design(sample), notation="simple")).values())
    assert {("N", "1"), ("N", "0..1")} <= seen


def test_simple_png(dot_available: None, tmp_path: Path) -> None:
    import io

    from PIL import Image
    d = diagram(load_design(ROOT / "data" / "designs" / "ecommerce.yaml"), notation="simple")
    out = d.save(tmp_path / "er.png")
    with Image.open(out) as img:
        width, height = img.size
    # about the size of the crow's-foot picture: the labels do not blow up the layout
    with Image.open(io.BytesIO(render(to_dot(d.design), "png"))) as img:
        crow = img.size
    assert 0.8 < width / crow[0] < 1.25 and 0.8 < height / crow[1] < 1.25
    assert out.stat().st_size > 20_000
