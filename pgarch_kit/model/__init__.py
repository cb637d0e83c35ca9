"""L1: the pure design model — dataclasses, type names, identifier rules, validation, serde."""
from .design import *  # noqa: F401,F403
from .design import __all__ as _design_all
from .names import qualified, quote_ident, shorten
from .types import PgType, canonical_type, parse_type, short_type

__all__ = [*_design_all, "qualified", "quote_ident", "shorten", "PgType", "canonical_type",
           "parse_type", "short_type"]
