"""A query pattern's parameters, found by scanning its SQL, and the SQL in each client's form.

Designs write parameters as ``:name`` (pgbench's and psql's spelling) or ``$n`` (PostgreSQL's
own). psycopg's raw cursor and EXPLAIN take ``$n``; pgbench takes ``:name``. A small scanner
finds the parameters outside string literals, quoted identifiers, dollar quotes and comments,
and leaves ``::casts`` and ``:=`` alone, so ``'10:30'`` or ``x::jsonb`` never become parameters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["PatternSql", "parse_params"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@dataclass(frozen=True)
class PatternSql:
    """The SQL split at its parameters: ``parts[i]`` precedes ``refs[i]``; ``names`` lists
    each parameter once, in order of first use (``$3`` is named ``p3``)."""

    parts: tuple[str, ...]
    refs: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def dollar(self) -> str:
        """``$n`` form, numbered by first use: what psycopg's RawCursor and EXPLAIN take."""
        number = {n: i + 1 for i, n in enumerate(self.names)}
        return self._join(lambda r: f"${number[r]}")

    @property
    def pgbench(self) -> str:
        """``:name`` form, one line (pgbench reads a statement up to its semicolon)."""
        return self.pgbench_typed({})

    def pgbench_typed(self, types: dict[str, str | None]) -> str:
        """``:name`` form with ``::type`` after each use of a parameter used more than once:
        pgbench numbers every use apart (``$1``, ``$2``), so PostgreSQL would infer their
        types apart too — ``:since + interval '1 day'`` would make the second an interval."""
        repeated = {r for r in self.refs if self.refs.count(r) > 1}

        def render(ref: str) -> str:
            cast = types.get(ref) if ref in repeated else None
            return f":{ref}::{cast}" if cast else f":{ref}"
        return " ".join(self._join(render).split())

    def _join(self, render) -> str:
        out = [self.parts[0]]
        for ref, part in zip(self.refs, self.parts[1:]):
            out += [render(ref), part]
        return "".join(out)


def _skip_quoted(sql: str, i: int, quote: str, backslash: bool = False) -> int:
    """Index just past the literal or identifier that opens at ``i``."""
    j = i + 1
    while j < len(sql):
        ch = sql[j]
        if backslash and ch == "\\":
            j += 2
            continue
        if ch == quote:
            if j + 1 < len(sql) and sql[j + 1] == quote:  # doubled quote inside
                j += 2
                continue
            return j + 1
        j += 1
    return j


def _skip_block_comment(sql: str, i: int) -> int:
    depth, j = 0, i
    while j < len(sql):
        if sql.startswith("/*", j):
            depth += 1
            j += 2
        elif sql.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            j += 1
    return j


@lru_cache(maxsize=1024)
def parse_params(sql: str) -> PatternSql:
    """Split ``sql`` at its ``:name`` / ``$n`` parameters (see the module docstring); a
    trailing semicolon is dropped, since EXPLAIN and pgbench add their own framing."""
    sql = sql.strip().rstrip(";").rstrip()
    parts: list[str] = []
    refs: list[str] = []
    start = i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not sql[i - 2].isalnum())
            i = _skip_quoted(sql, i, "'", backslash=escaped)
        elif ch == '"':
            i = _skip_quoted(sql, i, '"')
        elif sql.startswith("--", i) or sql.startswith("/*", i):
            # comments carry nothing and would swallow the rest of pgbench's one-line form
            end = sql.find("\n", i) if sql[i] == "-" else _skip_block_comment(sql, i)
            end = n if end < 0 else end
            parts.append(sql[start:i] + " ")
            refs.append("")
            i = start = end
        elif ch == "$":
            if m := _DOLLAR_TAG.match(sql, i):
                if i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_"):
                    i += 1  # part of an identifier such as a$b
                    continue
                close = sql.find(m.group(0), m.end())
                i = n if close < 0 else close + len(m.group(0))
            elif m := _NUMBER.match(sql, i + 1):
                parts.append(sql[start:i])
                refs.append(f"p{m.group(0)}")
                i = start = m.end()
            else:
                i += 1
        elif ch == ":":
            if sql.startswith("::", i):
                i += 2
            elif (m := _NAME.match(sql, i + 1)) and not (i > 0 and sql[i - 1] == ":"):
                parts.append(sql[start:i])
                refs.append(m.group(0))
                i = start = m.end()
            else:
                i += 1
        else:
            i += 1
    parts.append(sql[start:])
    # comment cuts were recorded as empty refs: glue their neighbours back together
    merged, kept = [parts[0]], []
    for ref, part in zip(refs, parts[1:]):
        if ref:
            kept.append(ref)
            merged.append(part)
        else:
            merged[-1] += part
    return PatternSql(tuple(merged), tuple(kept), tuple(dict.fromkeys(kept)))
