"""Reading the SQL text the design keeps verbatim (routine definitions, policy expressions)
well enough for the security rules: split a CREATE FUNCTION into header and body, find
calls outside ``(select …)`` wrappers, and qualify names for fixes.

These are lexical helpers, not a parser: they skip string literals and quoted identifiers so
a keyword inside a literal never counts, and every helper is linear in the text's length.
"""
from __future__ import annotations

import re

from pgarch_kit.model import Routine
from pgarch_kit.model.names import qualified

__all__ = ["routine_header", "routine_body", "is_security_definer", "pinned_search_path",
           "routine_ref", "unwrapped_calls", "literal_true"]

# Where the body of a CREATE FUNCTION starts: a dollar-quoted or quoted AS, BEGIN ATOMIC, or
# a SQL-standard RETURN expression.
_BODY_START = re.compile(r"\bAS\s+(\$[A-Za-z0-9_]*\$|')|\bBEGIN\s+ATOMIC\b|\bRETURN\b",
                         re.IGNORECASE)
_DEFINER = re.compile(r"\bSECURITY\s+DEFINER\b", re.IGNORECASE)
_PATH_ITEM = r"""(?:'[^']*'|"[^"]*"|[A-Za-z0-9_$]+)"""
_SEARCH_PATH = re.compile(rf"\bSET\s+search_path\s*(?:(?:=|\bTO\b)\s*({_PATH_ITEM}(?:\s*,\s*"
                          rf"{_PATH_ITEM})*)|(FROM\s+CURRENT))", re.IGNORECASE)
_LANGUAGE = re.compile(r"\bLANGUAGE\s+'?\"?([A-Za-z0-9_]+)", re.IGNORECASE)


def routine_header(r: Routine) -> str:
    """The CREATE FUNCTION text before the body: where SECURITY DEFINER and SET live."""
    m = _BODY_START.search(r.definition)
    return r.definition[:m.start()] if m else r.definition


def routine_body(r: Routine) -> str:
    m = _BODY_START.search(r.definition)
    return r.definition[m.start():] if m else ""


def is_security_definer(r: Routine) -> bool:
    return bool(_DEFINER.search(routine_header(r)))


def pinned_search_path(r: Routine) -> str | None:
    """The value of the routine's ``SET search_path`` clause (``FROM CURRENT`` for that
    form), or None when it has none."""
    m = _SEARCH_PATH.search(routine_header(r))
    if not m:
        return None
    return "FROM CURRENT" if m.group(2) else m.group(1).strip()


def language(r: Routine) -> str:
    m = _LANGUAGE.search(routine_header(r))
    return m.group(1).lower() if m else "sql"


def routine_ref(r: Routine) -> str:
    """``FUNCTION s.f(args)`` / ``PROCEDURE …`` for ALTER, COMMENT ON and REVOKE."""
    kind = "PROCEDURE" if r.kind == "procedure" else "AGGREGATE" if r.kind == "aggregate" \
        else "FUNCTION"
    return f"{kind} {qualified(r.schema, r.name)}({r.signature})"


def _skip_quoted(text: str, i: int) -> int:
    """Index just past the literal or quoted identifier starting at ``text[i]``."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == quote:
            if j + 1 < len(text) and text[j + 1] == quote:   # doubled quote: escaped
                j += 2
                continue
            return j + 1
        j += 1
    return j


def unwrapped_calls(expr: str, call: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans (start, end) of calls matching ``call`` (a pattern ending at the opening
    parenthesis, or a bare keyword) that no enclosing parenthesis group starts with SELECT:
    those the planner evaluates per row instead of once as an initplan."""
    spans: list[tuple[int, int]] = []
    stack: list[bool] = []       # for each open '(' — does its group start with SELECT?
    selects = 0                  # how many open groups are SELECT groups
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch in "'\"":
            i = _skip_quoted(expr, i)
            continue
        m = call.match(expr, i)
        if m and (i == 0 or not (expr[i - 1].isalnum() or expr[i - 1] in "_.$")):
            end = m.end()
            if expr[end - 1] == "(":     # find the call's closing parenthesis
                depth, end = 1, end
                while end < n and depth:
                    if expr[end] in "'\"":
                        end = _skip_quoted(expr, end)
                        continue
                    depth += {"(": 1, ")": -1}.get(expr[end], 0)
                    end += 1
            if not selects:
                spans.append((i, end))
            i = end
            continue
        if ch == "(":
            is_select = bool(re.match(r"\(\s*select\b", expr[i:i + 40], re.IGNORECASE))
            stack.append(is_select)
            selects += is_select
        elif ch == ")" and stack:
            selects -= stack.pop()
        i += 1
    return spans


def literal_true(expr: str | None) -> bool:
    """True for ``true``, ``(true)``, ``((true))`` …: a policy clause that admits every row."""
    if expr is None:
        return False
    text = expr.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.lower() == "true"
