"""Every advisor rule against its own fixtures, run with only that rule selected; and every
rule documented (What / Why / Fix) with a stable code, a catalog slug and fixtures.

Fixture files: tests/lint/fixtures/<slug>.yaml with ``must_trigger`` and ``must_not_trigger``
lists. Each item has ``design`` (a design file as YAML) and, for L rules, ``sql`` run in a
fresh sandbox before linting against it; for M rules, ``migration`` (SQL). ``expect`` lists the
table/column of findings that must be among those reported.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pgarch_kit.lint import lint
from pgarch_kit.lint.runner import rules  # not pgarch_kit.lint.rules: the package shadows it
from pgarch_kit.model.serde import dump_design, loads_design

FIXTURES = Path(__file__).parent / "fixtures"
ALL = rules()
IDS = [r.slug for r in ALL]


def _design(item: dict):
    return loads_design(yaml.safe_dump(item["design"], sort_keys=False), check=False)


def _run(rule, item: dict, request):
    design = _design(item)
    if rule.mode == "L" or "sql" in item:
        import psycopg
        dsn = request.getfixturevalue("fresh_db")
        with psycopg.connect(dsn, autocommit=True) as conn:
            sql = item.get("sql")
            # a list runs statement by statement (CREATE INDEX CONCURRENTLY needs its own)
            for statement in (sql if isinstance(sql, list) else [sql] if sql else []):
                conn.execute(statement)
            return lint(design, select=[rule.slug], ignore=[], conn=conn)
    if rule.mode == "M":
        from pgarch_kit.lint.migration import Migration
        return lint(design, select=[rule.slug], ignore=[],
                    migration=Migration.from_sql(item["migration"], design))
    return lint(design, select=[rule.slug], ignore=[])


def test_registry_is_consistent() -> None:
    assert len({r.slug for r in ALL}) == len(ALL), "duplicate slugs"
    assert len({r.code for r in ALL}) == len(ALL), "duplicate codes"
    for r in ALL:
        assert re.fullmatch(r"PGA\d{3}", r.code), r
        assert r.severity in ("error", "warning", "info"), r
        assert r.mode in ("S", "L", "M", "S/L"), r


@pytest.mark.parametrize("rule", ALL, ids=IDS)
def test_rule_is_documented(rule) -> None:
    doc = rule.doc()
    for section in ("what", "why", "fix"):
        assert doc.get(section), f"{rule.slug}: docstring lacks a '{section.title()}:' paragraph"


@pytest.mark.parametrize("rule", ALL, ids=IDS)
def test_rule_fixtures(rule, request) -> None:
    path = FIXTURES / f"{rule.slug}.yaml"
    assert path.exists(), f"{rule.slug}: no fixture file {path.name}"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert spec.get("must_trigger") and spec.get("must_not_trigger"), \
        f"{rule.slug}: needs both must_trigger and must_not_trigger cases"
    for i, item in enumerate(spec["must_trigger"]):
        report = _run(rule, item, request)
        mine = [f for f in report.findings if f.rule == rule.slug]
        assert mine, f"{rule.slug}: must_trigger[{i}] gave no finding"
        assert all(f.code == rule.code and f.message and f.fix for f in mine)
        for want in item.get("expect", []):
            assert any(all(getattr(f, k) == v for k, v in want.items()) for f in mine), \
                f"{rule.slug}: must_trigger[{i}] lacks {want}; got {[(f.table, f.column) for f in mine]}"
    for i, item in enumerate(spec["must_not_trigger"]):
        report = _run(rule, item, request)
        mine = [f for f in report.findings if f.rule == rule.slug]
        assert not mine, f"{rule.slug}: must_not_trigger[{i}] fired: {[f.message for f in mine]}"


def test_fixture_designs_load() -> None:
    """Fixture designs are real design files (they may be invalid on purpose: check=False)."""
    for path in FIXTURES.glob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in [*spec.get("must_trigger", []), *spec.get("must_not_trigger", [])]:
            assert dump_design(_design(item))
