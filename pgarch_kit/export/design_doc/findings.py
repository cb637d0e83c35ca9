"""The "Open advisor findings" section, the last of "Start coding today": every finding the
advisor still reports, one row per rule (a rule that flags 758 columns is one problem seen
758 times), separating what is wrong from the fix. ``pgarch lint --format json`` lists each
flagged object."""
from __future__ import annotations

from ._context import _cell, _Doc

_SHOWN = 10     # objects a row names before "… and K more"


def _findings(doc: _Doc) -> list[str]:
    out = ["### Open advisor findings", "", doc.report.summary() + ".", ""]
    groups = doc.report.groups()
    if groups:
        out += ["| severity | rule | where | what and why | fix |", "|---|---|---|---|---|"]
        for g in groups:
            first = g.findings[0]
            where = first.where if g.count == 1 else f"{g.count} {g.noun}: {g.wheres(_SHOWN)}"
            eg = "" if g.count == 1 else "e.g. "
            out.append(f"| {g.severity} | {_cell(g.rule)} | {_cell(where)} | "
                       f"{_cell(eg + first.message)} | {_cell(first.fix, code=True)} |")
        out.append("")
    return out
