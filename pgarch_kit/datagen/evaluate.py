"""Evaluate a parsed CHECK over a batch of generated rows, vectorised, in SQL's three-valued
logic.

Every value is a pair (values, nulls) of numpy arrays; a CHECK holds for a row unless it is
FALSE there (NULL passes, as in PostgreSQL). Columns are seen typed: numbers as float64, dates
and timestamps as int64 microseconds, booleans as bool, the rest as text. What cannot be
evaluated (an unknown function, an :class:`~.sqlexpr.Opaque` leaf) is NULL, i.e. "cannot say":
the caller reports such a CHECK as only partly verified, and the server has the last word.
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .sqlexpr import And, Arith, Case, Col, Const, Func, In, IsNull, Node, Not, Op, Opaque, Or

__all__ = ["ColData", "KNOWN_FUNCTIONS", "Value", "evaluate", "holds", "to_kind",
           "unreadable"]

KNOWN_FUNCTIONS = frozenset({
    "num_nonnulls", "num_nulls", "coalesce", "length", "char_length", "character_length",
    "lower", "upper", "btrim", "trim", "abs", "array_contains", "cardinality",
    "array_length", "least", "greatest"})


def unreadable(node: Node) -> list[str]:
    """The parts of an expression this module cannot evaluate (unknown functions, opaque
    terms): a CHECK with any is left to the server, and the plan says which."""
    if isinstance(node, Opaque):
        return [node.text]
    out = []
    if isinstance(node, Func) and node.name not in KNOWN_FUNCTIONS:
        out.append(f"{node.name}(…)")
    for v in vars(node).values():
        for item in (v if isinstance(v, tuple) else (v,)):
            for x in (item if isinstance(item, tuple) else (item,)):
                if hasattr(x, "__dataclass_fields__"):
                    out += unreadable(x)
    return out

_DAY = 86_400_000_000


@dataclass
class ColData:
    """One column of a batch, typed, with what a repair may do to it."""

    kind: str                      # "num" | "time" | "bool" | "text"
    values: np.ndarray
    nulls: np.ndarray
    unit: float = 1.0              # the smallest step: 1 (int), 0.01 (numeric(_,2)), 1 s ...
    nullable: bool = False         # a repair may write NULL
    settable: bool = True          # a repair may replace the value
    unique: bool = False           # ... but never by a constant (duplicates)
    choices: tuple = ()            # the allowed values (enum, IN list), typed
    can_unnull: bool = False       # its hidden value is valid (a key's parent exists)
    idx: np.ndarray | None = None  # the batch's row numbers (random choices key on them)
    changed: bool = False


@dataclass
class Value:
    kind: str                      # "num" | "time" | "bool" | "text" | "const" | "unknown"
    values: object
    nulls: np.ndarray | bool


def to_kind(value: object, kind: str) -> object:
    """A constant seen as ``kind`` (a date string as microseconds, 't' as True …)."""
    if value is None:
        return None
    if kind == "num":
        return float(value) if not isinstance(value, str) else float(value.strip() or 0)
    if kind == "bool":
        return value if isinstance(value, bool) else str(value).lower() in ("t", "true", "1",
                                                                           "yes", "on", "y")
    if kind == "time":
        if isinstance(value, (int, float)):
            return int(value)
        text = str(value).strip()
        if text.lower() in ("infinity", "-infinity"):
            return (1 << 62) * (-1 if text.startswith("-") else 1)
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?", text):
            h, m, *s = text.split(":")
            return int((int(h) * 3600 + int(m) * 60 + float(s[0] if s else 0)) * 1e6)
        text = re.sub(r"([+-]\d{2}(:?\d{2})?|\s*UTC)$", "", text)
        return int(np.datetime64(text.replace(" ", "T"), "us").astype(np.int64))
    return str(value) if not isinstance(value, bool) else ("true" if value else "false")


def _unknown(n: int) -> Value:
    return Value("unknown", np.zeros(n, dtype=bool), np.ones(n, dtype=bool))


def _arr(v: Value, kind: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    if v.kind == "const":
        val = to_kind(v.values, kind)
        if val is None:
            return np.zeros(n, dtype=object), np.ones(n, dtype=bool)
        return np.full(n, val), np.zeros(n, dtype=bool)
    return np.asarray(v.values), np.broadcast_to(v.nulls, (n,))


def _compare(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if op in ("~", "~*", "!~", "!~*"):
        flags = re.I if "*" in op else 0
        pats = np.unique(b.astype(np.str_))
        out = np.zeros(len(a), dtype=bool)
        for pat in pats.tolist():
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FutureWarning)
                    rx = re.compile(pat, flags)
            except re.error:
                return np.ones(len(a), dtype=bool)
            rows = b == pat
            uniq, inv = np.unique(a[rows].astype(np.str_), return_inverse=True)
            hit = np.array([rx.search(u) is not None for u in uniq.tolist()], dtype=bool)
            out[rows] = hit[inv] if len(uniq) else hit[:0]
        return out if not op.startswith("!") else ~out
    with np.errstate(invalid="ignore"):
        return {"=": np.equal, "<>": np.not_equal, "<": np.less, ">": np.greater,
                "<=": np.less_equal, ">=": np.greater_equal}[op](a, b)


def _kind_of(*vals: Value) -> str | None:
    return next((v.kind for v in vals if v.kind not in ("const", "unknown")), None)


def _const_kind(value: object) -> str:
    return "bool" if isinstance(value, bool) else "num" if isinstance(
        value, (int, float)) else "text"


def evaluate(node: Node, cols: Mapping[str, ColData], n: int) -> Value:
    """The value of ``node`` for each of the ``n`` rows."""
    def ev(x: Node) -> Value:
        return evaluate(x, cols, n)

    if isinstance(node, Col):
        c = cols.get(node.name)
        return Value(c.kind, c.values, c.nulls) if c is not None else _unknown(n)
    if isinstance(node, Const):
        if node.cast in ("date", "timestamp", "timestamptz", "time") and isinstance(
                node.value, str):
            return Value("time", np.full(n, to_kind(node.value, "time"), dtype=np.int64),
                         np.zeros(n, dtype=bool))
        return Value("const", node.value, node.value is None)
    if isinstance(node, (And, Or)):
        parts = [ev(a) for a in node.args]
        is_and = isinstance(node, And)
        val = np.full(n, is_and)
        nul = np.zeros(n, dtype=bool)
        for p in parts:
            pv, pn = _arr(p, "bool", n)
            pv = pv.astype(bool)
            if is_and:
                definite_false = ~pn & ~pv
                val = val & (pv | pn)
                nul = (nul | pn) & ~definite_false & val
                val = val & ~definite_false
            else:
                definite_true = ~pn & pv
                nul = (nul | pn) & ~definite_true & ~val
                val = val | definite_true
        return Value("bool", val & ~nul, nul)
    if isinstance(node, Not):
        v, nl = _arr(ev(node.arg), "bool", n)
        return Value("bool", ~v.astype(bool) & ~nl, nl)
    if isinstance(node, IsNull):
        inner = ev(node.expr)
        if inner.kind == "unknown":
            return inner
        _, nl = _arr(inner, inner.kind if inner.kind != "const" else "text", n)
        return Value("bool", ~nl if node.negated else nl.copy(), np.zeros(n, dtype=bool))
    if isinstance(node, Op):
        left, right = ev(node.left), ev(node.right)
        if "unknown" in (left.kind, right.kind):
            return _unknown(n)
        kind = _kind_of(left, right) or _const_kind(left.values if left.kind == "const"
                                                    else right.values)
        if node.op.endswith("~") or "~" in node.op:
            kind = "text"
        try:
            a, an = _arr(left, kind, n)
            b, bn = _arr(right, kind, n)
            out = _compare(node.op, a, b)
        except (ValueError, TypeError):
            return _unknown(n)
        nl = an | bn
        return Value("bool", out & ~nl, nl)
    if isinstance(node, In):
        v = ev(node.expr)
        if v.kind in ("unknown", "const"):
            return _unknown(n)
        try:
            vals = [to_kind(x, v.kind) for x in node.values if x is not None]
        except (ValueError, TypeError):
            return _unknown(n)
        a, an = _arr(v, v.kind, n)
        out = np.isin(a, np.array(vals, dtype=a.dtype if v.kind != "text" else object)) \
            if vals else np.zeros(n, dtype=bool)
        if node.negated:
            out = ~out
        return Value("bool", out & ~an, an.copy())
    if isinstance(node, Case):
        result = None
        decided = np.zeros(n, dtype=bool)
        out_v, out_n, kind = None, np.ones(n, dtype=bool), None
        for cond, res in (*node.whens, (Const(True), node.default)):
            cv, cn = _arr(ev(cond), "bool", n)
            take = ~decided & cv.astype(bool) & ~cn
            result = ev(res)
            if result.kind == "unknown":
                return _unknown(n)
            kind = kind or _kind_of(result) or "const"
            rk = kind if kind != "const" else _const_kind(result.values)
            rv, rn = _arr(result, rk, n)
            out_v = rv.copy() if out_v is None else np.where(take, rv, out_v)
            out_n = np.where(take, rn, out_n)
            decided |= take
        return Value(kind if kind != "const" else "bool", out_v, out_n)
    if isinstance(node, Func):
        return _func(node, [ev(a) for a in node.args], n)
    if isinstance(node, Arith):
        left, right = ev(node.left), ev(node.right)
        kind = _kind_of(left, right)
        if kind is None or "unknown" in (left.kind, right.kind):
            return _unknown(n)
        if node.op == "||":
            a, an = _arr(left, "text", n)
            b, bn = _arr(right, "text", n)
            return Value("text", np.strings.add(a.astype(np.str_), b.astype(np.str_)), an | bn)
        try:
            a, an = _arr(left, kind, n)
            b, bn = _arr(right, kind if right.kind != "const" or kind != "time" else "num", n)
        except (ValueError, TypeError):
            return _unknown(n)
        if node.op in ("+", "-"):
            out = a + b if node.op == "+" else a - b
        elif node.op == "*":
            out = a * b
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = a / np.where(b == 0, 1, b) if node.op == "/" else np.fmod(a, np.where(
                    b == 0, 1, b))
        return Value(kind, out, an | bn)
    return _unknown(n)


def _func(node: Func, args: list[Value], n: int) -> Value:
    name = node.name
    if name in ("num_nonnulls", "num_nulls"):
        count = np.zeros(n, dtype=np.int64)
        for a in args:
            if a.kind == "unknown":
                return _unknown(n)
            nl = np.broadcast_to(a.nulls, (n,))
            count += (~nl if name == "num_nonnulls" else nl).astype(np.int64)
        return Value("num", count.astype(np.float64), np.zeros(n, dtype=bool))
    if name == "coalesce" and args:
        kind = _kind_of(*args)
        if kind is None or any(a.kind == "unknown" for a in args):
            return _unknown(n)
        val, nul = _arr(args[-1], kind, n)
        val, nul = val.copy(), nul.copy()
        for a in reversed(args[:-1]):
            av, an = _arr(a, kind, n)
            val = np.where(an, val, av)
            nul = nul & an
        return Value(kind, val, nul)
    if name == "array_contains" and len(args) == 2 and args[0].kind == "text" \
            and args[1].kind == "const":
        text, nl = _arr(args[0], "text", n)
        item = str(to_kind(args[1].values, "text"))
        body = np.strings.strip(np.strings.strip(text.astype(np.str_), "{}"))
        wrapped = np.strings.add(np.strings.add(",", body), ",")
        hit = (np.strings.find(wrapped, f",{item},") >= 0) | (
            np.strings.find(wrapped, f',"{item}",') >= 0)
        return Value("bool", hit & ~nl, nl)
    if name in ("cardinality", "array_length") and args and args[0].kind == "text":
        text, nl = _arr(args[0], "text", n)
        body = np.strings.strip(text.astype(np.str_), "{}")
        count = np.where(body == "", 0, np.strings.count(body, ",") + 1).astype(np.float64)
        empty = count == 0
        return Value("num", count, nl | (empty if name == "array_length" else False))
    if name in ("least", "greatest") and args:  # NULL arguments are ignored
        kind = _kind_of(*args)
        if kind is None or any(a.kind == "unknown" for a in args):
            return _unknown(n)
        pick = np.minimum if name == "least" else np.maximum
        val, nul = None, np.ones(n, dtype=bool)
        for a in args:
            av, an = _arr(a, kind, n)
            if val is None:
                val, nul = av.copy(), an.copy()
            else:
                both = ~an & ~nul
                val = np.where(both, pick(val, av), np.where(nul, av, val))
                nul = nul & an
        return Value(kind, val, nul)
    if not args or args[0].kind in ("unknown", "const"):
        return _unknown(n)
    a, an = _arr(args[0], args[0].kind, n)
    text = a.astype(np.str_) if args[0].kind == "text" else None
    if text is not None and name in ("length", "char_length", "character_length"):
        return Value("num", np.strings.str_len(text).astype(np.float64), an)
    if text is not None and name in ("lower", "upper", "btrim", "trim"):
        fn = {"lower": np.strings.lower, "upper": np.strings.upper}.get(name, np.strings.strip)
        return Value("text", fn(text), an)
    if name == "abs" and args[0].kind == "num":
        return Value("num", np.abs(a), an)
    return _unknown(n)


def holds(node: Node, cols: Mapping[str, ColData], n: int) -> tuple[np.ndarray, bool]:
    """(rows where the CHECK is not FALSE, whether every row could be decided)."""
    v = evaluate(node, cols, n)
    if v.kind == "const":
        ok = v.values is not False
        return np.full(n, ok), True
    if v.kind == "unknown":
        return np.ones(n, dtype=bool), False
    vals, nl = _arr(v, "bool", n)
    return ~(~vals.astype(bool) & ~nl), True
