"""missing-updated-at-trigger: updated_at columns nothing in the database maintains."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_COLUMNS = ("updated_at", "modified_at")
_CALLS = re.compile(r"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+([\w.\"]+)\s*\(", re.I)


class MissingUpdatedAtTrigger(Rule):
    """What: a table with an ``updated_at`` (or ``modified_at``) column and no UPDATE trigger
    that maintains it: none whose definition names the column (``moddatetime(updated_at)``)
    or calls a function whose definition assigns it (``NEW.updated_at := now()``). Info: an
    application or ORM may maintain it deliberately; suppress the finding with that reason.

    Why: a column maintained by convention lies after the first UPDATE that forgets it — a
    bulk fix in psql, a second service — and sync jobs that read "changed since" miss rows.

    Fix: ``CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    NEW.updated_at := now(); RETURN NEW; END $$;`` and ``CREATE TRIGGER t_set_updated_at
    BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION set_updated_at();``
    """

    code = "PGA111"
    slug = "missing-updated-at-trigger"
    category = "constraints"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        routines = {}
        for r in ctx.design.routines:
            routines.setdefault(r.name, []).append(r.definition)
            routines.setdefault(f"{r.schema}.{r.name}", []).append(r.definition)
        triggers: dict[tuple[str, str], list[str]] = {}
        for tr in ctx.design.triggers:
            triggers.setdefault((tr.schema, tr.table), []).append(tr.definition)
        for t in ctx.tables:
            col = next((c.name for c in t.columns if c.name in _COLUMNS), None)
            if col is None:
                continue
            sets = re.compile(rf"\b{col}\b\s*:?=(?!=)", re.I)
            names = re.compile(rf"\b{col}\b", re.I)
            if any(self._maintains(d, names, sets, routines)
                   for d in triggers.get(t.key, ())):
                continue
            tab = quote_ident(t.name)
            yield self.finding(
                t, col,
                f"{col} has no UPDATE trigger maintaining it: the first UPDATE that forgets "
                f"it leaves a stale value",
                f"CREATE TRIGGER {t.name}_set_{col} BEFORE UPDATE ON {tab} FOR EACH ROW "
                f"EXECUTE FUNCTION set_{col}();  -- set_{col}(): NEW.{col} := now(); RETURN NEW")

    @staticmethod
    def _maintains(definition: str, names: re.Pattern[str], sets: re.Pattern[str],
                   routines: dict[str, list[str]]) -> bool:
        if not re.search(r"\bUPDATE\b", definition, re.I):
            return False
        if names.search(definition):
            return True
        call = _CALLS.search(definition)
        if not call:
            return False
        fn = call.group(1).replace('"', "")
        return any(sets.search(body) for body in routines.get(fn, ()))
