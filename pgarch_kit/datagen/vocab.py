"""Vocabularies built once per seed with Faker, and generators for simple regex patterns.

Faker is slow per call (tens of microseconds), so it is asked for a few thousand values once,
and rows then pick from numpy arrays by index. The arrays are cached per seed: every plan with
the same seed sees the same words, which keeps output reproducible.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._random import randint

__all__ = ["Vocabulary", "regex_generator", "vocabulary"]

_SIZE = 2000


@dataclass(frozen=True)
class Vocabulary:
    first_names: np.ndarray
    last_names: np.ndarray
    cities: np.ndarray
    streets: np.ndarray
    companies: np.ndarray
    words: np.ndarray
    domains: np.ndarray
    country_codes: np.ndarray
    country_names: np.ndarray
    currency_codes: np.ndarray
    phones: np.ndarray
    postcodes: np.ndarray
    jobs: np.ndarray


def _arr(values: list[str] | set[str]) -> np.ndarray:
    return np.array(sorted(set(values)), dtype=np.str_)


@functools.lru_cache(maxsize=8)
def vocabulary(seed: int = 0) -> Vocabulary:
    """The value pools for one seed (Faker seeded, a few thousand values per pool)."""
    from faker import Faker
    from faker.providers.currency import Provider as Currency
    from faker.providers.date_time import Provider as DateTime
    from faker.providers.lorem.en_US import Provider as Lorem

    fake = Faker("en_US")
    fake.seed_instance(seed)
    # Pools hold plain ASCII words without quotes or backslashes, so JSON and COPY
    # rendering of values built from them never needs escaping beyond the generic pass.
    clean = re.compile(r"^[A-Za-z0-9 .,'-]+$")

    def pool(fn: Callable[[], str], n: int = _SIZE) -> np.ndarray:
        return _arr({v for v in (fn() for _ in range(n)) if clean.match(v)})

    return Vocabulary(
        first_names=pool(fake.first_name, 1000),
        last_names=pool(fake.last_name, 1000),
        cities=pool(fake.city),
        streets=pool(fake.street_address),
        companies=pool(fake.company),
        words=_arr([w for w in Lorem.word_list if w.isalpha()]),
        domains=_arr([fake.free_email_domain() for _ in range(20)]
                     + [fake.domain_name() for _ in range(200)]),
        country_codes=_arr([c.alpha_2_code for c in DateTime.countries]),
        country_names=_arr([c.name for c in DateTime.countries if clean.match(c.name)]),
        currency_codes=_arr([code for code, _ in Currency.currencies]),
        phones=pool(fake.phone_number),
        postcodes=pool(fake.postcode, 1000),
        jobs=pool(fake.job, 1000),
    )


# --- regex patterns -------------------------------------------------------------------------

_CLASSES = {
    "A-Z": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "a-z": "abcdefghijklmnopqrstuvwxyz",
    "0-9": "0123456789", "\\d": "0123456789",
}
_TOKEN = re.compile(r"\[(?P<cls>(?:A-Z|a-z|0-9|\\d)+)\]|(?P<d>\\d)|\\(?P<esc>[.\-_/])"
                    r"|(?P<lit>[A-Za-z0-9_ @:/-])")
_QUANT = re.compile(r"\{(\d+)(?:,(\d+))?\}|(\+)|(\?)")


def _parse(pattern: str) -> list[tuple[str, int, int]] | None:
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return None
    body, pos, out = pattern[1:-1], 0, []
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if m is None:
            return None
        if m["cls"]:
            alphabet = "".join(_CLASSES[c] for c in re.findall(r"A-Z|a-z|0-9|\\d", m["cls"]))
        elif m["d"]:
            alphabet = _CLASSES["0-9"]
        else:
            alphabet = m["esc"] or m["lit"]
        pos = m.end()
        lo = hi = 1
        if q := _QUANT.match(body, pos):
            if q[1]:
                lo = int(q[1])
                hi = int(q[2]) if q[2] else lo
            elif q[3]:
                lo, hi = 1, 6
            else:
                lo, hi = 0, 1
            pos = q.end()
        out.append((alphabet, lo, hi))
    return out


def regex_generator(pattern: str, salt: int, *, unique: bool = False
                    ) -> Callable[[np.ndarray], np.ndarray] | None:
    """A generator of strings matching an anchored pattern built of ``[A-Z]``, ``[a-z]``,
    ``[0-9]``/``\\d`` classes, literals and ``{n}``, ``{n,m}``, ``+``, ``?`` quantifiers;
    ``None`` for anything else. With ``unique`` the row number is spelled in the class
    positions (mixed radix), so values are distinct while the pattern has room for them."""
    tokens = _parse(pattern)
    if tokens is None:
        return None

    def gen(idx: np.ndarray) -> np.ndarray:
        n = len(idx)
        cols: list[np.ndarray] = []
        for t, (alphabet, lo, hi) in enumerate(tokens):
            alpha = np.array(list(alphabet), dtype=np.str_)
            count = randint(salt + 7919 * t, idx, lo, hi) if hi > lo else np.full(n, lo)
            for k in range(hi):
                if len(alphabet) == 1:
                    ch = np.full(n, alphabet, dtype=np.str_)
                else:
                    ch = alpha[randint(salt + 7919 * t + k + 1, idx, 0, len(alpha) - 1)]
                cols.append(np.where(k < count, ch, ""))
        if unique:
            rest = idx.astype(np.int64).copy()
            for c in reversed(range(len(cols))):
                alphabet = tokens[_owner(tokens, c)][0]
                if len(alphabet) > 1:
                    alpha = np.array(list(alphabet), dtype=np.str_)
                    cols[c] = np.where(cols[c] != "", alpha[rest % len(alpha)], "")
                    rest = np.where(cols[c] != "", rest // len(alpha), rest)
        out = np.full(n, "", dtype=np.str_)
        for col in cols:
            out = np.strings.add(out, col)
        return out

    return gen


def _owner(tokens: list[tuple[str, int, int]], column: int) -> int:
    for t, (_, _, hi) in enumerate(tokens):
        if column < hi:
            return t
        column -= hi
    return len(tokens) - 1
