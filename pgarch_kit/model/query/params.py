"""A query pattern's parameters, found by PostgreSQL's own lexer, and its SQL in each client's
form.

Designs write parameters as ``:name`` (pgbench's and psql's spelling) or ``$n`` (PostgreSQL's
own). psycopg's raw cursor, EXPLAIN and the parser take ``$n``; pgbench takes ``:name``. The
server's lexer (pglast's ``scan``) tells what is a string literal, a quoted identifier, a
dollar quote or a comment — so ``'see :x'``, ``E'\\':x'``, ``":x"``, ``$$ :x $$`` and
``-- :x`` hold no parameter, and ``::casts`` and ``:=`` are tokens of their own. A parameter
is a ``:`` immediately followed by a name, or a ``$n`` token.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["PatternSql", "pattern_params", "render_params"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENTS = ("SQL_COMMENT", "C_COMMENT")
_COLON, _SEMICOLON = "ASCII_58", "ASCII_59"


@dataclass(frozen=True)
class PatternSql:
    """The SQL split at its parameters: ``parts[i]`` precedes ``refs[i]``; ``names`` lists
    each parameter once, in order of first use (``$3`` is named ``p3``); ``positional`` the
    names that were written ``$n``. Comments are gone (pgbench would read a ``--`` comment as
    the rest of its statement); ``compact`` is ``parts`` with the blanks between tokens
    folded to one space (string literals keep theirs)."""

    parts: tuple[str, ...]
    refs: tuple[str, ...]
    names: tuple[str, ...]
    compact: tuple[str, ...]
    positional: frozenset[str] = frozenset()

    @property
    def dollar(self) -> str:
        """``$n`` form, numbered by first use: what psycopg's RawCursor, EXPLAIN and the
        parser take."""
        number = {n: i + 1 for i, n in enumerate(self.names)}
        return _join(self.parts, self.refs, lambda r: f"${number[r]}")

    @property
    def pgbench(self) -> str:
        """``:name`` form on one line of blanks (pgbench reads a statement to its semicolon)."""
        return self.pgbench_typed({})

    def pgbench_typed(self, types: dict[str, str | None]) -> str:
        """``:name`` form with ``::type`` after each use of a parameter used more than once:
        pgbench numbers every use apart (``$1``, ``$2``), so PostgreSQL would infer their
        types apart too — ``:since + interval '1 day'`` would make the second an interval."""
        repeated = {r for r in self.refs if self.refs.count(r) > 1}

        def render(ref: str) -> str:
            cast = types.get(ref) if ref in repeated else None
            return f":{ref}::{cast}" if cast else f":{ref}"
        return _join(self.compact, self.refs, render)

    def spelling(self, name: str) -> str:
        """How the pattern writes parameter ``name``: ``:name``, or ``$n`` for ``pn``."""
        return f"${name[1:]}" if name in self.positional else f":{name}"


def _join(parts: tuple[str, ...], refs: tuple[str, ...], render: Callable[[str], str]) -> str:
    out = [parts[0]]
    for ref, part in zip(refs, parts[1:]):
        out += [render(ref), part]
    return "".join(out)


@lru_cache(maxsize=4096)
def pattern_params(sql: str) -> PatternSql:
    """Split ``sql`` at its ``:name`` / ``$n`` parameters (see the module docstring). Blanks,
    comments and semicolons at either end are dropped: EXPLAIN and pgbench add their own
    framing. Raises ``pglast.parser.ParseError`` when the lexer cannot read the text (an
    unterminated literal or comment)."""
    from pglast.parser import scan
    tokens = list(scan(sql))
    body = [i for i, t in enumerate(tokens) if t.name not in _COMMENTS]
    while body and tokens[body[-1]].name == _SEMICOLON:
        body.pop()
    parts, compact, refs, positional = [""], [""], [], set()
    if not body:
        return PatternSql(("",), (), (), ("",))
    prev = tokens[body[0]].start
    gap = False                       # blanks or a comment since the last token
    i, last = body[0], body[-1]
    while i <= last:
        tok = tokens[i]
        blank = sql[prev:tok.start]
        if tok.name in _COMMENTS:
            parts[-1] += blank + " "
            gap, prev, i = True, tok.end + 1, i + 1
            continue
        sep = " " if (gap or blank) and i != body[0] else ""
        ref = None
        if tok.name == "PARAM":
            ref, end = f"p{sql[tok.start + 1:tok.end + 1]}", tok.end
            positional.add(ref)
        elif tok.name == _COLON and i < last and tokens[i + 1].start == tok.end + 1:
            word = sql[tokens[i + 1].start:tokens[i + 1].end + 1]
            if tokens[i + 1].name not in _COMMENTS and _NAME.fullmatch(word):
                ref, end = word, tokens[i + 1].end
                i += 1
        if ref is not None:
            parts[-1] += blank
            compact[-1] += sep
            refs.append(ref)
            parts.append("")
            compact.append("")
            prev = end + 1
        else:
            text = sql[tok.start:tok.end + 1]
            parts[-1] += blank + text
            compact[-1] += sep + text
            prev = tok.end + 1
        gap = False
        i += 1
    return PatternSql(tuple(parts), tuple(refs), tuple(dict.fromkeys(refs)), tuple(compact),
                      frozenset(positional))


def render_params(sql: str, render: Callable[[int], str]) -> str:
    """``sql`` with each ``$n`` token replaced by ``render(n)`` — only real parameter tokens,
    never a ``$1`` inside a literal or comment (for printing parse trees back as patterns)."""
    from pglast.parser import scan
    out, prev = [], 0
    for tok in scan(sql):
        if tok.name == "PARAM":
            out += [sql[prev:tok.start], render(int(sql[tok.start + 1:tok.end + 1]))]
            prev = tok.end + 1
    return "".join(out) + sql[prev:]
