"""The "Open advisor findings" section, the last of "Start coding today": every finding the
advisor still reports, as a table that separates what is wrong from the fix."""
from __future__ import annotations

from ._context import _cell, _Doc


def _findings(doc: _Doc) -> list[str]:
    out = ["### Open advisor findings", "", doc.report.summary() + ".", ""]
    rows = doc.report.sorted()
    if rows:
        out += ["| severity | where | rule | what and why | fix |", "|---|---|---|---|---|"]
        out += [f"| {f.severity} | {_cell(f.where)} | {_cell(f.rule)} | {_cell(f.message)} | "
                f"{_cell(f.fix, code=True)} |" for f in rows]
        out.append("")
    return out
