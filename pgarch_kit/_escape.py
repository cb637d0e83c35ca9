"""Text from a design, made inert for the language of the file it is written into.

Every name, comment, description, intent and pattern name in a design is untrusted: a design
file may come from anyone, and what it holds ends up in HTML (report.html, notebooks' reports),
Markdown (DESIGN.md), Python source (models.py, Alembic revisions) and SQL scripts run with
``psql -f`` (schema.sql, migrations). Each target has its own way of turning text into action —
a ``<script>`` tag, a Markdown image that fetches a URL, a ``\"\"\"`` that closes a docstring,
a newline that puts ``\\! rm -rf ~`` on a psql line of its own — so each has one function here,
and the writers of those files call it for every piece of design text instead of formatting it
in raw. Keeping the rules in one module keeps them consistent and testable in one place.

This module is L0: it imports nothing from the kit, so every layer may use it.
"""
from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["html_text", "md_code", "md_text", "one_line", "psql_meta_commands",
           "py_docstring_text", "remote_fetches", "sql_comment"]

# Characters that are not white space but still break or hide lines or text: C0/C1 controls,
# and format characters such as bidi overrides (text that reads differently than it runs).
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


def _visible(ch: str) -> str:
    if unicodedata.category(ch) in _INVISIBLE:
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    return ch


def one_line(text: object) -> str:
    """``text`` on one line: every run of white space (including line and paragraph
    separators, form feeds and the like) becomes one space, and other invisible characters
    (controls, bidi overrides) are shown as ``\\xNN``/``\\uNNNN``."""
    return "".join(_visible(ch) for ch in " ".join(str(text).split()))


def sql_comment(text: object) -> str:
    """Text safe after ``-- `` on one line of a SQL script run by ``psql -f``: a line break
    would end the comment and start a line psql reads as SQL, or as a meta-command when it
    starts with a backslash (``\\! command`` runs a shell command)."""
    return one_line(text)


def html_text(text: object) -> str:
    """Text safe as HTML element content or a quoted attribute value."""
    return html.escape(str(text), quote=True)


# Markdown punctuation that can start markup that does more than format text: raw HTML and
# autolinks (<), images and links ([ ] after !), code spans that swallow what follows (`),
# escapes (\), table cells (|). Emphasis (* _) only formats, and names often contain _.
_MD_SPECIAL = re.compile(r"([\\`\[\]<>!|])")


def md_text(text: object) -> str:
    """Text safe inline in CommonMark/GFM: on one line, with every character that could open
    raw HTML, an image, a link, an autolink or a code span backslash-escaped (rendered as
    itself)."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def md_code(text: object) -> str:
    """``text`` as an inline code span (on one line), fenced by more backticks than any run
    inside it so it cannot close early; nothing inside a code span is interpreted."""
    s = one_line(text)
    runs = [len(m) for m in re.findall(r"`+", s)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if s.startswith(("`", " ")) or s.endswith(("`", " ")) or runs else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def py_docstring_text(text: str) -> str:
    """Text safe inside a ``\"\"\"…\"\"\"`` docstring (not raw) whose value is ``text``:
    backslashes doubled; a quote escaped when another follows it or when it ends the text,
    so no three quotes can ever meet (``\"\"\"\"`` becomes ``\\"\\"\\"\"``, not
    ``\\"\"\"\"``, whose last three quotes would close the string); controls other than
    newline and tab, and carriage returns (which Python reads as line ends), escaped."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"' and (i + 1 == len(text) or text[i + 1] == '"'):
            out.append('\\"')
        elif ch in "\n\t":
            out.append(ch)
        else:
            out.append(_visible(ch))
    return "".join(out)


# Elements and attributes through which a page loads something by itself (no click needed).
_FETCH = re.compile(
    r"""<(?:img|script|iframe|frame|link|source|video|audio|embed|object|image|use|input|track|
          base|feimage)\b[^>]*?\s(?:src|href|xlink:href|data|poster|srcset|background)\s*=\s*
          ["']?\s*((?:[a-z][a-z0-9+.-]*:)?//[^"'\s>]*|(?:https?|ftp|wss?):[^"'\s>]*)""",
    re.I | re.X)
_CSS_FETCH = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*((?:https?:)?//[^"')\s]*)""",
                        re.I)


def remote_fetches(page: str) -> list[str]:
    """The remote URLs an HTML page would load without a click (script, image, frame,
    stylesheet, media sources, CSS ``url()``/``@import``). Links a reader may follow are not
    fetches and are not listed. A report the kit writes must have none."""
    found = [m.group(1) for m in _FETCH.finditer(page)]
    found += [m.group(1) for m in _CSS_FETCH.finditer(page)]
    return list(dict.fromkeys(found))


_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$")


def psql_meta_commands(script: str) -> list[int]:
    """The 1-based lines of ``script`` on which ``psql -f`` would see a backslash outside a
    string, quoted identifier, dollar-quoted body or comment: a meta-command (``\\! cmd`` runs a
    shell command, ``\\o file`` writes files, ``\\c`` connects elsewhere). A script the kit
    writes must have none; SQL from a design that puts one there is refused by the writer.

    A small lexer in psql's own terms: ``'…'`` (``E'…'`` with backslash escapes), ``"…"``,
    ``$tag$…$tag$``, ``-- …`` to the end of the line and nested ``/* … */``."""
    found: list[int] = []
    i, n, line = 0, len(script), 1
    while i < n:
        ch = script[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch == "\\":
            found.append(line)
            i += 1
        elif ch == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end
        elif ch == "/" and script.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if script.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif script.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    line += script[i] == "\n"
                    i += 1
        elif ch in "'\"":
            escapes = ch == "'" and i > 0 and script[i - 1] in "eE" and (
                i < 2 or not (script[i - 2].isalnum() or script[i - 2] == "_"))
            i += 1
            while i < n:
                c = script[i]
                line += c == "\n"
                if escapes and c == "\\":
                    line += script[i + 1:i + 2] == "\n"
                    i += 2
                    continue
                i += 1
                if c == ch:
                    if script[i:i + 1] == ch:  # doubled quote: still inside
                        i += 1
                        continue
                    break
        elif ch == "$" and (m := _DOLLAR.match(script, i)) and not (
                i > 0 and (script[i - 1].isalnum() or script[i - 1] in "_$")):
            end = script.find(m.group(0), m.end())
            stop = n if end < 0 else end + len(m.group(0))
            line += script.count("\n", i, stop)
            i = stop
        else:
            i += 1
    return sorted(set(found))
