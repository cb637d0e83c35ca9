"""Secrets out of everything the kit shows: connection strings lose their passwords.

A DSN is handed to the kit by ``--dsn``, ``$PGARCH_DSN`` or a notebook argument, and it ends up
in results (``LoadResult.dsn``), JSON output, reports and error messages — libpq itself echoes
parts of a malformed connection string (``invalid percent-encoded token: "<password>"``). Every
place that shows a DSN, or text that may hold one, routes it through :func:`redact`.

Redaction keeps what a reader needs to tell servers apart (user, host, port, database) and masks
only secrets: ``password=`` / ``sslpassword=`` in libpq keyword strings and URI query strings,
and the password of ``scheme://user:password@host`` in any URL (PostgreSQL, Redis, SQLAlchemy).
Because an error may quote a *fragment* of a broken DSN, :func:`redact` also removes the literal
passwords found in the DSNs it is told about (and in ``$PGARCH_DSN``, ``$PGPASSWORD``,
``$PGARCH_REDIS_URL``) wherever they appear. Pure string work: importable from every layer.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from urllib.parse import unquote

__all__ = ["MASK", "redact", "secrets_in"]

MASK = "***"

_KEYS = r"(?:password|sslpassword)"
# scheme://user:password@ — libpq ends the user-info at the first '@' before any '/'
_URI_USERINFO = re.compile(r"(?P<pre>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:@/\s]*:)(?P<value>[^@/\s]*)"
                           r"(?P<post>@)")
# ?password=... or &password=... in a URI query string: the value ends at & # or a quote
_URI_QUERY = re.compile(rf"(?P<pre>[?&]{_KEYS}=)(?P<value>[^&#\s\"']*)", re.IGNORECASE)
# password = value in a keyword string: quoted (backslash escapes) or up to white space
_KEYWORD = re.compile(rf"(?P<pre>(?<![\w.?&]){_KEYS}\s*=\s*)"
                      r"(?P<value>'(?:[^'\\]|\\.)*'?|[^\s'\"]+)", re.IGNORECASE)
_PATTERNS = (_URI_USERINFO, _URI_QUERY, _KEYWORD)
_ENV_SOURCES = ("PGARCH_DSN", "PGARCH_REDIS_URL")
_MIN_LITERAL = 4  # shorter values would mask ordinary words; the patterns still catch them


def _unquote_keyword(value: str) -> str:
    if value.startswith("'"):
        return re.sub(r"\\(.)", r"\1", value[1:-1] if value.endswith("'") else value[1:])
    return value


def secrets_in(text: str | None) -> set[str]:
    """The passwords a DSN or URL carries, in every spelling an error might quote them
    (as written, unquoted, percent-decoded)."""
    found: set[str] = set()
    if not text:
        return found
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            raw = m.group("value")
            for form in (raw, _unquote_keyword(raw), unquote(raw)):
                if len(form) >= _MIN_LITERAL:
                    found.add(form)
    return found


def _env_secrets() -> set[str]:
    found = set()
    for name in _ENV_SOURCES:
        found |= secrets_in(os.environ.get(name))
    if len(pw := os.environ.get("PGPASSWORD", "")) >= _MIN_LITERAL:
        found.add(pw)
    return found


def redact(text: object, *sources: str | None) -> str:
    """``text`` (a DSN, a URL, an error message, any output) with every password masked.

    ``sources`` are DSNs whose passwords must not appear anywhere in ``text``, even as a
    fragment a parser error quotes; the environment's DSNs are always included."""
    out = str(text)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group("pre") + MASK + m.groupdict().get("post", "")
                          if m.group("value") else m.group(0), out)
    literals: Iterable[str] = set().union(_env_secrets(), *(secrets_in(s) for s in sources))
    for secret in sorted(literals, key=len, reverse=True):  # longest first: no half-masking
        out = out.replace(secret, MASK)
    return out
