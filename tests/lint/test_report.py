"""The advisor's report: grouped per rule for people (text and HTML), one entry per flagged
object for tools (JSON), names escaped wherever they are shown."""
from __future__ import annotations

import html
import json
import re

from pgarch_kit.lint import Finding, LintReport

HOSTILE = "<script>alert(1)</script>"


def _report() -> LintReport:
    many = [Finding("PGA001", "int-id-overflow-risk", "warning", f"t{i}", "amount",
                    f"column t{i}.amount is integer", f"ALTER TABLE t{i} ALTER COLUMN amount "
                    "TYPE bigint;", "types") for i in range(40)]
    many.append(Finding("PGA001", "int-id-overflow-risk", "warning", HOSTILE, "x",
                        "column is integer", "ALTER …", "types"))
    return LintReport((
        Finding("PGA052", "missing-comment", "info", None, None, "needs a comment", "COMMENT …",
                "naming"),
        *many,
        Finding("PGA059", "rls-policy-always-true", "error", "notes", None,
                "policy p admits every row", "ALTER POLICY …", "security/RLS"),
    ), rules_run=("int-id-overflow-risk", "missing-comment", "rls-policy-always-true"))


def test_text_shows_one_entry_per_rule_most_serious_first() -> None:
    text = str(_report())
    assert text.splitlines()[0].startswith("43 finding(s) from 3 rule group(s): 1 error, "
                                           "41 warning, 1 info")
    assert "per rule: rls-policy-always-true 1, int-id-overflow-risk 41, missing-comment 1" \
        in text
    heads = [ln for ln in text.splitlines() if re.match(r"^(error|warning|info)\s", ln)]
    assert heads == ["error   rls-policy-always-true (PGA059) — 1 finding",
                     "warning int-id-overflow-risk (PGA001) — 41 columns",
                     "info    missing-comment (PGA052) — 1 finding"]
    assert "t0.amount, t1.amount" in text and "… and 31 more" in text
    assert text.count("is integer") == 1        # one example message for the group


def test_html_groups_and_lists_every_object_escaped() -> None:
    page = _report()._repr_html_()
    assert page.count("<details>") == 1 and "all 41 int-id-overflow-risk findings" in page
    assert all(f"t{i}.amount" in page for i in range(40))          # every object listed
    assert HOSTILE not in page and html.escape(HOSTILE) in page
    order = [page.index(s) for s in (">error<", ">warning<", ">info<")]
    assert order == sorted(order)


def test_json_keeps_one_entry_per_object_with_the_totals() -> None:
    out = json.loads(_report().to_json())
    assert out["summary"] == {"errors": 1, "warnings": 41, "info": 1,
                              "rules": {"int-id-overflow-risk": 41, "missing-comment": 1,
                                        "rls-policy-always-true": 1},
                              "rules_run": 3}
    assert len(out["findings"]) == 43
    assert out["findings"][0]["rule"] == "rls-policy-always-true"      # errors first
    assert {f["table"] for f in out["findings"]} >= {"t0", "t39", HOSTILE}


def test_empty_report() -> None:
    empty = LintReport((), rules_run=("a", "b"))
    assert str(empty) == "no findings (2 rules run)"
    assert json.loads(empty.to_json())["findings"] == []
