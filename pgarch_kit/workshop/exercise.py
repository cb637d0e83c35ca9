"""An exercise and what its check answers: what is right, what is missing, and a hint.

Checks inspect the learner's *design* (through the model and the advisor) or what that design
does on the *real server* (a plan that reads an index, a second pending order refused, a tenant
who cannot see another's rows) — never the text of the learner's code, so any correct way of
getting there passes.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CheckResult", "Exercise"]


@dataclass
class CheckResult:
    exercise: str
    right: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def passed(self) -> bool:
        return not self.missing

    def ok(self, what: str) -> None:
        self.right.append(what)

    def lack(self, what: str) -> None:
        self.missing.append(what)

    def expect(self, condition: bool, right: str, missing: str) -> bool:
        (self.right if condition else self.missing).append(right if condition else missing)
        return condition

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = (f"exercise {self.exercise}: " + ("solved" if self.passed else
                                                  f"not yet — {len(self.missing)} thing(s) "
                                                  f"missing"))
        lines = [head] + [f"  ✓ {r}" for r in self.right] + [f"  ✗ {m}" for m in self.missing]
        if not self.passed and self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour, word = ("#166534", "Solved") if self.passed else ("#b45309", "Not yet")
        items = "".join(f"<li>✓ {html.escape(r)}</li>" for r in self.right)
        items += "".join(f"<li style='color:#b91c1c'>✗ {html.escape(m)}</li>"
                         for m in self.missing)
        hint = (f"<div><b>Hint:</b> {html.escape(self.hint)}</div>"
                if self.hint and not self.passed else "")
        return (f"<div style='border-left:4px solid {colour};padding-left:8px'>"
                f"<b style='color:{colour}'>{word}</b> — exercise {self.exercise}"
                f"<ul style='list-style:none;padding-left:0'>{items}</ul>{hint}</div>")


@dataclass(frozen=True)
class Exercise:
    """One task of a notebook: ``start()`` gives the starting design, ``check(design)`` the
    verdict. ``minutes`` is the time a workshop should plan for it."""

    id: str                       # "03.1": notebook 03, first exercise
    title: str
    task: str                     # what to do, in a sentence or three
    hint: str                     # shown with a result that is not yet right
    starter: Callable[[], Any]
    checker: Callable[[Any, CheckResult], None]
    minutes: int = 5
    server: bool = False          # the check runs on the real server (a few seconds)

    def start(self) -> Any:
        """The starting state (a fresh copy each time)."""
        return self.starter()

    def check(self, answer: Any) -> CheckResult:
        """What is right and what is missing in ``answer`` (a design)."""
        result = CheckResult(self.id, hint=self.hint)
        self.checker(answer, result)
        return result

    def __str__(self) -> str:
        where = " (checked on the real server)" if self.server else ""
        return f"Exercise {self.id} — {self.title} (~{self.minutes} min){where}\n{self.task}"

    def _repr_html_(self) -> str:
        where = " · checked on the real server" if self.server else ""
        return (f"<div style='border:1px solid #94a3b8;border-radius:6px;padding:8px'>"
                f"<b>Exercise {self.id} — {html.escape(self.title)}</b> "
                f"<span style='color:#64748b'>(~{self.minutes} min{where})</span>"
                f"<div>{html.escape(self.task)}</div>"
                f"<div style='color:#64748b'>Start with <code>mine = ex.start()</code>, change "
                f"it with <code>pk.edit</code>, then run <code>ex.check(mine)</code>.</div></div>")
