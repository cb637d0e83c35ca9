"""Schema objects that stand beside tables and the common types: collations, range types,
text search dictionaries and configurations, casts and rules.

They follow the conventions of :mod:`pgarch_kit.model.design`: names unquoted as PostgreSQL
stores them; references to other objects (a collation, a template, a function) written as
PostgreSQL prints them with ``search_path = public`` — unqualified in ``public`` and
``pg_catalog``, ``schema.name`` elsewhere; SQL statements PostgreSQL deparses (a rule) kept
whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .types import canonical_type

__all__ = [
    "CAST_CONTEXTS",
    "CAST_METHODS",
    "COLLATION_PROVIDERS",
    "Cast",
    "Collation",
    "RangeType",
    "Rule",
    "TextSearchConfiguration",
    "TextSearchDictionary",
    "default_multirange_name",
]

COLLATION_PROVIDERS = ("libc", "icu", "builtin")
CAST_METHODS = ("function", "inout", "binary")
CAST_CONTEXTS = ("explicit", "assignment", "implicit")


def _canon(value: object) -> object:
    try:
        return canonical_type(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return value  # kept as written so validation can report it


@dataclass(frozen=True)
class Collation:
    """``CREATE COLLATION``. ``locale`` is the ICU or builtin locale, or for libc both
    LC_COLLATE and LC_CTYPE; ``lc_collate``/``lc_ctype`` are used (libc only) when the two
    differ. ``rules`` are ICU tailoring rules (PostgreSQL 16+)."""

    name: str
    schema: str = "public"
    provider: Literal["libc", "icu", "builtin"] = "libc"
    locale: str | None = None
    lc_collate: str | None = None
    lc_ctype: str | None = None
    deterministic: bool = True
    rules: str | None = None
    comment: str | None = None


def default_multirange_name(range_name: str) -> str:
    """The multirange type PostgreSQL makes for a range type when none is named: the first
    ``range`` in the name becomes ``multirange``, else ``_multirange`` is appended."""
    if "range" in range_name:
        return range_name.replace("range", "multirange", 1)
    return range_name + "_multirange"


@dataclass(frozen=True)
class RangeType:
    """``CREATE TYPE … AS RANGE``. PostgreSQL also makes its multirange type and the
    constructor functions of both; those belong to the range and are not listed elsewhere.
    Options are kept only when they differ from what PostgreSQL picks by itself."""

    name: str
    subtype: str
    schema: str = "public"
    subtype_opclass: str | None = None  # a btree operator class of the subtype
    collation: str | None = None
    canonical: str | None = None        # function names, e.g. app.time_diff
    subtype_diff: str | None = None
    multirange: str | None = None       # name of the multirange type when not the default
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "subtype", _canon(self.subtype))

    @property
    def multirange_name(self) -> str:
        return self.multirange or default_multirange_name(self.name)


@dataclass(frozen=True)
class TextSearchDictionary:
    """``CREATE TEXT SEARCH DICTIONARY``: a template (``simple``, ``snowball``, an
    extension's such as ``unaccent``) and its options as ``(name, value)`` pairs."""

    name: str
    template: str
    schema: str = "public"
    options: tuple[tuple[str, str], ...] = ()
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(tuple(p) for p in self.options))


@dataclass(frozen=True)
class TextSearchConfiguration:
    """``CREATE TEXT SEARCH CONFIGURATION``: a parser and, per token type, the dictionaries
    consulted in order (``ALTER … ADD MAPPING FOR token WITH dict, dict``)."""

    name: str
    parser: str = "default"
    schema: str = "public"
    mappings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "mappings",
                           tuple((tok, tuple(dicts)) for tok, dicts in self.mappings))


@dataclass(frozen=True)
class Cast:
    """``CREATE CAST (source AS target)``: through a function (``function`` and its argument
    types in ``signature``), through the types' text forms (``inout``) or as the same bits
    (``binary``); usable explicitly only, in assignments too, or implicitly."""

    source: str
    target: str
    method: Literal["function", "inout", "binary"] = "function"
    function: str | None = None         # the function's name, qualified outside public
    signature: str | None = None        # its argument types, e.g. "placement_type"
    context: Literal["explicit", "assignment", "implicit"] = "explicit"
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", _canon(self.source))
        object.__setattr__(self, "target", _canon(self.target))

    @property
    def label(self) -> str:
        return f"{self.source} AS {self.target}"


@dataclass(frozen=True)
class Rule:
    """A rewrite rule kept as its complete ``CREATE RULE`` statement (as PostgreSQL prints
    it), like a trigger; views' own ``_RETURN`` rules are the views themselves."""

    name: str
    table: str
    definition: str
    schema: str = "public"
    enabled: Literal["O", "D", "R", "A"] = "O"
    comment: str | None = None
