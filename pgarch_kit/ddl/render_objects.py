"""Renderers for routines, casts, row-level security, views, triggers, rules and comments.

Routines, triggers and rules are kept by the model as their complete CREATE statement and are
emitted verbatim; everything else is composed from quoted names and the model's SQL text.
"""
from __future__ import annotations

from ..model.design import Policy, Routine, Table, Trigger, View
from ..model.names import quote_ident
from ..model.objects import Cast, Rule
from ._common import literal, options, ref, rel, statement, wrap
from .render_types import ROLE_KEYWORDS

__all__ = [
    "cast_comment_sql",
    "cast_sql",
    "comment_sql",
    "policy_sql",
    "rls_sql",
    "routine_comment_sql",
    "routine_sql",
    "rule_comment_sql",
    "rule_sql",
    "table_comments_sql",
    "trigger_comment_sql",
    "trigger_sql",
    "view_comments_sql",
    "view_sql",
]


def routine_sql(routine: Routine) -> list[str]:
    return [statement(routine.definition)]


def _role(role: str) -> str:
    # PUBLIC, CURRENT_USER, ... are keywords here; quoting them would name a role instead
    return role.upper() if role in ROLE_KEYWORDS else quote_ident(role)


def policy_sql(table: Table, policy: Policy) -> str:
    kind = "PERMISSIVE" if policy.permissive else "RESTRICTIVE"
    roles = ", ".join(_role(r) for r in policy.roles) or "PUBLIC"
    text = (f"CREATE POLICY {quote_ident(policy.name)} ON {rel(table.schema, table.name)}"
            f"\n    AS {kind} FOR {policy.command} TO {roles}")
    if policy.using is not None:
        text += f"\n    USING {wrap(policy.using)}"
    if policy.with_check is not None:
        text += f"\n    WITH CHECK {wrap(policy.with_check)}"
    return text + ";"


def rls_sql(table: Table) -> list[str]:
    name = rel(table.schema, table.name)
    out = []
    if table.rls_enabled:
        out.append(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;")
    if table.rls_forced:
        out.append(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;")
    out += [policy_sql(table, p) for p in table.policies]
    return out


def view_sql(view: View) -> str:
    """A materialized view is created WITH NO DATA: the tables are empty and a refresh is the
    caller's choice."""
    query = view.query.strip().rstrip(";").rstrip()
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    text = f"CREATE {kind} {rel(view.schema, view.name)}{options(view.options)} AS\n{query}"
    if view.materialized:
        text += "\nWITH NO DATA"
    elif view.check_option:
        text += f"\nWITH {view.check_option.upper()} CHECK OPTION"
    return text + ";"


_ENABLE = {"D": "DISABLE TRIGGER", "R": "ENABLE REPLICA TRIGGER",
           "A": "ENABLE ALWAYS TRIGGER"}


def trigger_sql(trigger: Trigger) -> list[str]:
    out = [statement(trigger.definition)]
    if trigger.enabled in _ENABLE:
        out.append(f"ALTER TABLE {rel(trigger.schema, trigger.table)} "
                   f"{_ENABLE[trigger.enabled]} {quote_ident(trigger.name)};")
    return out


def comment_sql(kind: str, target: str, text: str | None) -> list[str]:
    return [] if text is None else [f"COMMENT ON {kind} {target} IS {literal(text)};"]


def table_comments_sql(table: Table) -> list[str]:
    name = rel(table.schema, table.name)
    out = comment_sql("TABLE", name, table.comment)
    for col in table.columns:
        out += comment_sql("COLUMN", f"{name}.{quote_ident(col.name)}", col.comment)
    for idx in table.indexes:
        out += comment_sql("INDEX", rel(table.schema, idx.name), idx.comment)
    return out


def view_comments_sql(view: View) -> list[str]:
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    out = comment_sql(kind, rel(view.schema, view.name), view.comment)
    for column, text in view.column_comments:
        out += comment_sql("COLUMN", f"{rel(view.schema, view.name)}.{quote_ident(column)}", text)
    for idx in view.indexes:
        out += comment_sql("INDEX", rel(view.schema, idx.name), idx.comment)
    return out


def routine_comment_sql(routine: Routine) -> list[str]:
    target = f"{rel(routine.schema, routine.name)}({routine.signature})"
    return comment_sql(routine.kind.upper(), target, routine.comment)


def trigger_comment_sql(trigger: Trigger) -> list[str]:
    target = f"{quote_ident(trigger.name)} ON {rel(trigger.schema, trigger.table)}"
    return comment_sql("TRIGGER", target, trigger.comment)


_CAST_CONTEXT = {"assignment": " AS ASSIGNMENT", "implicit": " AS IMPLICIT"}


def cast_sql(cast: Cast) -> list[str]:
    if cast.method == "function":
        how = f"WITH FUNCTION {ref(cast.function or '')}({cast.signature or ''})"
    elif cast.method == "inout":
        how = "WITH INOUT"
    else:
        how = "WITHOUT FUNCTION"
    return [f"CREATE CAST ({cast.source} AS {cast.target}) {how}"
            f"{_CAST_CONTEXT.get(cast.context, '')};"]


def cast_comment_sql(cast: Cast) -> list[str]:
    return comment_sql("CAST", f"({cast.source} AS {cast.target})", cast.comment)


_RULE_ENABLE = {"D": "DISABLE RULE", "R": "ENABLE REPLICA RULE", "A": "ENABLE ALWAYS RULE"}


def rule_sql(rule: Rule) -> list[str]:
    out = [statement(rule.definition)]
    if rule.enabled in _RULE_ENABLE:
        out.append(f"ALTER TABLE {rel(rule.schema, rule.table)} "
                   f"{_RULE_ENABLE[rule.enabled]} {quote_ident(rule.name)};")
    return out


def rule_comment_sql(rule: Rule) -> list[str]:
    target = f"{quote_ident(rule.name)} ON {rel(rule.schema, rule.table)}"
    return comment_sql("RULE", target, rule.comment)
