"""Every exercise both ways: its solution passes, the untouched start does not — and says
what is missing with a hint. A few wrong answers that look right must fail too."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import pgarch_kit as pk
from pgarch_kit.model.design import Column, Policy

ROOT = Path(__file__).resolve().parents[2]


def _solutions() -> dict:
    path = ROOT / "notebooks" / "solutions" / "exercises.py"
    spec = importlib.util.spec_from_file_location("workshop_solutions", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["workshop_solutions"] = mod
    spec.loader.exec_module(mod)
    return mod.SOLUTIONS


SOLUTIONS = _solutions()
IDS = [e.id for e in pk.exercises()]


def test_every_notebook_has_exercises_and_every_exercise_a_solution() -> None:
    notebooks = sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        assert 1 <= len(pk.exercises(nb)) <= 3, f"notebook {nb}"
    assert set(SOLUTIONS) == set(IDS)


@pytest.mark.parametrize("ex_id", IDS)
def test_solution_passes(ex_id: str) -> None:
    ex = pk.exercise(ex_id)
    result = ex.check(SOLUTIONS[ex_id](ex.start()))
    assert result.passed, str(result)
    assert result.right and "Solved" in result._repr_html_()


@pytest.mark.parametrize("ex_id", IDS)
def test_untouched_start_says_what_is_missing(ex_id: str) -> None:
    ex = pk.exercise(ex_id)
    result = ex.check(ex.start())
    assert not result.passed and result.missing, str(result)
    assert result.hint and "hint:" in str(result) and "Not yet" in result._repr_html_()


def test_a_leaky_policy_is_not_isolation() -> None:
    """06.1: RLS switched on with a policy that lets everything through fails on the
    server, although every table 'has a policy'."""
    ex = pk.exercise("06.1")
    d = ex.start()
    leaky = tuple(replace(t, rls_enabled=True, policies=(Policy("anything", "ALL", True,
                                                                ("app_user",), "true",
                                                                "true"),))
                  for t in d.tables)
    result = ex.check(replace(d, tables=leaky))
    assert not result.passed
    assert any("another tenant" in m for m in result.missing), str(result)


def test_a_required_column_without_a_default_is_refused() -> None:
    ex = pk.exercise("08.1")
    d = pk.edit.add_column(ex.start(), "orders", Column("channel", "text", False))
    result = ex.check(d)
    assert not result.passed and any("refused" in m for m in result.missing), str(result)


def test_a_unique_index_on_all_orders_is_too_much() -> None:
    """07.1: a plain unique index on customer_id would also refuse the paid order: the
    check's data does not even load (every customer has several orders)."""
    from pgarch_kit.model.design import Index, IndexKey
    ex = pk.exercise("07.1")
    d = pk.edit.add_index(ex.start(), "orders", Index("orders_customer_unique",
                                                      (IndexKey("customer_id"),), unique=True))
    assert not ex.check(d).passed


def test_unknown_exercise_names_the_existing_ones() -> None:
    with pytest.raises(pk.PgArchError,
                       match=r"01\.1"):
        pk.exercise("99.9")
