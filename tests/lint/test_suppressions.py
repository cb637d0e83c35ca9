"""Suppressions in the design file: they hide exactly what they name, and one that matches
nothing is itself reported (unless its rule did not run)."""
from __future__ import annotations

import yaml

from pgarch_kit.lint import lint
from pgarch_kit.model.serde import loads_design

BASE = {
    "name": "s",
    "tables": [
        {"name": "parents", "columns": [{"name": "id", "type": "bigint", "identity": "always"}],
         "primary_key": ["id"]},
        {"name": "kids", "columns": [{"name": "id", "type": "bigint", "identity": "always"},
                                     {"name": "parent_id", "type": "bigint", "nullable": False},
                                     {"name": "other_id", "type": "bigint", "nullable": False}],
         "primary_key": ["id"],
         "foreign_keys": [
             {"columns": ["parent_id"], "references": {"table": "parents", "columns": ["id"]}},
             {"columns": ["other_id"], "references": {"table": "parents", "columns": ["id"]}}]},
    ],
}


def _design(suppress: list[dict]):
    return loads_design(yaml.safe_dump({**BASE, "lint": {"suppress": suppress}}))


def _where(report, rule):
    """Findings on tables (a design-wide "needs information" names none)."""
    return sorted((f.table, f.column) for f in report.findings if f.rule == rule and f.table)


def test_without_suppression_both_fks_are_reported() -> None:
    report = lint(_design([]), select=["fk-without-index"])
    assert _where(report, "fk-without-index") == [("kids", "other_id"), ("kids", "parent_id")]


def test_suppression_hides_only_what_it_names() -> None:
    design = _design([{"rule": "fk-without-index", "table": "kids", "column": "parent_id",
                       "reason": "parents are never deleted"}])
    report = lint(design, select=["fk-without-index"])
    assert _where(report, "fk-without-index") == [("kids", "other_id")]
    assert _where(report, "unused-suppression") == []


def test_suppression_by_code_and_whole_table() -> None:
    design = _design([{"rule": "PGA028", "table": "kids", "reason": "small table"}])
    assert _where(lint(design, select=["fk-without-index"]), "fk-without-index") == []


def test_stale_suppression_is_reported_with_its_reason() -> None:
    design = _design([{"rule": "fk-without-index", "table": "parents", "reason": "old note"}])
    report = lint(design, select=["fk-without-index"])
    stale = [f for f in report.findings if f.rule == "unused-suppression"]
    assert len(stale) == 1 and "old note" in stale[0].message and stale[0].table == "parents"


def test_suppression_of_a_rule_that_did_not_run_is_not_judged() -> None:
    design = _design([{"rule": "fk-without-index", "table": "parents", "reason": "old note"}])
    report = lint(design, select=["money-type"])
    assert _where(report, "unused-suppression") == []
