"""function-search-path-mutable: routines without a pinned search_path."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import Design, Routine
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._body_names import BodyNames, body_names
from ._sql import is_security_definer, language, pinned_search_path, routine_ref

# Languages whose code doesn't resolve SQL names through search_path.
_NO_SQL = ("c", "internal")
# A trigger's transition tables (REFERENCING NEW TABLE AS x): names, not schema objects.
_TRANSITION = re.compile(r'\b(?:NEW|OLD)\s+TABLE\s+(?:AS\s+)?("(?:[^"]|"")+"|[\w$]+)',
                         re.IGNORECASE)


def _where_objects_live(design: Design) -> dict[str, dict[str, set[str]]]:
    """name -> schemas, per kind of object a body can name unqualified."""
    out: dict[str, dict[str, set[str]]] = {"relation": {}, "function": {}, "type": {},
                                           "transition": {}}

    def add(kind: str, schema: str, name: str) -> None:
        out[kind].setdefault(name, set()).add(schema)
    for t in design.tables:
        add("relation", t.schema, t.name)
        add("type", t.schema, t.name)          # a table's name is also its row type
    for v in design.views:
        add("relation", v.schema, v.name)
    for s in design.sequences:
        add("relation", s.schema, s.name)
    for r in design.routines:
        add("function", r.schema, r.name)
    for ty in (*design.enums, *design.domains, *design.composites, *design.ranges):
        add("type", ty.schema, ty.name)
    for tr in design.triggers:
        for name in _TRANSITION.findall(tr.definition):
            add("transition", "", name.strip('"').replace('""', '"'))
    return out


def _path(ctx: LintContext, r: Routine,
          names: BodyNames) -> tuple[list[str], list[str], list[str], list[str]]:
    """The schemas the body's unqualified names live in (besides pg_catalog); the names
    found in the design; the functions and types the design doesn't define, taken for
    built-ins unless the design keeps extensions outside pg_catalog (whose schemas are then
    added, as those names may be theirs); and the relations the design doesn't know."""
    where = ctx.memo("routine_name_schemas", lambda: _where_objects_live(ctx.design))
    ext_schemas = {e.schema or "public" for e in ctx.design.extensions} - {"pg_catalog"}
    schemas: set[str] = set()
    used: list[str] = []
    maybe_ext: list[str] = []
    unknown: list[str] = []
    for kind, found in (("relation", names.relations), ("function", names.functions),
                        ("type", names.types)):
        for name in sorted(found):
            homes = where[kind].get(name) or (where["relation"].get(name)
                                              if kind == "type" else None)
            shown = f"{name}()" if kind == "function" else name
            if homes:
                schemas |= homes
                used.append(shown)
            elif kind == "relation":
                if name.startswith("pg_") or name in where["transition"]:
                    continue                  # a catalog, or a trigger's transition table
                unknown.append(name)          # not in the design: where it lives is unknown
                schemas.add(r.schema)
            elif ext_schemas:
                schemas |= ext_schemas        # maybe an extension's function or type
                maybe_ext.append(shown)
    if names.opaque:
        schemas.add(r.schema)
    return sorted(schemas - {"pg_catalog"}), used, maybe_ext, unknown


def _some(names: list[str], n: int = 6) -> str:
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(names[:n]) + more


class FunctionSearchPathMutable(Rule):
    """What: a function or procedure whose definition has no ``SET search_path`` clause. A
    warning for SECURITY DEFINER routines, where a hijack runs with the owner's rights; an
    info for ordinary (invoker) routines, which only mislead their own caller. Aggregates,
    C/internal-language routines and SQL-standard bodies (``BEGIN ATOMIC`` or ``RETURN``,
    whose names are bound when the routine is created) are skipped. Only the routine header
    counts: a ``SET search_path`` statement inside the body is not a pin.

    The fix is read from the body (PostgreSQL's own parser, through pglast): ``SET
    search_path = ''`` only when every name the body uses outside ``pg_catalog`` is
    schema-qualified; otherwise the schemas its unqualified tables, functions and types
    live in, after ``pg_catalog`` and before ``pg_temp`` — an empty path would break such a
    body at its first unqualified name. Dynamic SQL and other languages keep the routine's
    own schema on the path, since the advisor can't see what they name.

    Why: unqualified names in the body resolve through the caller's ``search_path``, so a
    caller who can create objects in a schema earlier on the path can shadow a table or
    function the routine uses and hijack its execution.

    Fix: ``ALTER FUNCTION s.f(args) SET search_path = '';`` for a body that qualifies every
    name, else ``ALTER FUNCTION s.f(args) SET search_path = pg_catalog, app, pg_temp;`` with
    the schemas its objects live in.

    References: Supabase splinter function_search_path_mutable; PostgreSQL docs "Writing
    SECURITY DEFINER Functions Safely".
    """

    code = "PGA062"
    slug = "function-search-path-mutable"
    category = "security/RLS"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for r in ctx.design.routines:
            lang = language(r)
            if r.kind == "aggregate" or lang in _NO_SQL or pinned_search_path(r) is not None:
                continue
            names = body_names(r.definition, lang)
            if names.atomic:
                continue
            definer = is_security_definer(r)
            where = r.name if r.schema == "public" else f"{r.schema}.{r.name}"
            kind = f"SECURITY DEFINER {r.kind}" if definer else r.kind
            rights = " with its owner's rights" if definer else ""
            schemas, used, maybe_ext, unknown = _path(ctx, r, names)
            if not schemas:
                advice = ("its body qualifies every name outside pg_catalog, so an empty "
                          "search_path is safe")
                fix = f"ALTER {routine_ref(r)} SET search_path = '';"
            else:
                reasons = []
                if used or unknown:
                    reasons.append(f"its body uses unqualified names ({_some(used + unknown)})")
                if maybe_ext:
                    ext = ", ".join(sorted({e.schema or "public"
                                            for e in ctx.design.extensions} - {"pg_catalog"}))
                    reasons.append(f"it calls functions or types the design doesn't define "
                                   f"({_some(maybe_ext)}): built-ins, or perhaps from the "
                                   f"extensions in {ext}")
                if names.opaque:
                    reasons.append(f"{names.opaque}, so what it names can't be read")
                advice = (f"{'; '.join(reasons)}: an empty search_path could break it, so pin "
                          f"the schemas those live in, pg_temp last")
                if unknown:
                    advice += (f" ({_some(unknown, 3)} not in the design: add the "
                               f"schema{'s' if len(unknown) > 1 else ''} holding "
                               f"{'them' if len(unknown) > 1 else 'it'})")
                path = ", ".join(["pg_catalog", *(quote_ident(s) for s in schemas),
                                  "pg_temp"])
                fix = f"ALTER {routine_ref(r)} SET search_path = {path};"
            yield self.finding(
                where, None,
                f"{kind} {r.name}({r.signature}) has no pinned search_path, so a caller can "
                f"shadow the objects it uses and hijack it{rights}; {advice}",
                fix, severity="warning" if definer else "info")
