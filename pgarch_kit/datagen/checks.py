"""Read simple CHECK expressions into per-column rules the generators can honour.

Understood (as written by people or as PostgreSQL prints them, casts and extra parentheses
included): comparisons of a column with a constant (``>``, ``>=``, ``<``, ``<=``, ``=``,
``<>``/``!=``), ``BETWEEN``, ``= ANY (ARRAY[...])`` and ``IN (...)``, ``length`` /
``char_length`` / ``character_length`` comparisons, ``btrim(col) <> ''``, ``IS NOT NULL``,
``position('@' in col) > n``, ``col = lower(col)``, ORs of equalities on one column,
``(col IS NULL) OR (...)`` (the column is then left NULL), regular expressions
``col ~ '...'`` and any of these joined by ``AND``. Domain checks use ``VALUE`` and are
read with the column's name substituted.
Anything else is returned as *unknown*: the plan records a warning naming it, never guesses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

__all__ = ["ColumnRule", "parse_check", "split_and"]

_TYPE = (r"(?:character varying|timestamp with(?:out)? time zone|time with(?:out)? time zone"
         r"|double precision|\"?[A-Za-z_][\w.]*\"?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?")
_CAST = re.compile(r"::\s*" + _TYPE)
_IDENT = r"[A-Za-z_][\w$]*"
_CONST = r"(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?)"
_PAREN_ATOM = re.compile(rf"(?<![\w$])\(\s*({_IDENT}|{_CONST})\s*\)")
_BETWEEN = re.compile(rf"({_IDENT})\s+BETWEEN\s+({_CONST})\s+AND\s+({_CONST})", re.I)
_CMP = re.compile(rf"^(?:(?P<fn>length|char_length|character_length)\s*\(\s*)?(?P<col>{_IDENT})"
                  rf"(?(fn)\s*\))\s*(?P<op>>=|<=|<>|!=|=|>|<)\s*(?P<val>{_CONST})$", re.I)
_CMP_REV = re.compile(rf"^(?P<val>{_CONST})\s*(?P<op>>=|<=|<>|!=|=|>|<)\s*(?P<col>{_IDENT})$")
_ANY = re.compile(rf"^(?P<col>{_IDENT})\s*=\s*ANY\s*\(\s*ARRAY\s*\[(?P<vals>.*)\]\s*\)$", re.I)
_IN = re.compile(rf"^(?P<col>{_IDENT})\s+IN\s*\((?P<vals>.*)\)$", re.I)
_NOTNULL = re.compile(rf"^(?P<col>{_IDENT})\s+IS\s+NOT\s+NULL$", re.I)
_REGEX = re.compile(rf"^(?P<col>{_IDENT})\s*~(?P<ci>\*?)\s*'(?P<re>(?:[^']|'')*)'$")
_BLANK = re.compile(rf"^(?:btrim|trim)\s*\(\s*(?P<col>{_IDENT})\s*\)\s*(?:<>|!=)\s*''$", re.I)
_POS = re.compile(rf"^(?:position|strpos)\s*\(\s*'(?P<ch>[^']+)'\s*(?:in|,)\s*(?P<col>{_IDENT})"
                  r"\s*\)\s*(?P<op>>=|>)\s*(?P<val>\d+)$", re.I)
_COLCMP = re.compile(rf"^(?P<a>{_IDENT})\s*(?P<op>>=|<=|<>|!=|>|<)\s*(?P<b>{_IDENT})$")
_CASE = re.compile(rf"^(?:(?P<a>{_IDENT})\s*=\s*(?P<fn>lower|upper)\s*\(\s*(?P<b>{_IDENT})\s*\)"
                   rf"|(?P<fn2>lower|upper)\s*\(\s*(?P<c>{_IDENT})\s*\)\s*=\s*(?P<d>{_IDENT}))$",
                   re.I)
_CARD = re.compile(rf"^(?:cardinality\s*\(\s*(?P<col>{_IDENT})\s*\)|array_length\s*\(\s*"
                   rf"(?P<col2>{_IDENT})\s*,\s*1\s*\))\s*(?P<op>>=|<=|=|>|<)\s*(?P<val>\d+)$",
                   re.I)
_SUBSET = re.compile(rf"^(?:ARRAY\s*\[(?P<vals>.*)\]\s*@>\s*(?P<col>{_IDENT})|(?P<col2>{_IDENT})"
                     rf"\s*<@\s*ARRAY\s*\[(?P<vals2>.*)\])$", re.I | re.S)
_ISNULL_OR = re.compile(rf"^\(?\s*(?P<col>{_IDENT})\s+IS\s+NULL\s*\)?\s+OR\s+(?P<rest>.+)$",
                        re.I | re.S)
_KEYWORDS = {"true", "false", "null"}


@dataclass(frozen=True)
class ColumnRule:
    """What the checks allow for one column. Bounds are numbers (or strings for text)."""

    lo: float | None = None
    lo_strict: bool = False
    hi: float | None = None
    hi_strict: bool = False
    allowed: tuple[str, ...] | None = None
    excluded: tuple[str, ...] = ()
    min_len: int | None = None
    max_len: int | None = None
    patterns: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    not_null: bool = False
    case: str | None = None                  # "lower" or "upper": col = lower(col)
    always_null: bool = False                # (col IS NULL) OR (...): NULL is the safe choice
    peers: tuple[tuple[str, str], ...] = field(default=())  # (operator, other column)
    min_items: int | None = None             # arrays: cardinality(col) >= n
    max_items: int | None = None


def _simplify(expr: str) -> str:
    text = _CAST.sub("", expr.strip())
    prev = None
    while prev != text:
        prev = text
        text = _PAREN_ATOM.sub(r"\1", text)
    return _BETWEEN.sub(r"\1 >= \2 AND \1 <= \3", text)


def _strip_outer(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth, quoted = 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                return False
    return depth == 0


def split_and(expr: str, word: str = "AND") -> list[str]:
    """Top-level AND (or ``word``) terms of an expression (outside parentheses and quotes)."""
    text = _strip_outer(_simplify(expr))
    sep = re.compile(rf"\s+{word}\s+", re.I)
    parts, depth, quoted, start = [], 0, False, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0 and (m := sep.match(text, i)) and i > start:
                parts.append(text[start:i])
                i = m.end()
                start = i
                continue
        i += 1
    parts.append(text[start:])
    return [_strip_outer(p) for p in parts if p.strip()]


def _const(text: str) -> float | str:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return float(text)


def _values(text: str) -> tuple[str, ...]:
    return tuple(str(_const(v)) if v.startswith("'") else v
                 for v in re.findall(_CONST, _CAST.sub("", text)))


_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "=": "=", "<>": "<>", "!=": "<>"}


def _apply(rule: ColumnRule, op: str, val: float | str, length: bool) -> ColumnRule:
    if length:
        n = int(val)
        lo = {">": n + 1, ">=": n, "=": n}.get(op)
        hi = {"<": n - 1, "<=": n, "=": n}.get(op)
        if lo is not None:
            rule = replace(rule, min_len=max(lo, rule.min_len or 0))
        if hi is not None:
            rule = replace(rule, max_len=min(hi, rule.max_len if rule.max_len is not None else hi))
        return rule
    text = f"{val:g}" if isinstance(val, float) else val
    if op == "=":
        return replace(rule, allowed=(text,))
    if op in ("<>", "!="):
        return replace(rule, excluded=(*rule.excluded, text))
    if isinstance(val, str):  # text ordering: rare, keep as a pattern-free bound
        return replace(rule, min_len=max(rule.min_len or 0, 1))
    if op in (">", ">="):
        if rule.lo is None or val >= rule.lo:
            rule = replace(rule, lo=val, lo_strict=op == ">")
    else:
        if rule.hi is None or val <= rule.hi:
            rule = replace(rule, hi=val, hi_strict=op == "<")
    return rule


def parse_check(expr: str, rules: dict[str, ColumnRule], *,
                value_name: str | None = None) -> list[str]:
    """Fold the understood terms of ``expr`` into ``rules`` (column -> rule); return the terms
    that were not understood. ``value_name`` replaces ``VALUE`` (domain checks)."""
    if value_name is not None:
        expr = re.sub(r"\bVALUE\b", value_name, expr)
    unknown = []
    for term in split_and(expr):
        if not _fold(term, rules):
            unknown.append(term)
    return unknown


def _flat_or(term: str) -> list[str]:
    parts = split_and(term, "OR")
    if len(parts) == 1:
        return parts
    return [leaf for p in parts for leaf in _flat_or(p)]


def _fold(term: str, rules: dict[str, ColumnRule]) -> bool:
    def get(col: str) -> ColumnRule:
        return rules.get(col, ColumnRule())

    if (m := _ISNULL_OR.match(term)) and _balanced(m["rest"]):
        # what must hold when the value is there still shapes it (a repair may fill it)
        inner: dict[str, ColumnRule] = {m["col"]: get(m["col"])}
        for part in split_and(m["rest"]):
            _fold(part, inner)
        rules[m["col"]] = replace(inner[m["col"]], always_null=True)
        return True
    if len(ors := _flat_or(term)) > 1:  # (c = 'a') OR (c = 'b') ...: an IN list
        cols = {m["col"] for m in map(_CMP.match, ors) if m and m["op"] == "=" and not m["fn"]}
        if len(cols) != 1 or not all(_CMP.match(o) for o in ors):
            return False
        col = cols.pop()
        vals = tuple(str(_const(m["val"])) if m["val"].startswith("'") else m["val"]
                     for m in map(_CMP.match, ors))
        rules[col] = replace(get(col), allowed=vals)
        return True
    if m := _CASE.match(term):
        if m["a"] == m["b"] or m["c"] == m["d"]:
            col = m["a"] or m["d"]
            rules[col] = replace(get(col), case=(m["fn"] or m["fn2"]).lower())
            return True
        return False
    if m := _CMP.match(term):
        col = m["col"]
        if col.lower() in _KEYWORDS:
            return False
        rules[col] = _apply(get(col), m["op"], _const(m["val"]), bool(m["fn"]))
        return True
    if m := _CMP_REV.match(term):
        col = m["col"]
        rules[col] = _apply(get(col), _FLIP[m["op"]], _const(m["val"]), False)
        return True
    for pattern in (_ANY, _IN):
        if m := pattern.match(term):
            vals = _values(m["vals"])
            old = get(m["col"]).allowed
            keep = tuple(v for v in vals if old is None or v in old)
            rules[m["col"]] = replace(get(m["col"]), allowed=keep)
            return True
    if m := _SUBSET.match(term):  # ARRAY['A', 'B'] @> roles: elements from the list
        col = m["col"] or m["col2"]
        rules[col] = replace(get(col), allowed=_values(m["vals"] or m["vals2"]))
        return True
    if m := _CARD.match(term):
        col, op, n = m["col"] or m["col2"], m["op"], int(m["val"])
        r = get(col)
        lo = {">": n + 1, ">=": n, "=": n}.get(op)
        hi = {"<": n - 1, "<=": n, "=": n}.get(op)
        rules[col] = replace(r, min_items=max(lo, r.min_items or 0) if lo is not None
                             else r.min_items,
                             max_items=min(hi, r.max_items if r.max_items is not None else hi)
                             if hi is not None else r.max_items)
        return True
    if m := _NOTNULL.match(term):
        rules[m["col"]] = replace(get(m["col"]), not_null=True)
        return True
    if m := _REGEX.match(term):
        pat = ("(?i)" if m["ci"] else "") + m["re"].replace("''", "'")
        rules[m["col"]] = replace(get(m["col"]), patterns=(*get(m["col"]).patterns, pat))
        return True
    if m := _BLANK.match(term):
        rules[m["col"]] = replace(get(m["col"]), min_len=max(1, get(m["col"]).min_len or 0))
        return True
    if m := _POS.match(term):
        rules[m["col"]] = replace(get(m["col"]), contains=(*get(m["col"]).contains, m["ch"]))
        return True
    if m := _COLCMP.match(term):
        a, b = m["a"], m["b"]
        if {a.lower(), b.lower()} & _KEYWORDS:
            return False
        rules[a] = replace(get(a), peers=(*get(a).peers, (m["op"], b)))
        return True
    return False
