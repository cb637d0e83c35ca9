"""pgarch_kit._escape: each helper keeps any text inert in its target language, checked against
the language's own reader (Python's parser, CommonMark, psql's lexical rules)."""
from __future__ import annotations

import ast
import html
import random

import pytest

from pgarch_kit._escape import (
    md_code,
    md_text,
    one_line,
    psql_meta_commands,
    py_docstring_text,
    remote_fetches,
    sql_comment,
)

_ALPHABET = ['"', "'", "\\", "\n", "\r", "\t", "\x00", "\x0b", "\u2028", "\u202e", "`", "<",
             "[", "]", "!", "a", " ", "#", "é"]


def _samples(n: int = 150) -> list[str]:
    rng = random.Random(15)
    return [''.join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 12))) for _ in range(n)]


@pytest.mark.parametrize("text", ['""""', '"', 'a"', '\\"""', '"""\\', "x\r\ny", *_samples()])
def test_docstring_text_round_trips(text: str) -> None:
    source = f'"""{py_docstring_text(text)}"""'
    tree = ast.parse(source)
    assert len(tree.body) == 1 and ast.literal_eval(source) == text


@pytest.mark.parametrize("text", _samples())
def test_one_line_and_sql_comment_never_break_a_line(text: str) -> None:
    assert len(f"x{one_line(text)}x".splitlines()) == 1
    assert psql_meta_commands(f"-- {sql_comment(text)}\nSELECT 1;\n") == []


def test_markdown_helpers_render_as_text() -> None:
    from markdown_it import MarkdownIt
    md = MarkdownIt("commonmark", {"html": True})
    for text in ("<script>x</script>", "![i](http://h/i.png)", "[l](javascript:x)",
                 "<http://h/a>", "a ` b", "``x``\\"):
        out = md.renderInline(md_text(text))
        assert "<" not in out and html.unescape(out) == text  # no tag: the text, as text
        code = md.renderInline(md_code(text))
        assert code.startswith("<code>") and code.endswith("</code>") and code.count("<code>") == 1


def test_psql_meta_commands_follow_psql_quoting() -> None:
    assert psql_meta_commands("SELECT 1;\n\\! ls\n") == [2]
    assert psql_meta_commands("SELECT 1 \\g\n") == [1]
    assert psql_meta_commands("SELECT 'a\\b', E'c\\'\\! d', \"e\n\\! f\";") == []
    assert psql_meta_commands("SELECT $$ \\! $$, $t$ \\x $t$; -- \\! x\n/* /* \\! */ */") == []
    assert psql_meta_commands("SELECT $t$ a $t$ \\! b") == [1]


def test_remote_fetches_lists_loads_not_links() -> None:
    page = ('<a href="http://x/">x</a><img src="data:image/png;base64,AA"><img src=rel.png>'
            '<img alt="a" src="https://h/i.png"><script src="//cdn/r.js"></script>'
            '<style>a{background:url(http://h/b.png)}</style>')
    assert remote_fetches(page) == ["https://h/i.png", "//cdn/r.js", "http://h/b.png"]
