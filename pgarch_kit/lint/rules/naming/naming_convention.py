"""naming-convention: names that break the house naming policy."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._objects import named_objects, suggest_name, where_label

# Schemas named after a deployment environment, as a prefix or a suffix.
_ENV = r"(prod|production|stg|staging|stage|dev|develop|development|qa|uat|test)"
_ENV_SCHEMA = re.compile(rf"^{_ENV}_|_{_ENV}$")
_CHECKED = ("schema", "table", "column", "index", "constraint")


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
    for those kinds, e.g. ``^idx_``); table names that are plural when ``table_names`` is
    ``singular`` (or singular when ``plural``), judged by a simple English heuristic — the
    last word ends in ``s`` but not ``ss``/``us``/``is`` — partitions excepted as they follow
    their parent; and schemas named after an environment (``prod_``, ``stg_``, ``dev_``
    prefixes or suffixes).

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
        for obj in ctx.memo("named_objects", lambda: list(named_objects(ctx.design))):
            if obj.kind not in _CHECKED:
                continue
            where = where_label(obj.where)
            pattern = patterns.get(obj.kind, base)
            if not pattern.search(obj.name):
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
