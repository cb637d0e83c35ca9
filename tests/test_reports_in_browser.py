"""Exported reports as a reader sees them: notebook 02's HTML opened in headless Chromium.

The diagrams must be real inline SVG with a non-trivial rendered size — an exported report has
no widget JavaScript, so it must not depend on it."""
from __future__ import annotations

from pathlib import Path

from browser import open_report

from pgarch_kit.export.notebooks import run_notebook

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_studio_report_shows_the_diagrams(tmp_path: Path, pg_dsn: str) -> None:
    run = run_notebook(NOTEBOOKS / "02_design_studio.ipynb", tmp_path)
    seen = open_report(run.html, tmp_path / "02.png")
    assert seen.title.startswith("02")
    big = [b for b in seen.svg_boxes if b["width"] > 300 and b["height"] > 200]
    assert len(big) >= 3, f"expected the bookshop, shop and focused diagrams: {seen.svg_boxes}"
    html = run.html.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "crowodot" not in html  # rendered SVG, not DOT text
    assert seen.screenshot.stat().st_size > 50_000
