"""Findings that display themselves: an HTML table in notebooks and exported reports, aligned
text in a terminal, JSON for tools."""
from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass

from .finding import SEVERITIES, Finding

__all__ = ["LintReport"]

_COLOURS = {"error": "#b91c1c", "warning": "#b45309", "info": "#1d4ed8"}


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]
    rules_run: tuple[str, ...] = ()

    def __iter__(self):
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.findings)

    def sorted(self) -> list[Finding]:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(self.findings, key=lambda f: (rank[f.severity], f.table or "",
                                                    f.column or "", f.code))

    def by_table(self) -> dict[str, int]:
        """Findings per table, for the diagram's badges."""
        return dict(Counter(f.table for f in self.findings if f.table))

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    def to_json(self) -> str:
        return json.dumps([f.as_dict() for f in self.sorted()], indent=2, ensure_ascii=False)

    def summary(self) -> str:
        c = self.counts()
        return (f"{len(self.findings)} finding(s): {c['error']} error, {c['warning']} warning, "
                f"{c['info']} info ({len(self.rules_run)} rules run)")

    def __str__(self) -> str:
        rows = self.sorted()
        if not rows:
            return f"no findings ({len(self.rules_run)} rules run)"
        width = min(40, max(len(f.where) for f in rows))
        rule_w = max(len(f.rule) for f in rows)
        lines = [self.summary()]
        for f in rows:
            lines.append(f"{f.severity:<7} {f.where:<{width}}  {f.rule:<{rule_w}}  {f.message}")
            lines.append(f"{'':<7} {'':<{width}}  {'':<{rule_w}}  fix: {f.fix}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = self.sorted()
        if not rows:
            return f"<p><b>No findings</b> ({len(self.rules_run)} rules run).</p>"
        esc = html.escape
        td = "style='text-align:left;vertical-align:top'"
        body = "".join(
            f"<tr><td {td}><b style='color:{_COLOURS[f.severity]}'>{f.severity}</b></td>"
            f"<td {td}><code>{esc(f.where)}</code></td>"
            f"<td {td}><code>{esc(f.rule)}</code><br><small>{esc(f.code)} · "
            f"{esc(f.category)}</small></td><td {td}>{esc(f.message)}</td>"
            f"<td {td}><code>{esc(f.fix)}</code></td></tr>"
            for f in rows)
        head = "".join(f"<th {td}>{h}</th>" for h in
                       ("severity", "where", "rule", "what and why", "fix"))
        return ("<div><p><b>" + esc(self.summary()) + "</b></p>"
                "<table style='border-collapse:collapse'>"
                f"<thead><tr>{head}</tr></thead><tbody>" + body + "</tbody></table></div>")
