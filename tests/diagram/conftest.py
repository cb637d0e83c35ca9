"""Diagram tests that need Graphviz's ``dot`` fail loudly when it is missing (make test
installs it), instead of skipping green."""
from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def dot_available() -> None:
    assert shutil.which("dot"), "Graphviz's `dot` is not installed: apt-get install graphviz"
