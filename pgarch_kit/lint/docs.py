"""The rules reference, generated from the rule docstrings (docs/RULES.md). A test keeps the
committed file in step with the code, so the documentation cannot drift from the rules."""
from __future__ import annotations

from .runner import rules

__all__ = ["rules_reference"]

_MODES = {"S": "design", "L": "live database", "M": "migration", "S/L": "design + live database"}


def rules_reference() -> str:
    out = ["# Advisor rules reference",
           "",
           "Generated from the rule docstrings by `pgarch lint --docs` — do not edit by hand.",
           "Each rule has a stable code and a slug (use either in `--select`, `--ignore` and the",
           "design file's `lint.suppress`). Modes: design (runs on the design model), live",
           "database (`pgarch lint --dsn …`), migration (a migration script checked against the",
           "design it applies to).",
           ""]
    by_cat: dict[str, list] = {}
    for r in rules():
        by_cat.setdefault(r.category, []).append(r)
    out.append("| code | rule | category | severity | mode |")
    out.append("|---|---|---|---|---|")
    for r in rules():
        out.append(f"| {r.code} | [`{r.slug}`](#{r.slug}) | {r.category} | {r.severity} | "
                   f"{_MODES[r.mode]} |")
    for cat, members in by_cat.items():
        out += ["", f"## {cat}"]
        for r in members:
            doc = r.doc()
            out += ["", f"### {r.slug}", "",
                    f"`{r.code}` · {r.severity} · {_MODES[r.mode]}", "",
                    f"**What.** {doc.get('what', '')}", "",
                    f"**Why.** {doc.get('why', '')}", "",
                    f"**Fix.** {doc.get('fix', '')}"]
            if doc.get("references"):
                out += ["", f"*References:* {doc['references']}"]
    return "\n".join(out) + "\n"
