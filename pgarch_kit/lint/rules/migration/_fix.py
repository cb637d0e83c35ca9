"""Lock-safe rewrites of a statement, made on a fresh copy of its AST and printed by pglast,
so names keep the quoting the printer gives them."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pglast

from ...migration import Statement, render

__all__ = ["rewrite"]


def rewrite(stmt: Statement, change: Callable[[Any], None]) -> str:
    """The statement re-parsed, changed by ``change`` (which mutates the node) and printed."""
    node = pglast.parse_sql(stmt.text)[0].stmt
    change(node)
    return render(node) + ";"
