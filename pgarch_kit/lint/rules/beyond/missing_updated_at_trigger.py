"""missing-updated-at-trigger: updated_at columns nothing in the database maintains."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Table
from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext, label
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table

_COLUMNS = ("updated_at", "modified_at")
_CALLS = re.compile(r"\bEXECUTE\s+(?:FUNCTION|PROCEDURE)\s+([\w.\"]+)\s*\(", re.I)


class MissingUpdatedAtTrigger(Rule):
    """What: a table with an ``updated_at`` (or ``modified_at``) column and no UPDATE trigger
    that maintains it: none whose definition names the column (``moddatetime(updated_at)``)
    or calls a function whose definition assigns it (``NEW.updated_at := now()``). Judged
    against the convention of the table's schema for that column name: where triggers
    maintain it on at least as many tables as lack one, each table without is a warning (a
    deviation); where only some do, info; where none does, the application or ORM maintains
    it (Rails, Django, Prisma's ``@updatedAt``; a ``modified_at`` set with ``modified_by``)
    and the rule says once that it needs to know whether every writer goes through it. Needs
    only the design; the application's code it cannot see.

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
        routines: dict[str, list[str]] = {}
        for r in ctx.design.routines:
            routines.setdefault(r.name, []).append(r.definition)
            routines.setdefault(f"{r.schema}.{r.name}", []).append(r.definition)
        triggers: dict[tuple[str, str], list[str]] = {}
        for tr in ctx.design.triggers:
            triggers.setdefault((tr.schema, tr.table), []).append(tr.definition)
        kept: dict[tuple[str, str], int] = {}
        lacking: dict[tuple[str, str], list[Table]] = {}
        for t in ctx.tables:
            for col in (c.name for c in t.columns if c.name in _COLUMNS):
                sets = re.compile(rf"\b{col}\b\s*:?=(?!=)", re.I)
                names = re.compile(rf"\b{col}\b", re.I)
                convention = (t.schema, col)
                if any(self._maintains(d, names, sets, routines)
                       for d in triggers.get(t.key, ())):
                    kept[convention] = kept.get(convention, 0) + 1
                else:
                    lacking.setdefault(convention, []).append(t)
        unasked = []
        for (schema, col), tables in lacking.items():
            done = kept.get((schema, col), 0)
            if not done:
                unasked += [f"{label(t)}.{col}" for t in tables]
                continue
            for t in tables:
                yield self.finding(
                    t, col,
                    f"{col} has no UPDATE trigger maintaining it, while triggers maintain it on "
                    f"{done} other table(s) of schema {schema}: the first UPDATE that forgets "
                    f"it leaves a stale value",
                    f"CREATE TRIGGER {quote_ident(derive_name(t.name, 'set', col))} BEFORE "
                    f"UPDATE ON {sql_table(t)} FOR EACH ROW EXECUTE FUNCTION set_{col}();  -- "
                    f"set_{col}(): NEW.{col} := now(); RETURN NEW",
                    severity="warning" if done >= len(tables) else None)
        if unasked:
            yield self.needs_information(
                f"whether every writer maintains the {len(unasked)} updated_at-style column(s) "
                f"no trigger maintains ({', '.join(unasked[:4])}{' …' if len(unasked) > 4 else ''}"
                f"): where no table of the schema has such a trigger, the application (an ORM) "
                f"is taken to maintain them",
                "if writers outside the application exist (psql fixes, other services), add a "
                "BEFORE UPDATE trigger setting NEW.updated_at := now()")

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
