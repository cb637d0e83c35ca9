"""Value generators chosen from a column's type and the meaning of its name.

Each generator is a function of row indices returning rendered text (not yet COPY-escaped),
vectorised over the batch. ``generator_for`` picks one: an allowed set (enum, ``IN`` check)
first, then a regex check, then the name's meaning (email, city, price ...), then the type.
Length limits (``varchar(n)``, ``length()`` checks) and uniqueness are applied on the way out:
unique text carries the row number as a suffix, so it stays unique after truncation.
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..model.types import PgType
from ._random import choice, randint, u64, uniform
from .checks import ColumnRule
from .copytext import render_bool, render_int, render_scaled, render_uuid
from .regex import regex_generator
from .structured import array_of, composite_of, times, vector_of
from .vocab import Vocabulary

__all__ = ["Gen", "Spec", "generator_for", "uuid_of"]

Gen = Callable[[np.ndarray], np.ndarray]
_START, _END = 1_704_067_200_000_000, 1_767_225_600_000_000  # 2024-01-01 .. 2026-01-01
_INT_MAX = {"smallint": 32767, "integer": 2**31 - 1, "bigint": 2**53}
_STATUS = np.array(["active", "inactive", "pending", "archived", "suspended"])
_KINDS = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
_PEOPLE = re.compile(r"customer|user|person|people|employee|author|member|contact|account|"
                     r"student|patient|staff|owner", re.I)


@dataclass(frozen=True)
class Spec:
    """What a generator must honour for one column."""

    table: str
    column: str
    type: PgType
    rule: ColumnRule
    salt: int
    vocab: Vocabulary
    unique: bool = False
    allowed: tuple[str, ...] | None = None   # enum values or an IN check
    rows: int = 1_000_000                    # the table's rows: sizes unique spellings
    attributes: tuple | None = None          # a composite type's (name, Resolved) pairs
    subtype: PgType | None = None            # a range type's subtype (arrays of ranges)


def _s(spec: Spec, k: int) -> int:
    return (spec.salt + 104729 * k) & 0xFFFFFFFFFFFFFFFF


def uuid_of(salt: int, idx: np.ndarray) -> np.ndarray:
    """Deterministic v4-layout UUID text for row indices (random-access, so children can
    recompute a parent's key from its row number)."""
    hi, lo = u64(salt, idx), u64(salt ^ 0x5BD1E995, idx)
    hi = (hi & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    lo = (lo & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    return render_uuid(np.stack([hi, lo], axis=1))


def _join(*parts: np.ndarray | str) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def _words(spec: Spec, idx: np.ndarray, lo: int, hi: int, k: int = 0) -> np.ndarray:
    count = randint(_s(spec, 50 + k), idx, lo, hi)
    out = choice(_s(spec, 51 + k), idx, spec.vocab.words)
    for w in range(1, hi):
        word = choice(_s(spec, 52 + k + w), idx, spec.vocab.words)
        out = np.where(w < count, _join(out, " ", word), out)
    return out


def _prose(spec: Spec) -> Gen:
    """Long text (8-30 words) at the speed of one pick: a pool of up to 8192 texts is made
    once per column from two clauses each, and a row takes one. Building rows word by word took
    30 string passes over the batch (about 20k rows/s for a varchar(1000) column)."""
    pool: list[np.ndarray] = []

    def gen(idx: np.ndarray) -> np.ndarray:
        if not pool:
            k = np.arange(min(8192, max(spec.rows, 256)), dtype=np.int64)  # small tables
            first = _words(spec, k, 4, 15, k=700)
            second = _words(spec, k * 7 + 3, 4, 15, k=800)
            pool.append(_join(np.strings.capitalize(first), ", ", second, "."))
        return choice(_s(spec, 61), idx, pool[0])
    return gen


def _filtered(pool: np.ndarray, rule: ColumnRule, max_len: int | None) -> np.ndarray:
    keep = np.ones(len(pool), dtype=bool)
    lens = np.strings.str_len(pool)
    if max_len is not None:
        keep &= lens <= max_len
    if rule.min_len:
        keep &= lens >= rule.min_len
    for pat in rule.patterns:
        with warnings.catch_warnings():  # "possible nested set": PostgreSQL's syntax
            warnings.simplefilter("ignore", FutureWarning)
            rx = re.compile(pat)
        keep &= np.array([bool(rx.search(v)) for v in pool.tolist()], dtype=bool)
    for ch in rule.contains:
        keep &= np.strings.find(pool, ch) >= 0
    keep &= ~np.isin(pool, list(rule.excluded))
    return pool[keep]


def _text_meaning(spec: Spec) -> Gen | np.ndarray:
    """A pool (array to pick from) or a generator for a text column, by name."""
    v, name, table = spec.vocab, spec.column.lower(), spec.table
    lambda pool, k=0: (lambda idx: choice(_s(spec, k), idx, pool))
    if "email" in name or name == "mail":
        return lambda idx: _join(np.strings.lower(choice(_s(spec, 1), idx, v.first_names)),
                                 ".", np.strings.lower(choice(_s(spec, 2), idx, v.last_names)),
                                 "@", choice(_s(spec, 3), idx, v.domains))
    if re.search(r"first_?name|given", name):
        return v.first_names
    if re.search(r"last_?name|surname|family", name):
        return v.last_names
    person = re.search(r"full_?name|display_?name|contact_?name", name) or (
        name in ("name", "username") and _PEOPLE.search(table))
    if person:
        return lambda idx: _join(choice(_s(spec, 1), idx, v.first_names), " ",
                                 choice(_s(spec, 2), idx, v.last_names))
    if re.search(r"company|organi[sz]ation|employer|vendor|supplier", name) or (
            name == "name" and re.search(r"tenant|compan|organi|vendor|supplier", table)):
        return v.companies
    if "country" in name:
        iso = spec.type.params == (2,) or spec.rule.max_len == 2 or any(
            "{2}" in p for p in spec.rule.patterns)
        return v.country_codes if iso else v.country_names
    if "currency" in name:
        return v.currency_codes
    if "city" in name or "town" in name:
        return v.cities
    if re.search(r"street|address|line_?[12]", name):
        return v.streets
    if re.search(r"postal|post_?code|zip", name):
        return v.postcodes
    if re.search(r"phone|mobile|fax", name):
        return v.phones
    if re.search(r"job|occupation|position", name):
        return v.jobs
    if re.search(r"url|website|homepage|link", name):
        return lambda idx: _join("https://www.", choice(_s(spec, 1), idx, v.domains), "/",
                                 choice(_s(spec, 2), idx, v.words))
    if re.search(r"slug", name):
        return lambda idx: _join(choice(_s(spec, 1), idx, v.words), "-",
                                 choice(_s(spec, 2), idx, v.words))
    if re.search(r"sku|serial|code|ref|token|trace|hash|key", name):
        prefix = re.sub(r"[^A-Z]", "", spec.column.upper())[:3] or "X"
        return lambda idx: _join(prefix, "-", np.strings.upper(
            uuid_of(_s(spec, 1), idx).astype("U8")))
    if re.search(r"status|state", name):
        return _STATUS
    if re.search(r"kind|type|category|metric|operation|plan|role|model|tier|channel", name):
        return _KINDS
    if re.search(r"description|body|comment|note|content|text|bio|summary|message", name):
        return _prose(spec)
    if re.search(r"_by$|user_?name|login|handle", name):
        return lambda idx: np.strings.lower(choice(_s(spec, 1), idx, v.first_names))
    return lambda idx: np.strings.capitalize(_words(spec, idx, 1, 4))


def _text(spec: Spec, warnings: list[str]) -> Gen:
    rule = spec.rule
    max_len = rule.max_len
    if spec.type.base in ("character varying", "character") and spec.type.params:
        limit = spec.type.params[0]
        max_len = limit if max_len is None else min(max_len, limit)
    if rule.patterns:  # the pattern decides the shape; other rules are checked after
        gen = regex_generator(rule.patterns[0], _s(spec, 11), unique=spec.unique,
                              max_len=max_len, rows=spec.rows)
        if gen is not None:
            return _cased_gen(gen, rule.case) if rule.case else gen
    meaning = _text_meaning(spec) if spec.allowed is None else np.array(spec.allowed)
    checked = bool(rule.patterns or rule.contains)
    if isinstance(meaning, np.ndarray):
        pool = _filtered(meaning, rule, max_len)
        if len(pool):
            base: Gen = lambda idx: choice(_s(spec, 9), idx, pool)  # noqa: E731
            checked = False
        else:
            base = lambda idx: choice(_s(spec, 9), idx, spec.vocab.words)  # noqa: E731
    else:
        base = meaning
        if rule.contains and "email" in spec.column.lower() and set(rule.contains) <= {"@"}:
            checked = bool(rule.patterns)
    if checked:
        warnings.append(f"{spec.table}.{spec.column}: cannot generate values for check "
                        f"{rule.patterns or rule.contains}; using a default text generator")
    return _fit(base, spec, max_len)


def _fit(base: Gen, spec: Spec, max_len: int | None) -> Gen:
    is_email = "email" in spec.column.lower()

    def gen(idx: np.ndarray) -> np.ndarray:
        out = _cased(_unique_fit(base, spec, max_len, is_email, idx), spec.rule.case)
        if spec.rule.min_len:
            out = np.strings.ljust(out, spec.rule.min_len, "x")
        return out

    return gen


def _cased_gen(gen: Gen, case: str) -> Gen:
    return lambda idx: _cased(gen(idx), case)


def _cased(values: np.ndarray, case: str | None) -> np.ndarray:
    if case == "lower":
        return np.strings.lower(values)
    return np.strings.upper(values) if case == "upper" else values


def _code(idx: np.ndarray, width: int) -> np.ndarray:
    """Row numbers spelled in base 26 (AAA, AAB ...): unique in ``width`` characters."""
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    out, rest = np.full(len(idx), "", dtype=np.str_), idx.astype(np.int64)
    for _ in range(width):
        out = np.strings.add(letters[rest % 26], out)
        rest = rest // 26
    return out


def _unique_fit(base: Gen, spec: Spec, max_len: int | None, is_email: bool,
                idx: np.ndarray) -> np.ndarray:
    if spec.unique and max_len is not None and max_len < 12 and not is_email:
        return _code(idx, max_len)  # char(3) keys: AAA, AAB ... (26**3 = 17576 rows)
    out = base(idx)
    if spec.unique and is_email:  # the row number goes into the local part
        local, _, domain = np.strings.partition(out, "@")
        out = _join(local, ".", (idx + 1).astype(np.str_), "@", domain)
    elif spec.unique:
        suffix = np.strings.add("-", (idx + 1).astype(np.str_))
        if max_len is not None:  # sized by the table, never by the batch: a child that
            # recomputes a parent's key at a few rows must get the very same text
            room = max_len - len(str(max(spec.rows, 1))) - 1
            out = out.astype(f"U{room}") if room > 0 else np.full(len(idx), "")
        return _join(out, suffix)
    if max_len is not None and out.dtype.itemsize // 4 > max_len and \
            int(np.strings.str_len(out).max(initial=0)) > max_len:
        out = out.astype(f"U{max(max_len, 1)}")  # only when some value is too long
    return out


def _number(spec: Spec) -> Gen:
    t, rule, name = spec.type, spec.rule, spec.column.lower()
    scale = 0
    if t.base == "numeric":
        prec, scale = ((*t.params, 0))[:2] if t.params else (12, 2)
        scale = min(max(scale, 0), 6)  # more digits only pad; fewer keeps int64 exact
        top = min(10.0 ** min(prec - scale, 15) - 10.0 ** -scale, 9e15 / 10 ** scale)
    elif t.base in _INT_MAX:
        top = _INT_MAX[t.base]
    else:
        top = 1e9
    lo, hi = -top, top
    unit = 10.0 ** -scale if t.base in ("numeric", *_INT_MAX) else 1e-6
    money = re.search(r"price|amount|total|cost|balance|fee|salary|revenue|charge", name)
    if money or re.search(r"(?:^|_)(?:qty|quantity|count|num|stock|age|year|room|size)",
                          name):
        # a name's hint narrows the type's range, never leaves it: numeric(4,4) "discount"
        lo = max(lo, min(0 if money else 1, hi))
    if rule.lo is not None:
        lo = max(lo, rule.lo + (unit if rule.lo_strict else 0))
    if rule.hi is not None:
        hi = min(hi, rule.hi - (unit if rule.hi_strict else 0))
    soft = {"qty": 10, "quantity": 10, "age": 90, "room": 200, "rating": 5, "score": 100}
    soft_hi = next((v for k, v in soft.items() if k in name), None)
    if soft_hi is None:
        soft_hi = 1000 if money else (100.0 if t.base in ("real", "double precision")
                                      else 1_000_000)
    hi_eff = min(hi, max(lo, 0) + soft_hi) if hi - lo > soft_hi else hi
    lo_eff = max(lo, -soft_hi) if t.base in ("real", "double precision") else max(lo, 0) \
        if lo < 0 <= hi_eff else lo

    def gen(idx: np.ndarray) -> np.ndarray:
        u = uniform(_s(spec, 1), idx)
        if money:
            u = u ** 2  # most amounts small, a few large
        value = lo_eff + u * (hi_eff - lo_eff)
        if t.base in ("real", "double precision"):
            return np.round(value, 4).astype(np.str_)
        scaled = np.floor(value * 10 ** scale + 1e-9).astype(np.int64)
        low = int(np.ceil(lo_eff * 10 ** scale - 1e-9))
        scaled = np.maximum(scaled, low)
        for ex in rule.excluded:  # "x <> 0": step off the excluded value
            try:
                bad = scaled == round(float(ex) * 10 ** scale)
            except ValueError:
                continue
            scaled = np.where(bad, scaled + 1, scaled)
        return render_scaled(scaled, scale) if scale else render_int(scaled)

    return gen


def _json(spec: Spec) -> Gen:
    v = spec.vocab

    def gen(idx: np.ndarray) -> np.ndarray:
        return _join('{"name": "', choice(_s(spec, 1), idx, v.words), '", "color": "',
                     choice(_s(spec, 2), idx, v.words), '", "size": ',
                     randint(_s(spec, 3), idx, 1, 100).astype(np.str_), ', "active": ',
                     np.where(uniform(_s(spec, 4), idx) < 0.8, "true", "false"), ', "tags": ["',
                     choice(_s(spec, 5), idx, v.words), '", "',
                     choice(_s(spec, 6), idx, v.words), '"]}')

    return gen


def generator_for(spec: Spec, warnings: list[str]) -> Gen | None:
    """The generator of one ordinary (not key, not foreign-key, not time) column."""
    t, base = spec.type, spec.type.base
    if t.is_array:
        element = generator_for(Spec(spec.table, spec.column, t.element, ColumnRule(),
                                     _s(spec, 29), spec.vocab, allowed=spec.allowed,
                                     attributes=spec.attributes, subtype=spec.subtype),
                                warnings)
        if element is None:
            return None
        lo = spec.rule.min_items or 0  # cardinality(col) = 7: a week of opening times
        hi = spec.rule.max_items if spec.rule.max_items is not None else max(4, lo)
        return array_of(element, _s(spec, 30), hi, lo)
    if spec.subtype is not None:  # a range inside an array or a composite
        from types import SimpleNamespace

        from .ranges import range_text
        src = SimpleNamespace(subtype=str(spec.subtype), time_kind=t.base)
        return lambda idx: range_text(src, idx, spec.rows * 5, (_START, _END), _s(spec, 70))
    if spec.attributes is not None:
        attrs = [(a, r.type, generator_for(Spec(spec.table, f"{spec.column}.{a}", r.type,
                                                ColumnRule(), _s(spec, 40 + k), spec.vocab,
                                                allowed=r.enum, attributes=r.attributes,
                                                subtype=r.subtype),
                                           warnings) or times(r.type, _s(spec, 60 + k)))
                 for k, (a, r) in enumerate(spec.attributes)]
        return composite_of(attrs, _s(spec, 39))
    if spec.allowed is not None:
        allowed = np.array(spec.allowed, dtype=np.str_)
        return lambda idx: choice(_s(spec, 1), idx, allowed)
    if base in ("text", "character varying", "character", "citext", "name"):
        return _text(spec, warnings)
    if base in (*_INT_MAX, "numeric", "real", "double precision"):
        return _number(spec)
    if base == "boolean":
        return lambda idx: render_bool(uniform(_s(spec, 1), idx) < 0.7)
    if base == "uuid":
        return lambda idx: uuid_of(_s(spec, 1), idx)
    if base in ("jsonb", "json"):
        return _json(spec)
    if base in ("inet", "cidr"):
        def ip(idx: np.ndarray) -> np.ndarray:
            parts = [randint(_s(spec, k), idx, 0, 255).astype(np.str_) for k in range(2)]
            last = "0/24" if base == "cidr" else randint(_s(spec, 3), idx, 1, 254).astype(
                np.str_)
            return _join("10.", parts[0], ".", parts[1], ".", last)
        return ip
    if base == "point":
        return lambda idx: _join("(", np.round(uniform(_s(spec, 1), idx) * 360 - 180, 5).astype(
            np.str_), ",", np.round(uniform(_s(spec, 2), idx) * 180 - 90, 5).astype(np.str_), ")")
    if base == "tsvector":
        return lambda idx: _join("'", choice(_s(spec, 1), idx, spec.vocab.words), "':1 '",
                                 choice(_s(spec, 2), idx, spec.vocab.words), "':2")
    if base == "bytea":
        return lambda idx: _join("\\x", uuid_of(_s(spec, 1), idx).astype("U8"))
    if base == "interval":
        return lambda idx: _join(randint(_s(spec, 1), idx, 1, 720).astype(np.str_), " hours")
    if base in ("vector", "halfvec") and t.params:
        return vector_of(t.params[0], _s(spec, 1))
    if (gen := times(t, _s(spec, 1))) is not None:  # inside arrays and composites
        return gen
    warnings.append(f"{spec.table}.{spec.column}: no generator for type {t}; "
                    "generating NULL (override it, or the load fails if NOT NULL)")
    return None
