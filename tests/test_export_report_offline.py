"""The combined report of a design, as a reader with no network sees it: headless Chromium
with every non-file request refused. The diagram, a plot and the findings table must be on
screen (rendered, not merely present in the source)."""
from __future__ import annotations

from pathlib import Path

from browser import open_report

import pgarch_kit as pk

DESIGNS = Path(__file__).resolve().parents[1] / "data" / "designs"


def test_combined_report_reads_offline(tmp_path: Path) -> None:
    design = pk.load_design(DESIGNS / "ecommerce.yaml")
    export = pk.export_design(design, tmp_path / "ecommerce", source="ecommerce.yaml",
                              scale=0.005, progress=False)
    shot = tmp_path / "report.png"
    seen = open_report(export.files["report.html"], shot, offline=True)
    assert seen.title.startswith("ecommerce")
    diagrams = [b for b in seen.svg_boxes if b["width"] > 400 and b["height"] > 200]
    assert diagrams, f"the ER diagram is not on screen: {seen.svg_boxes}"
    plots = [i for i in seen.images if i["naturalWidth"] >= 600 and i["naturalHeight"] >= 250]
    assert plots, f"no measured plot loaded: {seen.images}"
    for heading in ("Contents", "ER diagram", "Quality checklist", "Advisor findings",
                    "Measurements", "Design decisions (DESIGN.md)", "schema.sql"):
        assert heading in seen.text, heading
    findings = pk.advise(design)
    assert findings.findings, "the sample has open findings to show"
    first = findings.sorted()[0]
    assert first.message[:60] in seen.text, "the findings table is not rendered"
    assert shot.stat().st_size > 100_000
    # nothing that matters came from the network: every refused request was optional script
    assert all(("require" in u or "mathjax" in u.lower() or "jupyter-widgets" in u
                or "unpkg" in u) for u in seen.blocked), seen.blocked
