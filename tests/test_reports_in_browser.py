"""Exported reports as a reader sees them: notebook 02's HTML opened in headless Chromium.

The diagrams must be real inline SVG with a non-trivial rendered size — an exported report has
no widget JavaScript, so it must not depend on it."""
from __future__ import annotations

from pathlib import Path

from browser import open_report

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_studio_report_shows_the_diagrams(tmp_path: Path, executed_notebook) -> None:
    run = executed_notebook(NOTEBOOKS / "02_design_studio.ipynb")
    seen = open_report(run.html, tmp_path / "02.png")
    assert seen.title.startswith("02")
    big = [b for b in seen.svg_boxes if b["width"] > 300 and b["height"] > 200]
    assert len(big) >= 3, f"expected the bookshop, shop and focused diagrams: {seen.svg_boxes}"
    html = run.html.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "crowodot" not in html  # rendered SVG, not DOT text
    assert seen.screenshot.stat().st_size > 50_000


def test_timings_report_shows_plots_and_plan_trees(tmp_path: Path, executed_notebook) -> None:
    """Notebook 05 as a reader sees it: the scaling curves, index trials and load-test plots
    are images that loaded (inline PNG, not widget state), and plans are tables."""
    run = executed_notebook(NOTEBOOKS / "05_query_timings_and_load.ipynb")
    seen = open_report(run.html, tmp_path / "05.png")
    assert seen.title.startswith("05")
    big = [i for i in seen.images if i["naturalWidth"] >= 800 and i["naturalHeight"] >= 300]
    assert len(big) >= 4, f"scaling, index trials, scaling after, load test: {seen.images}"
    html = run.html.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64") >= 4
    assert "pgarch-plan" in html and "background:#fee2e2" in html  # a plan tree, slowest marked
    assert "Pool sizing (Little" in html and "pg_stat_statements counted" in html


def test_production_report_shows_the_evidence(tmp_path: Path, executed_notebook) -> None:
    """Notebook 07 as a reader sees it: the cache and HOT plots loaded, and the tables that
    carry the argument — write skew per level, the privilege matrix — are in the page."""
    run = executed_notebook(NOTEBOOKS / "07_production_concerns.ipynb")
    seen = open_report(run.html, tmp_path / "07.png")
    assert seen.title.startswith("07")
    big = [i for i in seen.images if i["naturalWidth"] >= 800 and i["naturalHeight"] >= 250]
    assert len(big) >= 2, f"cache-aside and HOT plots: {seen.images}"
    html = run.html.read_text(encoding="utf-8")
    assert "anomaly: the rule is broken" in html and "rule holds" in html
    assert "ERROR 40001" in html and "ERROR 23505" in html
    assert "Privilege matrix" in html and "permission denied" in html
    matrix = html.split("Privilege matrix", 1)[1].split("Exercises", 1)[0]
    assert "✗" not in matrix  # every expectation met (the exercise below may say "not yet")
    assert "<details><summary><b>verification: OK" in html
