"""Moved to :mod:`pgarch_kit.model.sqlparams`: validation parses a query pattern in the form
the benchmarks send it, and the model layer cannot import ``bench``. Kept so existing imports
keep working."""
from __future__ import annotations

from pgarch_kit.model.sqlparams import PatternSql, parse_params

__all__ = ["PatternSql", "parse_params"]
