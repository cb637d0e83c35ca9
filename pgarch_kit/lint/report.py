"""Findings that display themselves: grouped per rule for people (an HTML table in notebooks
and exported reports, aligned text in a terminal), one entry per flagged object for tools
(JSON).

A rule that flags 758 columns of one design is one problem seen 758 times: the displays show
it once, listing the objects (the first few, then all of them behind a ``<details>``), with a
count per rule in the summary. ``findings`` and :meth:`LintReport.to_json` keep one entry per
object, so CI annotations and suppressions can address each.
"""
from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass

from .finding import SEVERITIES, Finding

__all__ = ["LintReport", "FindingGroup"]

_COLOURS = {"error": "#b91c1c", "warning": "#b45309", "info": "#1d4ed8"}
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_TEXT_WHERE = 10        # objects a text group lists before "… and K more"
_HTML_WHERE = 6         # objects a group's HTML row lists before its <details>


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one rule, at one severity, on one design."""

    rule: str
    code: str
    severity: str
    category: str
    findings: tuple[Finding, ...]

    @property
    def count(self) -> int:
        return len(self.findings)

    @property
    def noun(self) -> str:
        if self.count == 1:
            return "finding"
        return "columns" if all(f.column for f in self.findings) else "findings"

    def wheres(self, limit: int | None = None) -> str:
        shown = [f.where for f in self.findings[:limit]]
        more = self.count - len(shown)
        return ", ".join(shown) + (f", … and {more} more" if more > 0 else "")


def _widths(*percent: int) -> str:
    return "<colgroup>" + "".join(f"<col style='width:{p}%'>" for p in percent) + "</colgroup>"


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]
    rules_run: tuple[str, ...] = ()

    def __iter__(self):
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.findings)

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: (_RANK[f.severity], f.table or "",
                                                    f.column or "", f.code))

    def groups(self) -> list[FindingGroup]:
        """One group per rule and severity, most serious first, then the largest."""
        found: dict[tuple[str, str], list[Finding]] = {}
        for f in self.sorted():
            found.setdefault((f.rule, f.severity), []).append(f)
        groups = [FindingGroup(rule, fs[0].code, sev, fs[0].category, tuple(fs))
                  for (rule, sev), fs in found.items()]
        return sorted(groups, key=lambda g: (_RANK[g.severity], -g.count, g.rule))

    def by_table(self) -> dict[str, int]:
        """Findings per table, for the diagram's badges."""
        return dict(Counter(f.table for f in self.findings if f.table))

    def counts(self) -> dict[str, int]:
        """Flagged objects per severity (each object counts, however they are grouped)."""
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def rule_counts(self) -> dict[str, int]:
        """Flagged objects per rule, most first."""
        return dict(Counter(f.rule for f in self.findings).most_common())

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    def to_json(self) -> str:
        """``{"summary": {errors, warnings, info, rules: {slug: count}, rules_run},
        "findings": [one object per flagged object, most serious first]}``."""
        c = self.counts()
        summary = {"errors": c["error"], "warnings": c["warning"], "info": c["info"],
                   "rules": self.rule_counts(), "rules_run": len(self.rules_run)}
        return json.dumps({"summary": summary, "findings": [f.as_dict() for f in self.sorted()]},
                          indent=2, ensure_ascii=False)

    def summary(self) -> str:
        c = self.counts()
        groups = len(self.groups())
        return (f"{len(self.findings)} finding(s) from {groups} rule group(s): "
                f"{c['error']} error, {c['warning']} warning, {c['info']} info "
                f"({len(self.rules_run)} rules run)")

    def _per_rule(self) -> str:
        return ", ".join(f"{g.rule} {g.count}" for g in self.groups())

    def __str__(self) -> str:
        groups = self.groups()
        if not groups:
            return f"no findings ({len(self.rules_run)} rules run)"
        lines = [self.summary(), f"per rule: {self._per_rule()}"]
        pad = " " * 8
        for g in groups:
            lines.append("")
            lines.append(f"{g.severity:<7} {g.rule} ({g.code}) — {g.count} {g.noun}")
            if g.count <= 3:
                for f in g.findings:
                    lines.append(f"{pad}{f.where}: {f.message}")
                    lines.append(f"{pad}  fix: {f.fix}")
                continue
            first = g.findings[0]
            lines.append(f"{pad}{g.wheres(_TEXT_WHERE)}")
            lines.append(f"{pad}e.g. {first.where}: {first.message}")
            lines.append(f"{pad}  fix: {first.fix}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        groups = self.groups()
        if not groups:
            return f"<p><b>No findings</b> ({len(self.rules_run)} rules run).</p>"
        esc = html.escape
        # fixed column widths, long names and fixes wrapped inside their cells: a table of
        # long SQL never grows wider than the page
        td = "style='text-align:left;vertical-align:top;padding:4px 8px;overflow-wrap:anywhere'"
        rows = []
        for g in groups:
            first = g.findings[0]
            label = "" if g.count == 1 else "e.g. "
            where = (f"<code>{esc(first.where)}</code>" if g.count == 1 else
                     f"<b>{g.count} {g.noun}</b><br><small>{esc(g.wheres(_HTML_WHERE))}</small>")
            rows.append(
                f"<tr style='border-top:1px solid #ddd'>"
                f"<td {td}><b style='color:{_COLOURS[g.severity]}'>{g.severity}</b></td>"
                f"<td {td}><code>{esc(g.rule)}</code><br><small>"
                f"{esc(g.code)} · {esc(g.category)}</small></td><td {td}>{where}</td>"
                f"<td {td}>{label}{esc(first.message)}</td>"
                f"<td {td}>{label}<code>{esc(first.fix)}</code></td></tr>")
            if g.count > 1:
                items = "".join(
                    f"<tr><td {td}><code>{esc(f.where)}</code></td><td {td}>{esc(f.message)}"
                    f"</td><td {td}><code>{esc(f.fix)}</code></td></tr>" for f in g.findings)
                rows.append(
                    f"<tr><td></td><td colspan='4' {td}><details><summary>all {g.count} "
                    f"{esc(g.rule)} findings</summary><table style='border-collapse:collapse;"
                    f"font-size:90%;width:100%;table-layout:fixed'>{_widths(25, 40, 35)}{items}"
                    f"</table></details></td></tr>")
        head = "".join(f"<th {td}>{h}</th>" for h in
                       ("severity", "rule", "where", "what and why", "fix"))
        return ("<div><p><b>" + esc(self.summary()) + "</b><br><small>per rule: "
                + esc(self._per_rule()) + "</small></p>"
                "<table style='border-collapse:collapse;width:100%;table-layout:fixed'>"
                + _widths(8, 16, 24, 26, 26)
                + f"<thead><tr>{head}</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
                "</div>")
