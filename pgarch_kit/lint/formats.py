"""Findings in the shapes CI reads: plain text with ``file:line``, GitHub Actions workflow
commands (annotations on the pull request's lines) and SARIF 2.1.0 (GitHub code scanning and
other SARIF viewers). JSON is :meth:`LintReport.to_json`.

Everything in a finding may come from an untrusted schema or migration (names, SQL text), so
each writer escapes for its target: workflow commands percent-encode the characters that end
a command or a property (``%``, CR, LF, and ``:`` ``,`` in properties) — the rules of
``@actions/core`` — and SARIF is written with :func:`json.dumps`.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath
from urllib.parse import quote

from .finding import SEVERITIES, Finding
from .report import LintReport

__all__ = ["FORMATS", "github_annotations", "sarif", "text", "fails", "escape_data",
           "escape_property"]

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LINE_PREFIX = re.compile(r"^line \d+: ")
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def fails(findings: Iterable[Finding], fail_on: str) -> bool:
    """True when a finding is at least as severe as ``fail_on`` (error, warning or info)."""
    worst = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(f.severity) <= worst for f in findings)


def _message(f: Finding) -> str:
    """The message without its ``line N:`` prefix when the line is carried separately."""
    return _LINE_PREFIX.sub("", f.message) if f.line is not None else f.message


def _by_place(findings: Iterable[Finding]) -> list[Finding]:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (f.file or "", f.line or 0, rank[f.severity],
                                           f.code, f.table or "", f.column or ""))


# ---- text ------------------------------------------------------------------------------

def text(report: LintReport, files: Sequence[str] = ()) -> str:
    """One block per finding, ``file:line: severity rule (code)`` then what and the fix; a
    summary line last (counts per severity, files checked)."""
    rows = _by_place(report.findings)
    out = []
    for f in rows:
        place = ":".join(str(x) for x in (f.file, f.line) if x is not None) or f.where
        where = f" [{f.where}]" if f.table else ""
        out.append(f"{place}: {f.severity} {f.rule} ({f.code}){where}: {_message(f)}")
        out.append("    fix: " + f.fix.replace("\n", "\n         "))
    c = report.counts()
    checked = f" in {len(files)} file(s)" if files else ""
    out.append(f"{len(rows)} finding(s){checked}: {c['error']} error, {c['warning']} warning, "
               f"{c['info']} info ({len(report.rules_run)} rules run)")
    return "\n".join(out)


# ---- GitHub workflow commands ------------------------------------------------------------

def escape_data(value: str) -> str:
    """A workflow command's message: ``%``, CR and LF percent-encoded (``%`` first)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A workflow command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_annotations(report: LintReport, default_file: str | None = None) -> str:
    """``::error file=…,line=…,title=…::message`` per finding (warning → ``::warning``, info →
    ``::notice``), the fix on the message's second line. Findings without a file (a design
    lint) are put on ``default_file``."""
    out = []
    for f in _by_place(report.findings):
        props = []
        file = f.file or default_file
        if file:
            props.append(f"file={escape_property(PurePath(file).as_posix())}")
        if f.line is not None:
            props.append(f"line={f.line}")
        props.append(f"title={escape_property(f'pgarch {f.rule} ({f.code})')}")
        where = f"{f.where}: " if f.table else ""
        body = f"{where}{_message(f)}\nfix: {f.fix}"
        out.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{escape_data(body)}")
    return "\n".join(out)


# ---- SARIF 2.1.0 ------------------------------------------------------------------------

def _uri(path: str) -> str:
    p = PurePath(path)
    if p.is_absolute():
        return "file://" + quote(p.as_posix())
    return quote(p.as_posix())


def _rule_descriptor(slug: str) -> dict[str, object]:
    from .runner import rule_named
    r = rule_named(slug)
    doc = {k: v.replace("``", "`") for k, v in r.doc().items()}  # reST literals, as Markdown
    full = " ".join(x for x in (doc.get("what", ""), doc.get("why", "")) if x)
    return {
        "id": r.code,
        "name": r.slug,
        "shortDescription": {"text": r.slug.replace("-", " ")},
        "fullDescription": {"text": full or r.slug},
        "help": {"text": f"{doc.get('fix', '')} (docs/RULES.md#{r.slug})".strip()},
        "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        "properties": {"category": r.category, "tags": [r.category]},
    }


def sarif(report: LintReport, *, default_file: str | None = None, version: str = "",
          notifications: Sequence[tuple[str, int | None, str]] = ()) -> str:
    """A SARIF 2.1.0 log with one run: the tool's rules (every rule that ran), one result per
    finding located at its file and line (line 1 of ``default_file`` for findings that have
    none), and ``notifications`` — (file, line, message) of files that could not be read — as
    tool execution notifications that mark the run unsuccessful."""
    slugs = sorted({*report.rules_run, *(f.rule for f in report.findings)}
                   - {"unused-suppression"})
    rules = [_rule_descriptor(s) for s in slugs]
    index = {r["name"]: i for i, r in enumerate(rules)}
    results = []
    for f in _by_place(report.findings):
        result: dict[str, object] = {
            "ruleId": f.code,
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{_message(f)}\nfix: {f.fix}"},
        }
        if f.rule in index:
            result["ruleIndex"] = index[f.rule]
        file = f.file or default_file
        if file:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(file)},
                "region": {"startLine": f.line or 1}}}]
        if f.table:
            result["properties"] = {"table": f.table, "column": f.column}
        seed = "\x1f".join(str(x) for x in (f.code, file, f.table, f.column, _message(f)))
        result["partialFingerprints"] = {
            "pgarchFinding/v1": hashlib.sha256(seed.encode("utf-8")).hexdigest()}
        results.append(result)
    invocation: dict[str, object] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": msg},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(file)},
                                                 "region": {"startLine": line or 1}}}]}
            for file, line, msg in notifications]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pgarch", "semanticVersion": version or None,
                                "rules": rules}},
            "invocations": [invocation],
            "results": results,
        }],
    }
    if not version:
        del log["runs"][0]["tool"]["driver"]["semanticVersion"]  # type: ignore[index]
    return json.dumps(log, indent=2, ensure_ascii=False)
