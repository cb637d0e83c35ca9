"""Run the advisor: pick the rules, run them in the modes the inputs allow, apply the design
file's suppressions and report the ones that matched nothing."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pgarch_kit.model import Design

from .context import LintContext
from .finding import Finding
from .fixcheck import with_view_notes
from .report import LintReport
from .rule import Rule

__all__ = ["lint", "all_rules", "rules", "rule_named", "select_rules", "UNUSED_SUPPRESSION"]

UNUSED_SUPPRESSION = ("PGA000", "unused-suppression")


def all_rules() -> list[type[Rule]]:
    """Every registered rule, in catalog order. (Not exported as ``rules``: the
    ``pgarch_kit.lint.rules`` package would shadow that name once imported.)"""
    from .rules import RULES
    return list(RULES)


rules = all_rules  # within this module the short name is safe


def rule_named(name: str) -> type[Rule]:
    """A rule by slug (``fk-without-index``) or code (``PGA028``)."""
    for r in rules():
        if name in (r.slug, r.code):
            return r
    import difflib
    close = difflib.get_close_matches(name, [r.slug for r in rules()], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise ValueError(f"no advisor rule called {name!r}{hint}; `pgarch lint --list` lists them")


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[type[Rule]]:
    """Rules by slug, code or category; ``select`` empty means all."""
    def matches(r: type[Rule], names: set[str]) -> bool:
        return bool({r.slug, r.code, r.category} & names)
    chosen, dropped = set(select), set(ignore)
    known = {x for r in rules() for x in (r.slug, r.code, r.category)}
    unknown = (chosen | dropped) - known
    if unknown:
        rule_named(sorted(unknown)[0])  # raises with a suggestion
    return [r for r in rules() if (not chosen or matches(r, chosen)) and not matches(r, dropped)]


def _suppressed(f: Finding, s: Any) -> bool:
    if s.rule not in (f.rule, f.code):
        return False
    if s.table is not None and s.table != f.table:
        return False
    return s.column is None or s.column == f.column


def lint(design: Design, *, select: Iterable[str] | None = None,
         ignore: Iterable[str] | None = None, conn: Any = None,
         migration: Any = None) -> LintReport:
    """Run the advisor on ``design``. Live rules run when ``conn`` (a psycopg connection to
    the database the design describes) is given; migration rules when ``migration`` is.
    ``select``/``ignore`` default to the design file's ``lint`` settings."""
    cfg = design.lint
    chosen = select_rules(select if select is not None else cfg.select,
                          ignore if ignore is not None else cfg.ignore)
    ctx = LintContext(design, conn=conn, migration=migration)
    found: list[Finding] = []
    for cls in chosen:
        rule = cls()
        if cls.mode in ("S", "S/L"):
            found.extend(rule.check(ctx))
        if conn is not None and cls.mode in ("L", "S/L"):
            found.extend(rule.check_live(ctx))
        if migration is not None and cls.mode == "M":
            found.extend(rule.check_migration(ctx))
    found = list(dict.fromkeys(found))  # "needs information" once per rule and design
    found = with_view_notes(design, found)
    kept, used = [], set()
    for f in found:
        hit = next((i for i, s in enumerate(cfg.suppress) if _suppressed(f, s)), None)
        if hit is None:
            kept.append(f)
        else:
            used.add(hit)
    ran = {x for r in chosen for x in (r.slug, r.code)}
    for i, s in enumerate(cfg.suppress):
        if i not in used and s.rule in ran:  # a rule that did not run cannot be judged
            where = ".".join(x for x in (s.table, s.column) if x) or "the design"
            kept.append(Finding(*UNUSED_SUPPRESSION, "warning", s.table, s.column,
                                f"the suppression of {s.rule!r} for {where} matches no finding "
                                f"(reason given: {s.reason or 'none'})",
                                "remove it from the design file's lint.suppress list",
                                "advisor"))
    return LintReport(tuple(kept), tuple(r.slug for r in chosen))
