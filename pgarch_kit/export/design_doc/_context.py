"""What every section of DESIGN.md reads: the per-document context (:class:`_Doc`: the
advisor's report, the scale plan, what each query pattern's SQL asks of each table), computed
once per document; the Markdown helpers; and :func:`_guarded`, which keeps one plan's failure
inside its own section."""
from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from pgarch_kit._escape import md_code, md_text, one_line
from pgarch_kit.lint import Finding, LintReport, lint
from pgarch_kit.model import Design, ForeignKey, QueryPattern, Table
from pgarch_kit.model.query import RelationUse, pattern_uses
from pgarch_kit.scale import Machine, ScalePlan, scale_plan

if TYPE_CHECKING:
    from ..evidence import Evidence, PatternEvidence

_MONTHS = 24  # the planning horizon every section speaks of
_V4 = re.compile(r"\b(gen_random_uuid|uuid_generate_v4)\s*\(", re.I)
_V7 = re.compile(r"\b(uuidv7|uuid_generate_v7)\s*\(", re.I)


def _label(t: Table | object) -> str:
    schema, name = getattr(t, "schema", "public"), getattr(t, "name", "")
    return one_line(name if schema == "public" else f"{schema}.{name}")


# --- Markdown that stays inert ---------------------------------------------------------------
# Names, comments and descriptions reach the document in hundreds of sentences, most of them
# plain f-strings. Rather than trust every one of them to escape, the finished document goes
# through one pass (:func:`_markup`) that backslash-escapes every character that could open raw
# HTML, an autolink, a link or image, or a code span (``_INERT``), so design text renders as
# text whatever it holds. The markup the kit means — code spans, its own image and links, a
# table's escaped ``|`` — is set aside by :func:`_keep` under a placeholder whose key is random
# per document (a design cannot forge it) and put back after the pass.

_KEPT: ContextVar[_Kept | None] = ContextVar("pgarch_design_doc_kept", default=None)
# What CommonMark/GFM would read as more than text, and only that (so a CHECK's ``a <> b`` or
# ``'^\d+$'`` stays as written): ``<`` opening a tag, comment, declaration or autolink; ``]``
# closing link text (``](``, ``][``) or a link definition (``]:``); every backtick (code spans
# would swallow what follows); a backslash that would escape the next character (or the kit's
# markup that follows it, \x00 being where that markup goes back).
_INERT = re.compile(r"<(?=[A-Za-z/!?\x00])|\](?=[(\[:\x00])|`|\\(?=[!-/:-@\[-`{-~\x00]|\Z)")


@dataclass
class _Kept:
    key: str = field(default_factory=lambda: secrets.token_hex(8))
    parts: list[str] = field(default_factory=list)

    def hold(self, markdown: str) -> str:
        self.parts.append(markdown)
        return f"\x00{self.key}:{len(self.parts) - 1}\x00"

    def restore(self, text: str) -> str:
        # a placeholder that went through one_line() shows its NULs as the text \x00: that is
        # still the kit's markup (the key is random per document), so it is put back too
        back = re.sub(rf"(?:\x00|\\x00){self.key}:(\d+)(?:\x00|\\x00)",
                      lambda m: self.parts[int(m.group(1))], text)
        if self.key in back:  # a kit bug, never the design's doing: fail loudly
            raise RuntimeError("DESIGN.md: set-aside markup was not restored")
        return back


@contextmanager
def _markup() -> Iterator[Callable[[str], str]]:
    """While active, :func:`_keep` holds kit markup aside; yields the finishing pass."""
    kept = _Kept()
    token = _KEPT.set(kept)
    try:
        yield lambda text: kept.restore(_INERT.sub(lambda m: "\\" + m.group(0), text))
    finally:
        _KEPT.reset(token)


def _keep(markdown: str) -> str:
    """Markdown the kit writes on purpose (already safe), kept out of the escaping pass."""
    kept = _KEPT.get()
    return kept.hold(markdown) if kept is not None else markdown


def _code(text: object) -> str:
    return _keep(md_code(text))


def _link(label: str, path: str, image: bool = False) -> str:
    """The kit's own link or image to a file it wrote beside the document."""
    from urllib.parse import quote
    target = quote(path, safe="/._-")  # a relative path: no scheme, no spaces, no brackets
    return _keep(f"{'!' if image else ''}[{md_text(label)}]({target})")


def _fenced(code: str, info: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run in ``code`` (a line of
    backticks in a quoted name must not end the block early)."""
    fence = "`" * max([3, *(len(r) + 1 for r in re.findall(r"`+", code))])
    return _keep(f"{fence}{info}\n{code}\n{fence}")


def _embed(markdown: str) -> str:
    """Markdown written by another part of the kit (a plan's runbook, the checklist): its
    fenced code blocks are kept as code; the rest goes through the document's escaping pass
    like any other sentence (it quotes design names)."""
    out: list[str] = []
    lines = iter(markdown.split("\n"))
    for line in lines:
        m = re.fullmatch(r"```(\w*)", line)
        if not m:
            out.append(line)
            continue
        body: list[str] = []
        for inner in lines:
            if inner == "```":
                break
            body.append(inner)
        out.append(_fenced("\n".join(body), m.group(1)))
    return "\n".join(out)


_HELD = re.compile(r"(\x00[0-9a-f]{16}:\d+\x00)")


def _cell(text: object, *, code: bool = False) -> str:
    """A GFM table cell: ``|`` escaped even inside a code span (tables split cells first).
    Kit markup already set aside in ``text`` (a code span in a sentence) stays a placeholder:
    only the text around it is put on one line."""
    if code:
        return _keep(md_code(text).replace("|", "\\|"))
    return "".join(piece if i % 2 else _flat(piece).replace("|", _keep("\\|"))
                   for i, piece in enumerate(_HELD.split(str(text))))


def _flat(piece: str) -> str:
    """:func:`one_line` that keeps one space at either end (the gap before a code span)."""
    flat = one_line(piece)
    if piece[:1].isspace():
        flat = " " + flat
    if piece[-1:].isspace() and piece.strip():
        flat += " "
    return flat


def _cols(cols: Iterable[str]) -> str:
    return ", ".join(_flat(c) for c in cols)


def _ms(v: float | None) -> str:
    return "–" if v is None else (f"{v:.3f}" if v < 10 else f"{v:,.1f}")


@dataclass(frozen=True)
class _Use:
    """One block of a query pattern that reads a table: what it compares, sorts and joins
    (:class:`~pgarch_kit.model.query.RelationUse`), and which pattern it is."""

    pattern: QueryPattern
    use: RelationUse

    eq = property(lambda self: self.use.eq)
    rng = property(lambda self: self.use.rng)
    order = property(lambda self: self.use.order_keys)
    joins = property(lambda self: self.use.joins)
    ops = property(lambda self: self.use.ops)        # (key, operator): JSONB, full text, ranges


@dataclass
class _Doc:
    design: Design
    ev: Evidence | None
    machine: Machine
    report: LintReport = field(init=False)

    def __post_init__(self) -> None:
        self.report = lint(self.design)

    @cached_property
    def plan(self) -> ScalePlan:
        return scale_plan(self.design, self.machine, months=_MONTHS)

    @cached_property
    def tables(self) -> list[Table]:
        return [t for t in self.design.tables if t.partition_of is None]

    def partitions(self, t: Table) -> list[Table]:
        return [p for p in self.design.tables
                if p.partition_of == t.name and p.schema == t.schema]

    def findings(self, table: str | None, column: str | None = None,
                 categories: Iterable[str] = ()) -> list[Finding]:
        cats = set(categories)
        return [f for f in self.report.sorted() if f.table == table
                and (column is None or f.column == column) and (not cats or f.category in cats)]

    def horizon(self, t: Table) -> int | None:
        if t.intent.rows is None and t.intent.growth_per_month is None:
            return None
        return (t.intent.rows or 0) + _MONTHS * (t.intent.growth_per_month or 0)

    @cached_property
    def uses(self) -> dict[tuple[str, str], list[_Use]]:
        """Per table (or view) key: what each pattern's SQL asks of it
        (:func:`pgarch_kit.model.query.pattern_uses`)."""
        out: dict[tuple[str, str], list[_Use]] = {}
        for q in self.design.queries:
            for _block, use, target in pattern_uses(self.design, q):
                out.setdefault((target.schema, target.name), []).append(_Use(q, use))
        return out

    def fk_of(self, t: Table, column: str) -> tuple[ForeignKey, Table | None, str] | None:
        for fk in t.foreign_keys:
            if column in fk.columns:
                ref = self.design.table(fk.ref_table, fk.ref_schema or t.schema)
                return fk, ref, fk.ref_columns[fk.columns.index(column)]
        return None

    def pattern_ev(self, name: str) -> PatternEvidence | None:
        return self.ev.pattern(name) if self.ev is not None else None


def _guarded(part: Callable[[_Doc], list[str]], doc: _Doc, heading: str) -> list[str]:
    """``part(doc)``, or — when a plan the section needs raises on a design the kit did not
    foresee — its heading and what failed, so one plan's bug does not sink the document."""
    try:
        return part(doc)
    except Exception as exc:  # reported in the document itself, not swallowed
        return [heading, "", f"Not computed: the kit raised {type(exc).__name__} "
                f"({str(exc) or 'no message'}) while planning this section.", ""]
