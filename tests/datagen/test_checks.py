"""CHECK expressions (as written and as PostgreSQL prints them) read into column rules."""
from __future__ import annotations

import re

import numpy as np
import pytest

from pgarch_kit.datagen import ColumnRule, parse_check, regex_generator


def rules_of(expr: str, value_name: str | None = None) -> tuple[dict, list[str]]:
    rules: dict[str, ColumnRule] = {}
    unknown = parse_check(expr, rules, value_name=value_name)
    return rules, unknown


@pytest.mark.parametrize(("expr", "col", "expected"), [
    ("(price >= (0)::numeric)", "price", {"lo": 0, "lo_strict": False}),
    ("((quantity > 0))", "quantity", {"lo": 0, "lo_strict": True}),
    ("(0 < qty)", "qty", {"lo": 0, "lo_strict": True}),
    ("((score >= 1) AND (score <= 5))", "score", {"lo": 1, "hi": 5}),
    ("score BETWEEN 1 AND 5", "score", {"lo": 1, "hi": 5}),
    ("(status = ANY (ARRAY['a'::text, 'b'::text]))", "status", {"allowed": ("a", "b")}),
    ("kind IN ('x', 'y''s')", "kind", {"allowed": ("x", "y's")}),
    ("((length(code) >= 2) AND (length(code) <= 10))", "code", {"min_len": 2, "max_len": 10}),
    ("(char_length((name)::text) <= 100)", "name", {"max_len": 100}),
    ("(country ~ '^[A-Z]{2}$'::text)", "country", {"patterns": ("^[A-Z]{2}$",)}),
    ("(email IS NOT NULL)", "email", {"not_null": True}),
    ("(btrim(title) <> ''::text)", "title", {"min_len": 1}),
    ("position('@' in email) > 1", "email", {"contains": ("@",)}),
    ("(parent_id <> id)", "parent_id", {"peers": (("<>", "id"),)}),
    ("(level <> 0)", "level", {"excluded": ("0",)}),
])
def test_understood_shapes(expr, col, expected):
    rules, unknown = rules_of(expr)
    assert unknown == []
    for attr, value in expected.items():
        assert getattr(rules[col], attr) == value, attr


def test_domain_checks_use_value():
    rules, unknown = rules_of("(VALUE > 0) AND (VALUE < 100)", value_name="pct")
    assert unknown == [] and (rules["pct"].lo, rules["pct"].hi) == (0, 100)


def test_unknown_terms_are_returned_not_guessed():
    rules, unknown = rules_of("(x > 0) AND (md5(email) <> 'x')")
    assert rules["x"].lo == 0
    assert unknown == ["md5(email) <> 'x'"]


@pytest.mark.parametrize("pattern", [r"^[A-Z]{2}$", r"^[A-Z]{3}-[0-9]{4}$", r"^[a-z]+$",
                                     r"^\d{5}$", r"^[A-Z0-9]{8}$", r"^SKU-[0-9]{2,6}$"])
def test_regex_generator_matches(pattern):
    gen = regex_generator(pattern, 42)
    values = gen(np.arange(500))
    assert all(re.fullmatch(pattern, v) for v in values.tolist())
    unique = regex_generator(pattern, 42, unique=True, rows=300)(np.arange(300)).tolist()
    assert len(set(unique)) == len(unique)
    assert all(re.fullmatch(pattern, v) for v in unique)


def test_regex_generator_declines_what_it_cannot_honour():
    assert regex_generator(r"^(a)\1$", 1) is None          # a back reference
    assert regex_generator(r"^(?=x)x$", 1) is None          # a look-ahead
    assert regex_generator(r"^[A-Z]{2}$", 1, unique=True, rows=1000) is None  # 676 values
    assert regex_generator(r"^[a-z]{3,9}$", 1, max_len=2) is None  # cannot fit
