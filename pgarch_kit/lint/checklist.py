"""The seed brief's quality checklist, computed: each item gets a verdict — pass, fail or
needs information — with the evidence behind it, from the advisor's findings and the design's
intents. It opens the exported design document.

An item fails on a warning or error finding of the rules behind it (info findings are listed
as evidence but do not fail it). It needs information when the design cannot tell — no
expected row counts, no query patterns, or a fact only a measurement, a runbook or a later
step (load tests, scale plan, migrations) can supply.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pgarch_kit.model import Design

from .report import LintReport

__all__ = ["ChecklistItem", "Verdict", "Checklist", "checklist", "ITEMS"]

Status = Literal["pass", "fail", "needs information"]


@dataclass(frozen=True)
class ChecklistItem:
    section: str
    text: str
    rules: tuple[str, ...]
    # returns a reason when the design cannot decide the item, else None
    needs: Callable[[Design], str | None] | None = None
    facts: Callable[[Design, LintReport], list[str]] | None = None


@dataclass(frozen=True)
class Verdict:
    item: ChecklistItem
    status: Status
    evidence: tuple[str, ...]


def _no_rows(d: Design) -> str | None:
    if not any(t.intent.rows for t in d.tables):
        return "no expected row counts: add `intent: {rows: …, growth_per_month: …}` to tables"
    return None


def _no_queries(d: Design) -> str | None:
    return None if d.queries else ("no query patterns: add the application's queries under "
                                   "`queries:`")


def _measured(what: str) -> Callable[[Design], str]:
    return lambda d: f"needs {what}"


def _query_facts(d: Design, r: LintReport) -> list[str]:
    if not d.queries:
        return []
    unserved = {f.message.split("'")[1] for f in r.findings
                if f.rule in ("query-pattern-without-index", "jsonb-queried-without-gin")
                and "'" in f.message}
    served = len(d.queries) - len(unserved & {q.name for q in d.queries})
    return [f"{served} of {len(d.queries)} query patterns are served by an index "
            f"({served / len(d.queries):.0%}; the bar is 95%)"]


def _fk_facts(d: Design, r: LintReport) -> list[str]:
    fks = [fk for t in d.tables for fk in t.foreign_keys]
    explicit = sum(1 for fk in fks if fk.on_delete != "NO ACTION")
    return [f"{explicit} of {len(fks)} foreign keys state an explicit ON DELETE action"] if fks \
        else ["the design has no foreign keys"]


ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("Schema validation",
                  "All foreign keys have appropriate CASCADE/RESTRICT policies",
                  ("fk-on-delete-unspecified", "fk-action-policy", "self-fk-without-delete-action"),
                  facts=_fk_facts),
    ChecklistItem("Schema validation",
                  "Indexes support 95% of expected query patterns without over-indexing",
                  ("query-pattern-without-index", "jsonb-queried-without-gin", "fk-without-index",
                   "duplicate-index", "overlapping-index", "wide-non-unique-index"),
                  needs=_no_queries, facts=_query_facts),
    ChecklistItem("Schema validation",
                  "Data types are precisely chosen for storage efficiency and query performance",
                  ("timestamp-without-tz", "timestamp-zero-precision", "char-n-type", "money-type",
                   "serial-instead-of-identity", "int-id-overflow-risk", "json-instead-of-jsonb",
                   "float-for-money", "fk-type-mismatch", "inconsistent-column-types",
                   "column-order-padding", "random-uuid-pk")),
    ChecklistItem("Schema validation", "Check constraints prevent invalid data states",
                  ("check-missing-on-status", "nullable-boolean", "all-columns-nullable",
                   "composite-fk-nullable-column")),
    ChecklistItem("Schema validation", "Unique constraints prevent duplicate data appropriately",
                  ("table-without-primary-key", "nullable-unique-columns", "soft-delete-unique",
                   "pk-natural-or-text-key")),
    ChecklistItem("Performance validation",
                  "Query patterns support both current and 10x future scale",
                  ("partition-candidate", "query-pattern-without-index", "int-id-overflow-risk"),
                  needs=lambda d: _no_rows(d) or _no_queries(d)),
    ChecklistItem("Performance validation",
                  "Critical paths have query execution time < 100ms at expected data volumes",
                  ("query-pattern-without-index",),
                  needs=_measured("timings at the expected volumes: fill the sandbox with "
                                  "synthetic data and time the critical queries")),
    ChecklistItem("Performance validation",
                  "Index selectivity and cardinality are appropriate for data distribution",
                  ("index-on-boolean", "index-includes-nulls", "btree-on-array",
                   "timestamp-mid-index", "unused-index", "missing-index-seq-scans")),
    ChecklistItem("Performance validation",
                  "Partitioning strategy supports data retention and query patterns",
                  ("partition-candidate", "partitioned-no-default-partition",
                   "partition-unique-without-key"), needs=_no_rows),
    ChecklistItem("Performance validation",
                  "Connection and memory requirements are sustainable at scale", (),
                  needs=_measured("a capacity and configuration plan (connections, memory, "
                                  "pooling) for the expected load")),
    ChecklistItem("Operational readiness", "Migration scripts are tested and reversible",
                  ("create-index-non-concurrently", "constraint-without-not-valid",
                   "missing-lock-and-statement-timeout"),
                  needs=_measured("the migration scripts (checked with the migration rules) "
                                  "and their down steps")),
    ChecklistItem("Operational readiness", "Monitoring and alerting cover all critical metrics",
                  (), needs=lambda d: None if any(e.name == "pg_stat_statements"
                                                  for e in d.extensions)
                  else "add the pg_stat_statements extension and a monitoring plan"),
    ChecklistItem("Operational readiness",
                  "Backup and recovery procedures are documented and tested", (),
                  needs=_measured("a backup and point-in-time-recovery runbook, restored once")),
    ChecklistItem("Operational readiness", "Security policies meet compliance requirements",
                  ("rls-disabled-tenant-table", "rls-not-forced", "rls-policy-state-mismatch",
                   "rls-policy-always-true", "sensitive-columns-unprotected",
                   "security-definer-function-callable", "function-search-path-mutable",
                   "audit-intent-unmet")),
    ChecklistItem("Operational readiness",
                  "Documentation includes operational runbooks and troubleshooting guides",
                  ("missing-comment",),
                  needs=_measured("runbooks: the exported DESIGN.md plus your operations notes")),
)


def _judge(item: ChecklistItem, design: Design, report: LintReport) -> Verdict:
    mine = [f for f in report.findings if f.rule in item.rules]
    serious = [f for f in mine if f.severity in ("error", "warning")]
    evidence = list(item.facts(design, report) if item.facts else [])
    evidence += [f"{f.where}: {f.rule} — {f.message}" for f in serious[:8]]
    if len(serious) > 8:
        evidence.append(f"… and {len(serious) - 8} more")
    infos = [f for f in mine if f.severity == "info"]
    if infos:
        names = ", ".join(sorted({f.rule for f in infos}))
        evidence.append(f"{len(infos)} info finding(s) from {names}")
    if serious:
        return Verdict(item, "fail", tuple(evidence))
    reason = item.needs(design) if item.needs else None
    if reason:
        return Verdict(item, "needs information", tuple([reason, *evidence]))
    if item.rules:
        evidence.insert(0, f"no warnings from {len(item.rules)} rule(s): "
                           f"{', '.join(item.rules[:4])}{' …' if len(item.rules) > 4 else ''}")
    return Verdict(item, "pass", tuple(evidence))


@dataclass(frozen=True)
class Checklist:
    verdicts: tuple[Verdict, ...]

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "needs information": 0}
        for v in self.verdicts:
            out[v.status] += 1
        return out

    def __str__(self) -> str:
        lines, section = [], None
        c = self.counts()
        lines.append(f"Quality checklist: {c['pass']} pass, {c['fail']} fail, "
                     f"{c['needs information']} need information")
        for v in self.verdicts:
            if v.item.section != section:
                section = v.item.section
                lines.append(f"\n{section}")
            mark = {"pass": "[x]", "fail": "[!]", "needs information": "[?]"}[v.status]
            lines.append(f"  {mark} {v.item.text} — {v.status}")
            lines += [f"        {e}" for e in v.evidence]
        return "\n".join(lines)

    __repr__ = __str__

    def markdown(self) -> str:
        # words, not emoji: reports are read on machines without an emoji font
        icon = {"pass": "**pass**", "fail": "**FAIL**",
                "needs information": "**needs information**"}
        out, section = [], None
        for v in self.verdicts:
            if v.item.section != section:
                section = v.item.section
                out += ["", f"**{section}**", ""]
            ev = "; ".join(v.evidence) if v.evidence else ""
            out.append(f"- {icon[v.status]} — {v.item.text}" + (f". {ev}" if ev else ""))
        return "\n".join(out).strip() + "\n"

    def _repr_html_(self) -> str:
        colour = {"pass": "#15803d", "fail": "#b91c1c", "needs information": "#a16207"}
        td = "style='text-align:left;vertical-align:top'"
        rows = "".join(
            f"<tr><td {td}>{html.escape(v.item.section)}</td><td {td}>"
            f"{html.escape(v.item.text)}</td><td {td}><b style='color:{colour[v.status]}'>"
            f"{v.status}</b></td><td {td}><ul style='margin:0'>"
            f"{''.join(f'<li>{html.escape(e)}</li>' for e in v.evidence)}</ul></td></tr>"
            for v in self.verdicts)
        head = "".join(f"<th {td}>{h}</th>" for h in ("section", "item", "verdict", "evidence"))
        return ("<table style='border-collapse:collapse'><thead><tr>" + head +
                f"</tr></thead><tbody>{rows}</tbody></table>")


def checklist(design: Design, report: LintReport | None = None) -> Checklist:
    """Judge the seed checklist for ``design`` (running the advisor unless given a report)."""
    if report is None:
        from .runner import lint
        report = lint(design)
    return Checklist(tuple(_judge(item, design, report) for item in ITEMS))
