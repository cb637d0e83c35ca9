"""The studio's notation toggle: switching it redraws the diagram (and only the diagram) in
crow's-foot or simple notation, and later edits keep the chosen notation."""
from __future__ import annotations

from pathlib import Path

import pytest

import pgarch_kit as pk
from pgarch_kit.widgets import Studio
from pgarch_kit.widgets.panels import NOTATION_CHOICES, render_dot


@pytest.fixture
def s(tmp_path: Path) -> Studio:
    s = pk.studio(tmp_path / "shop.yaml", design=pk.Design("shop"))
    for name in ("customers", "orders", "profiles"):
        assert s.apply(pk.edit.add_table, name)
    assert s.apply(pk.edit.add_relationship, "orders", "customers")
    assert s.apply(pk.edit.add_relationship, "profiles", "customers", kind="1:1",
                   required=False)
    if s.dot is None:
        pytest.skip("pgarch_kit.diagram is not available")
    return s


def edge_lines(dot: str | None) -> list[str]:
    return [line for line in (dot or "").splitlines() if "->" in line and "invis" not in line]


def test_toggle_sits_in_the_diagram_tab(s: Studio) -> None:
    tab = s.panels.box.children[0]
    assert s.panels.diagram_options in tab.children and s.panels.diagram in tab.children
    assert s.panels.notation in s.panels.diagram_options.children
    assert [value for _label, value in NOTATION_CHOICES] == list(pk.diagram.NOTATIONS)
    assert s.panels.notation.value == "crowsfoot"


def test_toggle_redraws_the_diagram(s: Studio) -> None:
    crow_dot, crow_svg = s.dot, s.panels.diagram.value
    findings, ddl = s.findings, s.ddl
    assert all("arrowhead=crowodot" in e or "arrowhead=teeodot" in e
               for e in edge_lines(crow_dot))

    s.panels.notation.value = "simple"
    simple = edge_lines(s.dot)
    assert len(simple) == 2
    assert all("dir=back" in e and "crow" not in e and "tee" not in e for e in simple)
    assert 'taillabel="1", headlabel="N"' in simple[0]          # orders -> customers
    assert 'taillabel="0..1", headlabel="1"' in simple[1]       # optional one-to-one
    svg = s.panels.diagram.value
    assert svg != crow_svg and "<svg" in svg
    for label in ("N", "1", "0..1"):
        assert f">{label}</text>" in svg
    assert "many rows point to one row" in svg                   # the simple legend
    # only the diagram was redrawn: findings and DDL are the very same objects
    assert s.findings is findings and s.ddl is ddl

    assert s.apply(pk.edit.add_table, "coupons")                  # edits keep the notation
    assert "dir=back" in edge_lines(s.dot)[0] and "coupons" in s.dot

    s.panels.notation.value = "crowsfoot"
    assert "arrowhead=crowodot" in s.dot and "headlabel" not in s.dot
    assert s.dot == pk.to_dot(s.value, findings=_badges(s) or None)


def _badges(s: Studio) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in s.findings:
        table = getattr(item, "table", None)
        if isinstance(table, str):
            counts[table] = counts.get(table, 0) + 1
    return counts


def test_toggle_before_any_design_is_harmless() -> None:
    from pgarch_kit.widgets.panels import Panels
    panels = Panels()
    panels.notation.value = "simple"                              # nothing drawn yet
    assert panels.dot is None and "No tables yet" in panels.diagram.value


def test_render_dot_shows_a_bad_notation_instead_of_raising() -> None:
    dot, html = render_dot(pk.Design("x"), notation="chen")
    assert dot is None and "notation must be one of crowsfoot, simple" in html
