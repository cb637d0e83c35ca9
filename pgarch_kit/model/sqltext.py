"""Where a statement of a SQL script really starts: PostgreSQL's parser reports each statement
from the end of the one before, blanks and comments included, but a message should point at
the line of its first token."""
from __future__ import annotations

__all__ = ["skip_noise"]


def skip_noise(text: str, start: int, end: int | None = None) -> int:
    """First offset at or after ``start`` (and before ``end``) that is not whitespace or a
    ``--`` / ``/* */`` comment."""
    i, n = start, len(text) if end is None else end
    while i < n:
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            break
    return min(i, n)
