"""Golden files: the DOT of each sample design and the Mermaid of a small design, compared
with tests/diagram/golden/. ``UPDATE_GOLDEN=1 pytest tests/diagram`` rewrites them; review
the diff (and a rendered PNG) before committing."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgarch_kit.diagram import to_dot, to_mermaid
from pgarch_kit.model.serde import load_design

from .designs import shop

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
SAMPLES = sorted((ROOT / "data" / "designs").glob("*.yaml"))


def _check(text: str, name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def test_samples_found() -> None:
    assert len(SAMPLES) >= 3


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_dot(sample: Path) -> None:
    _check(to_dot(load_design(sample)), f"{sample.stem}.dot")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_dot_keys(sample: Path) -> None:
    _check(to_dot(load_design(sample), detail="keys"), f"{sample.stem}.keys.dot")


def test_shop_mermaid() -> None:
    _check(to_mermaid(shop()), "shop.mmd")


def test_mermaid_sanitises() -> None:
    from .designs import hostile
    text = to_mermaid(hostile())
    assert text.startswith("erDiagram\n")
    assert 'a_b_c_d["a<b>&\'c\'d"] {' in text              # alias keeps the real name
    assert "bigint id PK \"<id>\"" in text
    assert 't1 }o..o| a_b_c_d : "ref&"' in text
    assert "numeric_12_2" in to_mermaid(shop())
