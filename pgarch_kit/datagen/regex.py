"""Strings that match a CHECK's regular expression, generated vectorised.

The pattern is read by Python's own regex parser (``re._parser``; PostgreSQL's ARE syntax
agrees with it for the classes, groups, alternatives and quantifiers CHECKs use) and each
node becomes numpy work over the whole batch: a class picks one character per row, a
repeat draws a count per row and keeps that many copies, an alternative picks one branch per
row. Unbounded repeats are capped (``+`` → up to 6) and the caps shrink until the longest
possible match fits the column's length limit. With ``unique`` the row number is spelled, at
a fixed width, in the first class repeat that has room (everything before it is constant), so
values are distinct by construction. Measured in ``benchmarks/datagen_strategies.py``;
rstr/exrex generate one string per Python call, which this avoids.

Anything the generator cannot honour (back references, look-arounds) gives ``None``: the
plan then says the CHECK could not be generated for.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from ._random import randint, u64

__all__ = ["regex_generator"]

_PRINTABLE = [chr(c) for c in range(32, 127)]
_CATEGORY = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    "CATEGORY_SPACE": " ",
}
_UNBOUNDED_EXTRA = 5
Gen = Callable[[np.ndarray], np.ndarray]


class _Unsupported(Exception):
    pass


def _alphabet(items, ignore_case: bool) -> str:
    chars: list[str] = []
    negate = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(av))
        elif name == "RANGE":
            chars += [chr(c) for c in range(av[0], min(av[1], av[0] + 400) + 1)]
        elif name == "CATEGORY":
            cat = str(av)
            if cat.startswith("CATEGORY_NOT_"):
                base = set(_CATEGORY.get(cat.replace("NOT_", ""), ""))
                chars += [c for c in _PRINTABLE if c not in base]
            elif cat in _CATEGORY:
                chars += list(_CATEGORY[cat])
            else:
                raise _Unsupported(cat)
        else:
            raise _Unsupported(name)
    if negate:
        bad = set(chars)
        chars = [c for c in _PRINTABLE if c not in bad]
    if ignore_case and not negate:
        chars = [c.lower() for c in chars] or chars
    out = "".join(dict.fromkeys(c for c in chars if c.isprintable()))
    if not out:
        raise _Unsupported("empty class")
    return out


def _compile(seq, ignore_case: bool) -> list:
    """A small tree: ('lit', s) | ('cls', alphabet) | ('rep', lo, hi, body) | ('alt', [bodies])."""
    out = []
    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            out.append(("lit", chr(av)))
        elif name in ("IN", "NOT_LITERAL", "ANY"):
            items = av if name == "IN" else [("NEGATE", None), ("LITERAL", av)] \
                if name == "NOT_LITERAL" else [("NEGATE", None), ("LITERAL", 10)]
            alpha = _alphabet([(str(o), a) for o, a in items], ignore_case)
            out.append(("cls", alpha) if len(alpha) > 1 else ("lit", alpha))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, body = av
            unbounded = hi > 10_000
            out.append(["rep", lo, lo + _UNBOUNDED_EXTRA if unbounded else hi,
                        _compile(body, ignore_case), unbounded])
        elif name == "SUBPATTERN":
            out += _compile(av[-1], ignore_case)
        elif name == "BRANCH":
            out.append(("alt", [_compile(b, ignore_case) for b in av[1]]))
        elif name == "AT":
            continue  # anchors: a generated match is a whole string
        else:
            raise _Unsupported(name)
    return out


def _length(tree) -> tuple[int, int]:
    lo = hi = 0
    for node in tree:
        if node[0] in ("lit", "cls"):
            k = len(node[1]) if node[0] == "lit" else 1
            lo, hi = lo + k, hi + k
        elif node[0] == "rep":
            blo, bhi = _length(node[3])
            lo, hi = lo + node[1] * blo, hi + node[2] * bhi
        else:
            spans = [_length(b) for b in node[1]]
            lo, hi = lo + min(s[0] for s in spans), hi + max(s[1] for s in spans)
    return lo, hi


def _shrink(tree, max_len: int) -> bool:
    """Lower repeat caps (largest first) until the longest match fits; False if it cannot."""
    reps = []

    def collect(t):
        for node in t:
            if node[0] == "rep":
                reps.append(node)
                collect(node[3])
            elif node[0] == "alt":
                for b in node[1]:
                    collect(b)
    collect(tree)
    while _length(tree)[1] > max_len:
        movable = [r for r in reps if r[2] > r[1]]
        if not movable:
            return False
        widest = max(movable, key=lambda r: (r[2] - r[1]) * max(_length(r[3])[1], 1))
        widest[2] -= 1
    return True


def _gen(tree, idx: np.ndarray, salt: int) -> np.ndarray:
    n = len(idx)
    out = np.full(n, "", dtype=np.str_)
    for k, node in enumerate(tree):
        s = (salt * 1_000_003 + 7919 * (k + 1)) & 0xFFFFFFFFFFFFFFFF
        if node[0] == "lit":
            part = np.full(n, node[1])
        elif node[0] == "cls":
            alpha = np.array(list(node[1]))
            part = alpha[randint(s, idx, 0, len(alpha) - 1)]
        elif node[0] == "rep" and len(node[3]) == 1 and node[3][0][0] == "cls" \
                and node[3][0][1].isascii() and node[2] > 0:
            part = _class_run(node[3][0][1], node[1], node[2], idx, s)
        elif node[0] == "rep":
            lo, hi, body = node[1], node[2], node[3]
            count = randint(s, idx, lo, hi) if hi > lo else np.full(n, lo)
            part = np.full(n, "", dtype=np.str_)
            for j in range(hi):
                piece = _gen(body, idx, s + 104_729 * (j + 1))
                part = np.where(j < count, np.strings.add(part, piece), part)
        else:
            alts = [_gen(b, idx, s + 15_485_863 * (j + 1)) for j, b in enumerate(node[1])]
            pick = randint(s, idx, 0, len(alts) - 1)
            part = np.choose(pick, [a.astype(f"U{max(a.dtype.itemsize // 4, 1)}")
                                    for a in alts]) if len(alts) > 1 else alts[0]
        out = np.strings.add(out, part)
    return out


def _class_run(alpha: str, lo: int, hi: int, idx: np.ndarray, salt: int) -> np.ndarray:
    """``[class]{lo,hi}`` for every row in one pass: a byte matrix of random characters,
    NUL past each row's length (numpy drops trailing NULs), read as strings."""
    n = len(idx)
    letters = np.frombuffer(alpha.encode("ascii"), dtype=np.uint8)
    cells = np.repeat(idx.astype(np.uint64), hi) * np.uint64(hi) + np.tile(
        np.arange(hi, dtype=np.uint64), n)
    pick = (u64(salt, cells) % np.uint64(len(letters))).astype(np.int64)
    buf = letters[pick].reshape(n, hi)
    count = randint(salt ^ 0x9E37, idx, lo, hi) if hi > lo else np.full(n, lo)
    buf[np.arange(hi)[None, :] >= count[:, None]] = 0
    return np.ascontiguousarray(buf).view(f"S{hi}").ravel().astype(f"U{hi}")


def _digits(idx: np.ndarray, alpha: str, width: int) -> np.ndarray:
    letters = np.array(list(alpha))
    out, rest = np.full(len(idx), "", dtype=np.str_), idx.astype(np.int64)
    for _ in range(width):
        out = np.strings.add(letters[rest % len(alpha)], out)
        rest = rest // len(alpha)
    return out


def _unique(tree, rows: int, max_len: int | None, salt: int) -> Gen | None:
    """Row numbers spelled in mixed radix over the leading class positions (literals before
    them are constant), then a random rest: distinct by construction."""
    parts: list[tuple[str, object]] = []   # ("lit", text) | ("digits", (alphabet, width))
    capacity, used = 1, 0
    for k, node in enumerate(tree):
        if capacity >= rows:
            rest = tree[k:]
            break
        if node[0] == "lit":
            parts.append(("lit", node[1]))
            used += len(node[1])
            continue
        body = node[3] if node[0] == "rep" else None
        if node[0] == "cls":
            alpha, width = node[1], 1
        elif body is not None and len(body) == 1 and body[0][0] in ("cls", "lit"):
            alpha = body[0][1]
            width = node[1]
            if body[0][0] == "cls":
                while len(alpha) ** width * capacity < rows and width < node[2]:
                    width += 1
        else:
            return None
        if body is not None and body[0][0] == "lit":
            parts.append(("lit", alpha * width))
        else:
            parts.append(("digits", (alpha, width)))
            capacity *= len(alpha) ** width
        used += width
    else:
        rest = []
    if capacity < rows:
        return None
    if max_len is not None and (used + _length(rest)[0] > max_len
                                or not _shrink(rest, max_len - used)):
        return None

    def gen(idx: np.ndarray) -> np.ndarray:
        rest_idx = idx.astype(np.int64)
        spelled = []
        for kind, what in reversed(parts):
            if kind == "lit":
                spelled.append(np.full(len(idx), what))
            else:
                alpha, width = what
                spelled.append(_digits(rest_idx, alpha, width))
                rest_idx = rest_idx // len(alpha) ** width
        out = np.full(len(idx), "", dtype=np.str_)
        for piece in reversed(spelled):
            out = np.strings.add(out, piece)
        return np.strings.add(out, _gen(rest, idx, salt)) if rest else out
    return gen


def regex_generator(pattern: str, salt: int, *, unique: bool = False,
                    max_len: int | None = None, rows: int = 1_000_000,
                    ignore_case: bool = False) -> Gen | None:
    """A vectorised generator of strings matching ``pattern``, or None when it cannot be
    honoured (see the module docstring). ``rows`` sizes the unique spelling."""
    import re
    import re._parser as sre_parse  # the parser behind re.compile: exactly what re accepts
    if pattern.startswith("(?i)"):  # col ~* '…' (the rules spell it so)
        pattern, ignore_case = pattern[4:], True
    try:
        with warnings.catch_warnings():  # "possible nested set": PostgreSQL's own syntax
            warnings.simplefilter("ignore", FutureWarning)
            parsed = sre_parse.parse(pattern, re.I if ignore_case else 0)
        tree = _compile(list(parsed), ignore_case)
    except (re.error, _Unsupported, TypeError, ValueError, OverflowError, RecursionError):
        return None
    if max_len is not None and not _shrink(tree, max_len):
        return None
    if unique:
        return _unique(tree, rows, max_len, salt)
    return lambda idx: _gen(tree, idx, salt)
