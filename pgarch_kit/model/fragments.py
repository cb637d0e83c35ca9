"""SQL fragments in a design are parsed by PostgreSQL's own parser, so a design file cannot
smuggle a second statement into the scripts the kit runs.

A design holds SQL text in many places — column defaults, CHECKs, generated columns, index
expressions and partial-index predicates, exclusion constraints, policies, partition bounds,
storage options, collations, operator classes, types, view queries, routine and trigger
definitions, query patterns. The DDL renderers paste that text between their own keywords, so
``default: "0); DROP TABLE orders; --"`` would otherwise become a statement of its own when
``seed`` applies the script as the database superuser.

Each fragment has a *kind* and must be exactly one thing of that kind:

* slot kinds (an expression, a type, a collation …) are checked by parsing a small template
  statement with the fragment in its slot, emptying the slot, and comparing the tree with the
  template's own: any difference means the text reached outside its slot (``1 UNION SELECT 2``,
  ``1, 2``, ``1 FROM pg_sleep(9)``);
* statement kinds (a view's query, a routine, a trigger, a query pattern) must parse to
  exactly one statement of the expected node type, naming the object the design says it
  creates;
* a ``--`` comment may not run to the end of a fragment, because the renderers append text on
  the same line (``DEFAULT 0 -- NOT NULL`` would silently drop NOT NULL, and ``; --`` would
  swallow the statement terminator).

Choices and numbers that the renderers also paste as written (a routine's kind, a view's
check option, a sequence's or identity column's START/INCREMENT/CACHE, a column's storage,
compression and statistics target) are checked too: the design file reader
only admits valid ones, but a design built in Python never passes through it.

Whoever runs a design's SQL checks first: :func:`~pgarch_kit.model.validate.check` (seed,
apply), :func:`check_fragments` (DDL rendering, migrations, benchmarks).

This is about *shape*, not *behaviour*: one well-formed expression can still call any function
the role that runs it may call (``pg_read_file(…)`` in a default). What a fragment may do is
bounded by the role the kit uses on the server, not by this module.

:func:`sql_problem` is cached on the fragment text, so re-validating on every keystroke in the
studio costs a dictionary look-up per unchanged fragment.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import DesignError, Problem
from .design import COMPRESSION_METHODS, STORAGE_KINDS, Column, Design, Index, Routine, Trigger

__all__ = ["KINDS", "check_fragments", "fragment_problems", "fragments", "sql_problem"]


def _label(schema: str, name: object) -> str:
    # the same spelling as validate.label (which imports this module)
    return f"{name}" if schema == "public" else f"{schema}.{name}"


# --------------------------------------------------------------------------- slot kinds

def _target(stmt: Any) -> Any:
    return stmt.targetList[0]


def _set_target_val(stmt: Any) -> None:
    _target(stmt).val = None


def _set_cast_type(stmt: Any) -> None:
    _target(stmt).val.typeName = None


def _set_collname(stmt: Any) -> None:
    _target(stmt).val.collname = None


def _set_opclass(stmt: Any) -> None:
    elem = stmt.indexParams[0]
    elem.opclass = elem.opclassopts = None


def _set_operator(stmt: Any) -> None:
    con = stmt.tableElts[0]
    con.exclusions = ((con.exclusions[0][0], None), *con.exclusions[1:])


def _set_option(stmt: Any) -> None:
    stmt.options = (None, *stmt.options[1:])


def _set_bound(stmt: Any) -> None:
    stmt.partbound = None


def _set_args(stmt: Any) -> None:
    stmt.object.objargs = stmt.object.objfuncargs = None


# kind -> (template with {} for the fragment, a harmless fragment, slot emptier, what it is,
#          an example for the fix)
_SLOTS: dict[str, tuple[str, str, Callable[[Any], None], str, str]] = {
    "expression": ("SELECT {}", "1", _set_target_val, "one SQL expression",
                   "now(), price * quantity, status IN ('new', 'paid')"),
    "type": ("SELECT NULL::{}", "int", _set_cast_type, "one type name",
             "bigint, numeric(12,2), text[], app.status"),
    "collation": ("SELECT 1 COLLATE {}", "c", _set_collname, "one collation name",
                  'C, "de-DE-x-icu", pg_catalog."default"'),
    "opclass": ("CREATE INDEX ON _t (_c {})", "text_ops", _set_opclass,
                "one operator class name", "text_pattern_ops, gist_trgm_ops"),
    "operator": ("CREATE TABLE _t (EXCLUDE (_c WITH {}))", "=", _set_operator,
                 "one operator", "=, &&, OPERATOR(pg_catalog.=)"),
    "option": ("CREATE TABLE _t () WITH ({})", "fillfactor=90", _set_option,
               "one storage parameter", "fillfactor=90, security_barrier=true"),
    "partition_bound": ("CREATE TABLE _p PARTITION OF _t {}", "DEFAULT", _set_bound,
                        "one partition bound",
                        "FOR VALUES FROM ('2025-01-01') TO ('2025-02-01'), DEFAULT"),
    "signature:function": ("COMMENT ON FUNCTION _f({}) IS NULL", "int", _set_args,
                           "one argument list", "integer, text"),
    "signature:procedure": ("COMMENT ON PROCEDURE _f({}) IS NULL", "int", _set_args,
                            "one argument list", "integer, text"),
    "signature:aggregate": ("COMMENT ON AGGREGATE _f({}) IS NULL", "int", _set_args,
                            "one argument list", "integer, or *"),
}

_STATEMENTS = {
    "view": "one SELECT (or WITH … SELECT, VALUES) statement",
    "pattern": "one SELECT, INSERT, UPDATE, DELETE or MERGE statement",
    "function": "one CREATE FUNCTION statement",
    "procedure": "one CREATE PROCEDURE statement",
    "aggregate": "one CREATE AGGREGATE statement",
    "trigger": "one CREATE TRIGGER statement",
    "rule": "one CREATE RULE statement",
}

KINDS: tuple[str, ...] = (*_SLOTS, *_STATEMENTS)


def _parse(sql: str) -> tuple[Any, ...]:
    from pglast import parse_sql
    return tuple(parse_sql(sql))


def _parse_error(exc: Exception, what: str) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return f"not {what}: PostgreSQL's parser reports {text}"


def _frame(sql: str, empty: Callable[[Any], None]) -> Any | None:
    """The statement ``sql`` parses to with its slot emptied; ``None`` when the text did not
    produce exactly one statement with that slot."""
    stmts = _parse(sql)
    if len(stmts) != 1:
        return None
    stmt = stmts[0].stmt
    try:
        empty(stmt)
    except (AttributeError, IndexError, TypeError):
        return None
    return stmt


@functools.cache
def _template_frame(kind: str) -> Any:
    template, placeholder, empty, _, _ = _SLOTS[kind]
    return _frame(template.format(placeholder), empty)


def _slot_problem(kind: str, text: str) -> str | None:
    from pglast.parser import ParseError
    template, _, empty, what, _ = _SLOTS[kind]
    try:
        frame = _frame(template.format(text), empty)
    except ParseError as exc:
        return _parse_error(exc, what)
    if frame is None or frame != _template_frame(kind):
        return f"not {what}: the text around it would become SQL of its own"
    return None


def _name_problem(names: tuple[Any, ...] | None, schema: str, name: str,
                  what: str) -> str | None:
    """The statement must create the object the design lists (not another one)."""
    parts = [getattr(n, "sval", None) for n in names or ()]
    wanted = [name] if schema == "public" else [schema, name]
    if parts in (wanted, [schema, name]):
        return None
    shown = ".".join(str(p) for p in parts)
    return (f"the statement creates {what} {shown!r}, but the design lists it as "
            f"{_label(schema, name)!r}")


def _statement_problem(kind: str, text: str, schema: str | None, name: str | None,
                       table: str | None) -> str | None:
    from pglast import ast
    from pglast.parser import ParseError
    try:
        if kind == "pattern":
            from .query import parse_pattern  # what the benchmarks send: :name becomes $n
            stmts = tuple(parse_pattern(text).statements)
        else:
            stmts = tuple(raw.stmt for raw in _parse(text))
    except ParseError as exc:
        return _parse_error(exc, _STATEMENTS[kind])
    if len(stmts) != 1:
        return f"{len(stmts)} statements, not {_STATEMENTS[kind]}"
    stmt = stmts[0]
    found = f"a {type(stmt).__name__} statement"
    if getattr(stmt, "intoClause", None) is not None:
        found = "SELECT … INTO, which creates a table"
    if kind in ("view", "pattern"):
        allowed = (ast.SelectStmt,) if kind == "view" else (
            ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)
        if not isinstance(stmt, allowed) or getattr(stmt, "intoClause", None) is not None:
            return f"{found}, not {_STATEMENTS[kind]}"
        return None
    assert schema is not None and name is not None
    if kind in ("function", "procedure"):
        if not isinstance(stmt, ast.CreateFunctionStmt) or bool(stmt.is_procedure) != (
                kind == "procedure"):
            shown = ("CREATE PROCEDURE" if getattr(stmt, "is_procedure", False)
                     else "CREATE FUNCTION" if isinstance(stmt, ast.CreateFunctionStmt)
                     else found)
            return f"{shown}, not {_STATEMENTS[kind]}"
        return _name_problem(stmt.funcname, schema, name, kind)
    if kind == "aggregate":
        from pglast.enums import ObjectType
        if not isinstance(stmt, ast.DefineStmt) or stmt.kind != ObjectType.OBJECT_AGGREGATE:
            return f"{found}, not {_STATEMENTS[kind]}"
        return _name_problem(stmt.defnames, schema, name, kind)
    if kind == "rule":
        return _rule_problem(stmt, found, schema, name, table)
    # a trigger: its own name, on the table the design says
    if not isinstance(stmt, ast.CreateTrigStmt):
        return f"{found}, not {_STATEMENTS[kind]}"
    if stmt.trigname != name:
        return (f"the statement creates trigger {stmt.trigname!r}, but the design lists it as "
                f"{name!r}")
    rel = stmt.relation
    if rel.relname != table or rel.schemaname not in (None, schema):
        on = f"{rel.schemaname}.{rel.relname}" if rel.schemaname else rel.relname
        return (f"the statement is on {on!r}, but the design lists the trigger on "
                f"{_label(schema, table)!r}")
    if rel.schemaname is None and schema != "public":
        return (f"the statement names table {rel.relname!r} without its schema {schema!r} "
                "(the design's scripts run with search_path = public)")
    return None


def _rule_problem(stmt: Any, found: str, schema: str, name: str, table: str | None
                  ) -> str | None:
    """A rule: its own name, on the table (or view) the design says."""
    from pglast import ast
    if not isinstance(stmt, ast.RuleStmt):
        return f"{found}, not {_STATEMENTS['rule']}"
    if stmt.rulename != name:
        return (f"the statement creates rule {stmt.rulename!r}, but the design lists it as "
                f"{name!r}")
    rel = stmt.relation
    if rel.relname != table or rel.schemaname not in (None, schema) or (
            rel.schemaname is None and schema != "public"):
        on = f"{rel.schemaname}.{rel.relname}" if rel.schemaname else rel.relname
        return (f"the statement is on {on!r}, but the design lists the rule on "
                f"{_label(schema, str(table))!r}")
    return None


def _trailing_comment(text: str) -> bool:
    """True when a ``--`` comment runs to the end of ``text`` (which is already parsed)."""
    from pglast.parser import scan
    last = len(text) - 1
    return any(t.name == "SQL_COMMENT" and t.end >= last for t in scan(text))


def sql_problem(kind: str, text: object, schema: str | None = None, name: str | None = None,
                table: str | None = None) -> tuple[str, str] | None:
    """Why ``text`` is not exactly one fragment of ``kind`` (see :data:`KINDS`), as
    ``(message, fix)``; ``None`` when it is. Routine and trigger kinds also need the object's
    ``schema`` and ``name`` (and a trigger's ``table``), which the statement must match."""
    if not isinstance(text, str):
        return f"expected SQL text, got {text!r}", _fix(kind)
    if kind in ("collation", "opclass") and text.strip():
        # checked as the renderers write them: an unquoted name is quoted part by part
        from .names import sql_name
        text = sql_name(text.strip())
    return _text_problem(kind, text.strip(), schema, name, table)


def _fix(kind: str) -> str:
    what = _SLOTS[kind][3] if kind in _SLOTS else _STATEMENTS[kind]
    example = f" such as {_SLOTS[kind][4]}" if kind in _SLOTS else ""
    return f"write {what}{example}, with nothing before or after it"


@functools.lru_cache(maxsize=65536)
def _text_problem(kind: str, text: str, schema: str | None, name: str | None,
                  table: str | None) -> tuple[str, str] | None:
    # cached on the text: the studio re-validates on every keystroke
    fix = _fix(kind)
    if not text:
        return "the SQL is empty", fix
    if "\x00" in text:
        return "the SQL contains a NUL byte", fix
    if kind in _SLOTS:
        found = _slot_problem(kind, text)
    else:
        found = _statement_problem(kind, text, schema, name, table)
    if found is None and "--" in text and _trailing_comment(text):
        what = _SLOTS[kind][3] if kind in _SLOTS else _STATEMENTS[kind]
        found = (f"not {what} on its own: a -- comment runs to its end and would swallow "
                 "the SQL the kit writes after it")
        fix = "end the comment with a line break, use /* … */, or remove it"
    return None if found is None else (found, fix)


# --------------------------------------------------------------------------- the design's fragments

Fragment = tuple[str, str, object, dict[str, str]]  # (path, kind, text, statement context)


def _index(path: str, ix: Index) -> Iterator[Fragment]:
    for j, key in enumerate(ix.keys):
        kp = f"{path}.keys[{j}]"
        if key.expression:
            yield f"{kp}.expression", "expression", key.column, {}
        if key.collation is not None:
            yield f"{kp}.collation", "collation", key.collation, {}
        if key.opclass is not None:
            yield f"{kp}.opclass", "opclass", key.opclass, {}
    if ix.where is not None:
        yield f"{path}.where", "expression", ix.where, {}
    for option in ix.options:
        yield f"{path}.options", "option", option, {}


def _is_expression_key(text: object) -> bool:
    # partition keys and exclusion elements are a column name (quoted by the renderer) or a
    # parenthesised expression (pasted as written)
    return not isinstance(text, str) or text.lstrip().startswith("(")


def fragments(design: Design) -> Iterator[Fragment]:
    """Every SQL fragment of ``design``: its path (as validation problems name it), its kind,
    its text and, for statements, the object it must create."""
    d = design
    for t in d.tables:
        tp = _label(t.schema, t.name)
        for c in t.columns:
            cp = f"{tp}.{c.name}"
            if c.default is not None:
                yield f"{cp}.default", "expression", c.default, {}
            if c.generated is not None:
                yield f"{cp}.generated", "expression", c.generated, {}
            if c.collation is not None:
                yield f"{cp}.collation", "collation", c.collation, {}
            for option in c.options:
                yield f"{cp}.options", "option", option, {}
        for i, chk in enumerate(t.checks):
            yield f"{tp}.checks[{i}].expression", "expression", chk.expression, {}
        for i, ex in enumerate(t.exclusions):
            xp = f"{tp}.exclusions[{i}]"
            for j, el in enumerate(ex.elements):
                ep = f"{xp}.elements[{j}]"
                if _is_expression_key(el.expression):
                    yield f"{ep}.expression", "expression", el.expression, {}
                yield f"{ep}.operator", "operator", el.operator, {}
                if el.opclass is not None:
                    yield f"{ep}.opclass", "opclass", el.opclass, {}
            if ex.where is not None:
                yield f"{xp}.where", "expression", ex.where, {}
        for ix in t.indexes:
            yield from _index(f"{tp}.indexes.{ix.name}", ix)
        if t.partition_by is not None:
            for j, key in enumerate(t.partition_by.keys):
                if _is_expression_key(key):
                    yield f"{tp}.partition_by.keys[{j}]", "expression", key, {}
        if t.partition_bound is not None:
            yield (f"{tp}.partition_bound", "partition_bound",
                   t.partition_bound.strip().rstrip(";") if isinstance(t.partition_bound, str)
                   else t.partition_bound, {})
        for option in t.options:
            yield f"{tp}.options", "option", option, {}
        for p in t.policies:
            pp = f"{tp}.policies.{p.name}"
            if p.using is not None:
                yield f"{pp}.using", "expression", p.using, {}
            if p.with_check is not None:
                yield f"{pp}.with_check", "expression", p.with_check, {}
    for dom in d.domains:
        dp = f"domains.{_label(dom.schema, dom.name)}"
        if dom.default is not None:
            yield f"{dp}.default", "expression", dom.default, {}
        for i, chk in enumerate(dom.checks):
            yield f"{dp}.checks[{i}].expression", "expression", chk.expression, {}
        if dom.collation is not None:
            yield f"{dp}.collation", "collation", dom.collation, {}
    for v in d.views:
        vp = f"views.{_label(v.schema, v.name)}"
        query = v.query.strip().rstrip(";") if isinstance(v.query, str) else v.query
        yield f"{vp}.query", "view", query, {}
        for option in v.options:
            yield f"{vp}.options", "option", option, {}
        for ix in v.indexes:
            yield from _index(f"{vp}.indexes.{ix.name}", ix)
    for r in d.routines:
        yield from _routine(r)
    for tr in d.triggers:
        yield from _trigger(tr)
    for q in d.queries:
        yield f"queries.{q.name}.sql", "pattern", q.sql, {}
    yield from _more_kinds(d)


def _more_kinds(d: Design) -> Iterator[Fragment]:
    """Range types, casts and rules (:mod:`pgarch_kit.model.objects`)."""
    for rg in d.ranges:
        rp = f"ranges.{_label(rg.schema, rg.name)}"
        yield f"{rp}.subtype", "type", rg.subtype, {}
        if rg.subtype_opclass is not None:
            yield f"{rp}.subtype_opclass", "opclass", rg.subtype_opclass, {}
        if rg.collation is not None:
            yield f"{rp}.collation", "collation", rg.collation, {}
    for i, c in enumerate(d.casts):
        yield f"casts[{i}].source", "type", c.source, {}
        yield f"casts[{i}].target", "type", c.target, {}
        if c.signature is not None and (not isinstance(c.signature, str)
                                        or c.signature.strip()):
            yield f"casts[{i}].signature", "signature:function", c.signature, {}
    for ru in d.rules:
        yield (f"rules.{_label(ru.schema, ru.name)}.definition", "rule", ru.definition,
               {"schema": ru.schema, "name": ru.name, "table": ru.table})


_ROUTINE_KINDS = ("function", "procedure", "aggregate")


def _routine(r: Routine) -> Iterator[Fragment]:
    rp = f"routines.{_label(r.schema, r.name)}"
    if r.kind not in _ROUTINE_KINDS:
        return  # reported by _pasted_words: the definition cannot be checked against it
    yield f"{rp}.definition", r.kind, r.definition, {"schema": r.schema, "name": r.name}
    yield f"{rp}.signature", f"signature:{r.kind}", r.signature, {}


def _trigger(tr: Trigger) -> Iterator[Fragment]:
    yield (f"triggers.{_label(tr.schema, tr.name)}.definition", "trigger", tr.definition,
           {"schema": tr.schema, "name": tr.name, "table": tr.table})


def _pasted_words(design: Design) -> Iterator[Problem]:
    """Choices and numbers the renderers paste as written (``WITH LOCAL CHECK OPTION``,
    ``COMMENT ON FUNCTION``, ``START WITH 1``). The design file reader only lets valid ones
    through; a design built in Python is checked here."""
    for r in design.routines:
        if r.kind not in _ROUTINE_KINDS:
            yield Problem(f"routines.{_label(r.schema, r.name)}.kind",
                          f"kind {r.kind!r} is not a routine kind",
                          f"use one of {', '.join(_ROUTINE_KINDS)}")
    for v in design.views:
        if v.check_option not in (None, "local", "cascaded"):
            yield Problem(f"views.{_label(v.schema, v.name)}.check_option",
                          f"check_option {v.check_option!r} is unknown",
                          "use local or cascaded, or leave it out")
    for seq in design.sequences:
        yield from _whole_numbers(f"sequences.{_label(seq.schema, seq.name)}", seq,
                                  ("start", "increment", "min_value", "max_value", "cache"))
    for t in design.tables:
        for c in t.columns:
            yield from _column_words(f"{_label(t.schema, t.name)}.{c.name}", c)
        for ix in t.indexes:
            yield from _key_statistics(f"{_label(t.schema, t.name)}.indexes.{ix.name}", ix)
    for v in design.views:
        for ix in v.indexes:
            yield from _key_statistics(f"views.{_label(v.schema, v.name)}.indexes.{ix.name}",
                                       ix)


def _whole_numbers(path: str, obj: object, attrs: tuple[str, ...]) -> Iterator[Problem]:
    for attr in attrs:
        value = getattr(obj, attr)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            yield Problem(f"{path}.{attr}", f"{attr} must be a whole number, got {value!r}",
                          f"write e.g. `{attr}: 1`")


def _column_words(path: str, c: Column) -> Iterator[Problem]:
    """SET STORAGE / COMPRESSION / STATISTICS and the identity sequence's numbers."""
    if c.storage is not None and c.storage not in STORAGE_KINDS:
        yield Problem(f"{path}.storage", f"storage {c.storage!r} is unknown",
                      f"use one of {', '.join(STORAGE_KINDS)}")
    if c.compression is not None and c.compression not in COMPRESSION_METHODS:
        yield Problem(f"{path}.compression", f"compression {c.compression!r} is unknown",
                      f"use one of {', '.join(COMPRESSION_METHODS)}")
    if c.statistics is not None and (not isinstance(c.statistics, int)
                                     or isinstance(c.statistics, bool)
                                     or not 0 <= c.statistics <= 10000):
        yield Problem(f"{path}.statistics", f"statistics target {c.statistics!r} is outside "
                      "0..10000", "write e.g. `statistics: 1000`, or leave it out for the "
                      "server's default")
    if c.identity_options is not None:
        yield from _whole_numbers(f"{path}.identity_options", c.identity_options,
                                  ("start", "increment", "min_value", "max_value", "cache"))


def _key_statistics(path: str, ix: Index) -> Iterator[Problem]:
    for j, k in enumerate(ix.keys):
        value = k.statistics
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 0 <= value <= 10000):
            yield Problem(f"{path}.keys[{j}].statistics", f"statistics target {value!r} is "
                          "outside 0..10000", "write e.g. `statistics: 1000`")


def fragment_problems(design: Design) -> Iterator[Problem]:
    """A validation problem for every fragment that is not exactly one of its kind."""
    yield from _pasted_words(design)
    for path, kind, text, context in fragments(design):
        if kind.startswith("signature:") and isinstance(text, str) and not text.strip():
            continue  # an empty argument list is legitimate: f()
        found = sql_problem(kind, text, **context)
        if found is not None:
            message, fix = found
            yield Problem(path, message, fix)


def check_fragments(design: Design) -> Design:
    """``design`` unchanged when every SQL fragment is one of its kind; otherwise
    :class:`DesignError` listing them. Paths that run a design's SQL call this (or the full
    :func:`~pgarch_kit.model.validate.check`) first, whoever built the design."""
    problems = list(fragment_problems(design))
    if problems:
        raise DesignError(problems, source=f"design {design.name!r}")
    return design
