"""What every section of DESIGN.md reads: the per-document context (:class:`_Doc`: the
advisor's report, the scale plan, what each query pattern's SQL asks of each table), computed
once per document; the Markdown helpers; and :func:`_guarded`, which keeps one plan's failure
inside its own section."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from pgarch_kit.lint import Finding, LintReport, lint
from pgarch_kit.lint.queries import QueryBlock, Relation, analyse
from pgarch_kit.model import Design, ForeignKey, QueryPattern, Table
from pgarch_kit.scale import Machine, ScalePlan, scale_plan

if TYPE_CHECKING:
    from ..evidence import Evidence, PatternEvidence

_MONTHS = 24  # the planning horizon every section speaks of
_V4 = re.compile(r"\b(gen_random_uuid|uuid_generate_v4)\s*\(", re.I)
_V7 = re.compile(r"\b(uuidv7|uuid_generate_v7)\s*\(", re.I)
_GIST_OPS = ("&&", "@>", "<@", "<<", ">>", "-|-", "<->", "~=")


def _label(t: Table | object) -> str:
    schema, name = getattr(t, "schema", "public"), getattr(t, "name", "")
    return name if schema == "public" else f"{schema}.{name}"


def _code(text: object) -> str:
    s = " ".join(str(text).split())
    return f"`` {s} ``" if "`" in s else f"`{s}`"


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _cols(cols: Iterable[str]) -> str:
    return ", ".join(cols)


def _ms(v: float | None) -> str:
    return "–" if v is None else (f"{v:.3f}" if v < 10 else f"{v:,.1f}")


@dataclass(frozen=True)
class _Use:
    """One block of a query pattern that reads a table: what it compares, sorts and joins."""

    pattern: QueryPattern
    eq: tuple[str, ...]
    rng: tuple[str, ...]
    order: tuple[str, ...]
    joins: tuple[str, ...]
    ops: tuple[tuple[str, str], ...]       # (column, operator) of JSONB/full-text/range ops
    conjuncts: frozenset[str]


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

    def resolve(self, rel: Relation) -> Table | None:
        found = [t for t in self.design.tables + tuple(self.design.views)  # type: ignore
                 if t.name == rel.name and (rel.schema is None or t.schema == rel.schema)]
        found.sort(key=lambda t: t.schema != "public")
        return found[0] if found else None

    @cached_property
    def uses(self) -> dict[tuple[str, str], list[_Use]]:
        """Per table (or view) key: what each pattern's SQL asks of it (the advisor's
        :func:`~pgarch_kit.lint.queries.analyse`)."""
        out: dict[tuple[str, str], list[_Use]] = {}
        for q in self.design.queries:
            for block in analyse(q.sql):
                for rel in block.relations:
                    target = self.resolve(rel)
                    if target is not None:
                        out.setdefault((target.schema, target.name), []).append(
                            self._use(q, block, rel, target))
        return out

    def _use(self, q: QueryPattern, b: QueryBlock, rel: Relation, target: object) -> _Use:
        cols = ({c.name for c in target.columns} if isinstance(target, Table) else None)

        def mine(refs: Iterable) -> tuple[str, ...]:
            return tuple(r.key for r in refs
                         if b.relation_of(r.qualifier, r.column, lambda _r: cols) == rel)
        ops = [(j.column, j.operator) for j in b.jsonb
               if b.relation_of(j.qualifier, j.column, lambda _r: cols) == rel]
        for term in b.conjuncts:  # range-type operators the analyser does not classify
            for op in _GIST_OPS:
                if op in term and (m := re.match(r"([a-z_][a-z0-9_]*)", term)):
                    ops.append((m.group(1), op))
        return _Use(q, mine(b.equality), mine(b.ranges), mine(b.order_by), mine(b.joins),
                    tuple(ops), frozenset(b.conjuncts))

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
