"""Rendering with Graphviz: every real-world schema to SVG, the Diagram display object,
saving by suffix, a missing ``dot``, and the ``pgarch diagram`` command."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import REALWORLD_FILES, imported

from pgarch_kit.diagram import (
    Diagram,
    DiagramError,
    GraphvizNotFoundError,
    diagram,
    render,
    render_svg,
    to_dot,
)
from pgarch_kit.errors import PgArchError

from .designs import shop

ROOT = Path(__file__).resolve().parents[2]
SVG_SIZE = re.compile(r'<svg width="(\d+)pt" height="(\d+)pt"')


def test_corpus_present() -> None:
    assert len(REALWORLD_FILES) >= 8, "the real-world corpus is missing"


@pytest.mark.parametrize("path", REALWORLD_FILES, ids=lambda p: p.stem)
def test_realworld_renders(path: Path, pg_dsn: str, dot_available: None) -> None:
    design = imported(path).design
    svg = render_svg(to_dot(design))
    m = SVG_SIZE.search(svg)
    assert m, svg[:300]
    width, height = int(m.group(1)), int(m.group(2))
    assert width > 100 and height > 100
    # readable: no table is lost, partitions fold into their parents
    drawn = [t for t in design.tables if t.partition_of is None]
    assert svg.count('class="node"') >= len(drawn)
    if path.stem == "pagila":
        assert "55 partitions (range on payment_date)" in svg
        # stays about as wide as it is tall (no column of 55 boxes)
        assert height < 2 * width


def test_render_png(dot_available: None) -> None:
    png = render(to_dot(shop()), "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_bad_format() -> None:
    with pytest.raises(DiagramError, match="svg, png"):
        render("digraph {}", "pdf")


def test_missing_dot_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as info:
        render_svg(to_dot(shop()))
    assert isinstance(info.value, PgArchError)
    # DOT and Mermaid text need no Graphviz; a notebook shows the fix instead of a picture
    d = diagram(shop())
    assert d.dot.startswith("digraph") and d.mermaid().startswith("erDiagram")
    assert d._repr_svg_() is None
    assert "apt-get install graphviz" in d._repr_html_()


def test_diagram_object(dot_available: None, tmp_path: Path) -> None:
    d = diagram(shop(), detail="keys")
    assert isinstance(d, Diagram) and d.dot == to_dot(shop(), detail="keys")
    svg = d.svg()
    assert d.svg() is svg                                   # cached
    inline = d._repr_svg_()
    assert inline.startswith("<svg") and "<?xml" not in inline and "DOCTYPE" not in inline
    html = d._repr_html_()
    assert "<svg" in html and "<script" not in html
    assert "shop" in repr(d)
    for suffix in (".svg", ".png", ".dot", ".mmd"):
        out = d.save(tmp_path / f"er{suffix}")
        assert out.stat().st_size > 0
    assert (tmp_path / "er.svg").read_text(encoding="utf-8") == svg
    assert (tmp_path / "er.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "er.dot").read_text(encoding="utf-8") == d.dot
    assert (tmp_path / "er.mmd").read_text(encoding="utf-8").startswith("erDiagram")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(DiagramError, match=r"\.svg, \.png"):
        d.save(tmp_path / "er.pdf")


# --- the command -------------------------------------------------------------------------

def pgarch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def test_cli_writes_every_format(tmp_path: Path, dot_available: None) -> None:
    design = str(ROOT / "data" / "designs" / "ecommerce.yaml")
    for suffix in (".svg", ".png", ".dot", ".mmd"):
        out = tmp_path / f"er{suffix}"
        r = pgarch("diagram", design, "-o", str(out), "--detail", "keys")
        assert r.returncode == 0, r.stderr
        assert out.stat().st_size > 0
    assert "<svg" in (tmp_path / "er.svg").read_text(encoding="utf-8")
    assert (tmp_path / "er.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "er.mmd").read_text(encoding="utf-8").startswith("erDiagram")


def test_cli_prints_dot_and_focuses() -> None:
    design = str(ROOT / "data" / "designs" / "ecommerce.yaml")
    r = pgarch("diagram", design, "--focus", "payments", "--depth", "1", "--direction", "TB")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("digraph er {") and "rankdir=TB" in r.stdout
    assert "<B>payments</B>" in r.stdout and "<B>orders</B>" in r.stdout
    assert "<B>customers</B>" not in r.stdout


def test_cli_sql_schema(tmp_path: Path, pg_dsn: str) -> None:
    sql = tmp_path / "tiny.sql"
    sql.write_text("CREATE TABLE a (id int PRIMARY KEY);\n"
                   "CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a);\n")
    out = tmp_path / "tiny.dot"
    r = pgarch("diagram", str(sql), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "arrowtail=teetee, arrowhead=crowodot" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [
    ["--focus", "nope"], ["-o", "er.pdf"], ["--depth", "2"], ["--detail", "most"]])
def test_cli_usage_errors(args: list[str]) -> None:
    r = pgarch("diagram", str(ROOT / "data" / "designs" / "ecommerce.yaml"), *args)
    assert r.returncode == 2, r.stderr
    assert "error" in r.stderr


def test_cli_help() -> None:
    r = pgarch("diagram", "--help")
    assert r.returncode == 0 and "usage: pgarch diagram" in r.stdout


def test_cli_missing_file() -> None:
    assert pgarch("diagram", "nope.yaml").returncode == 2
