"""naming-convention: names that break the house naming policy."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._objects import suggest_name, where_label
from .identifier_needs_quoting import design_names

# Schemas named after a deployment environment, as a prefix or a suffix.
_ENV = r"(prod|production|stg|staging|stage|dev|develop|development|qa|uat|test)"
_ENV_SCHEMA = re.compile(rf"^{_ENV}_|_{_ENV}$")
_CHECKED = ("schema", "table", "column", "index", "constraint")
_PATTERN_SETTINGS = {"index": "index_name_pattern", "constraint": "constraint_name_pattern"}
# Without a declared pattern, a kind of name that misses the default this often follows a
# convention of its own (evaka's ``idx$…``, an ORM's camelCase), which is noted once.
_OWN_CONVENTION_SHARE = 0.2


def is_plural(name: str) -> bool:
    """English inflection heuristic on the last word: ends in 's' but not 'ss', 'us' or
    'is' (address, status, analysis stay singular); a few irregular plurals are known."""
    word = name.rsplit("_", 1)[-1].lower()
    if word in ("people", "children", "men", "women", "data", "media", "criteria"):
        return True
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("ses", "xes", "ches", "shes", "zes")):
        return name[:-2]
    return name[:-1] if name.endswith("s") else name


def plural(name: str) -> str:
    if name.endswith("y") and name[-2:-1] not in tuple("aeiou"):
        return name[:-1] + "ies"
    if name.endswith(("s", "x", "ch", "sh", "z")):
        return name + "es"
    return name + "s"


class NamingConvention(Rule):
    """What: schemas, tables, columns, indexes and named constraints (PK, UNIQUE, CHECK, FK,
    EXCLUDE) whose names don't match the ``naming_pattern`` setting (default
    ``^[a-z][a-z0-9_]*$``; ``index_name_pattern`` and ``constraint_name_pattern`` override it
    for those kinds, e.g. ``^idx_``) — when the design declares no pattern and a fifth or
    more of a kind's names miss the default, that kind follows a convention of its own and
    one design-wide finding says so instead of one per name; table names that are plural
    when ``table_names`` is
    ``singular`` (or singular when ``plural``), judged by a simple English heuristic — the
    last word ends in ``s`` but not ``ss``/``us``/``is`` — partitions excepted as they follow
    their parent; and schemas named after an environment (``prod_``, ``stg_``, ``dev_``
    prefixes or suffixes). Migration tools' bookkeeping tables are skipped.

    Why: an inconsistent catalog slows every reader and every generated client. Environment
    names in schemas break refreshes between environments: a copy of production into
    staging still says ``prod_``, and code must know which one it runs in.

    Fix: rename to the convention, e.g. ``ALTER TABLE customers RENAME TO customer;`` — behind a
    view while clients move — and give schemas environment-neutral names (the environment
    belongs to the database or server, not the schema).

    References: Atlas NM101–NM106; pg-index-health objects_not_following_naming_convention,
    columns_not_following_naming_convention; schemalint name-casing, name-inflection;
    pglinter S002.
    """

    code = "PGA050"
    slug = "naming-convention"
    category = "naming"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        base = re.compile(str(ctx.setting("naming_pattern") or r"^[a-z][a-z0-9_]*$"))
        patterns = {
            "index": re.compile(str(ctx.setting("index_name_pattern") or base.pattern)),
            "constraint": re.compile(str(ctx.setting("constraint_name_pattern") or base.pattern)),
        }
        inflection = str(ctx.setting("table_names") or "any")
        names = [o for o in design_names(ctx) if o.kind in _CHECKED]
        declared = {k for k, _ in ctx.design.lint.settings}
        own = self._own_conventions(names, base, patterns, declared)
        if own:
            yield self.finding(
                None, None,
                "the design names " + "; ".join(
                    f"{k}{'es' if k == 'index' else 's'} its own way ({n} of {total} miss "
                    f"{patterns.get(k, base).pattern!r}, e.g. {ex})"
                    for k, (n, total, ex) in own.items())
                + ", a convention of its own rather than a slip",
                "declare it in lint.settings (naming_pattern, index_name_pattern, "
                "constraint_name_pattern) so names that break it are reported")
        for obj in names:
            where = where_label(obj.where)
            pattern = patterns.get(obj.kind, base)
            if obj.kind not in own and not pattern.search(obj.name):
                yield self.finding(
                    where, obj.column,
                    f"{obj.kind} name {obj.name!r} does not match the naming pattern "
                    f"{pattern.pattern!r}, which makes the catalog inconsistent to read",
                    obj.rename(suggest_name(obj.name)))
            if obj.kind == "schema" and _ENV_SCHEMA.search(obj.name):
                neutral = _ENV_SCHEMA.sub("", obj.name) or "app"
                yield self.finding(
                    where, None,
                    f"schema {obj.name!r} is named after an environment, so copies between "
                    f"environments carry the wrong name and code must know where it runs",
                    obj.rename(neutral))
            if obj.kind == "table" and inflection in ("singular", "plural") \
                    and getattr(obj.where, "partition_of", None) is None:
                is_pl = is_plural(obj.name)
                if inflection == "singular" and is_pl:
                    yield self.finding(where, None,
                                       f"table name {obj.name!r} looks plural but the "
                                       f"convention is singular table names",
                                       obj.rename(suggest_name(singular(obj.name))))
                elif inflection == "plural" and not is_pl:
                    yield self.finding(where, None,
                                       f"table name {obj.name!r} looks singular but the "
                                       f"convention is plural table names",
                                       obj.rename(suggest_name(plural(obj.name))))

    @staticmethod
    def _own_conventions(names, base, patterns, declared) -> dict[str, tuple[int, int, str]]:
        """Kinds whose names follow a convention other than the default pattern, which the
        design did not declare: kind -> (names missing the pattern, all names, examples)."""
        if "naming_pattern" in declared:
            return {}
        out = {}
        for kind in _CHECKED:
            if _PATTERN_SETTINGS.get(kind) in declared:
                continue
            pattern = patterns.get(kind, base)
            of_kind = [o.name for o in names if o.kind == kind]
            misses = [n for n in of_kind if not pattern.search(n)]
            if len(misses) >= 3 and len(misses) >= _OWN_CONVENTION_SHARE * len(of_kind):
                out[kind] = (len(misses), len(of_kind),
                             ", ".join(repr(n) for n in list(dict.fromkeys(misses))[:3]))
        return out
