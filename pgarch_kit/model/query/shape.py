"""The shape of a query pattern: what each SELECT/UPDATE/DELETE/MERGE block reads, how it
filters (each predicate with its operator), joins, sorts and limits, and what the pattern
writes — read from the one parse of :mod:`.tree`.

Each block (subqueries, CTEs and UNION arms included) becomes a :class:`Block`; a column
reference keeps its qualifier, so a reader resolves it against that block's relations
(:meth:`Block.relation_of`). :func:`query_shape` never raises: SQL the parser refuses gives
a shape with ``error`` set and no blocks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .expr import Term, normalize, term
from .tree import (
    Parsed,
    column_ref,
    columns,
    conjuncts,
    deparse,
    nodes,
    param_numbers,
    parse_pattern,
)

__all__ = ["Relation", "Ref", "SortKey", "Predicate", "JsonbUse", "Value", "Block", "Write",
           "QueryShape", "query_shape", "predicate"]

_EQUALITY = {"="}
_RANGE = {"<", ">", "<=", ">="}
_NEGATED = {"<>", "!="}
_LIKE_OPS = {"~~": "LIKE", "~~*": "ILIKE", "!~~": "NOT LIKE", "!~~*": "NOT ILIKE"}
_PATTERN = {"LIKE", "ILIKE", "SIMILAR TO", "~", "~*"}
_PATH_OPS = ("->", "->>", "#>", "#>>")
JSONB_OPS = ("@>", "<@", "?|", "?&", "?", "@?", "@@")


@dataclass(frozen=True)
class Relation:
    """A relation of a block: ``alias`` is the alias, or the name when none was given.
    ``derived`` marks a CTE reference or a subquery/function in FROM (not a table)."""

    name: str
    schema: str | None
    alias: str
    derived: bool = False


@dataclass(frozen=True)
class Ref:
    """A column, or an expression over the columns of one relation (``lower(c.email)``):
    ``expr`` is then its normalised text; ``path`` the JSON operator (``->>`` …) when the
    expression extracts a path from the column."""

    qualifier: str | None
    column: str
    expr: str | None = None
    path: str | None = None                 # ->, ->>, #>, #>> when it reads a JSON path
    path_expr: str | None = None            # that path's normalised text (casts aside)
    sql: str = field(default="", compare=False)  # as the printer writes it (qualified)

    @property
    def key(self) -> str:
        """How an index key spelling compares with it: the column, or ``(expr)``."""
        return f"({self.expr})" if self.expr else self.column


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY key with its direction and where NULLs go (resolved: PostgreSQL puts
    them last ascending, first descending)."""

    ref: Ref
    descending: bool = False
    nulls_first: bool = False

    qualifier = property(lambda self: self.ref.qualifier)
    column = property(lambda self: self.ref.column)
    expr = property(lambda self: self.ref.expr)
    key = property(lambda self: self.ref.key)


@dataclass(frozen=True)
class Predicate:
    """One comparison of a column side (``ref``) with a value side that names no column.
    ``op``: ``=``, ``<`` …, ``IN``, ``NOT IN``, ``ANY``, ``BETWEEN``, ``LIKE``, ``ILIKE``,
    ``@>``, ``IS NULL``, ``IS TRUE`` …; ``kind``: equality, range, pattern (LIKE, regex),
    operator (JSONB, arrays, ranges, full text), null, bool, join (``other`` is the column on
    the other side), or other (negations). ``conjunct``: a top-level AND term of WHERE or a
    JOIN's ON — the terms an index can use."""

    ref: Ref
    op: str
    kind: str
    params: tuple[str, ...] = ()
    value: str | None = None            # SQL of the value side, parameters as written
    wrapped: bool = False               # a parameter inside an expression (lower(:e), '%' || :q)
    wildcards: bool = False             # the value is glued to '%' literals
    leading_wildcard: bool = False      # the LIKE pattern starts with a wildcard
    conjunct: bool = True
    other: Ref | None = None
    sql: str = ""                       # the comparison, as written
    column_sql: str = ""                # the column side, as the printer writes it
    columns: tuple[str, ...] = ()       # the columns the column side reads


@dataclass(frozen=True)
class JsonbUse:
    qualifier: str | None
    column: str
    operator: str                       # @>, ?, ->> …
    expr: str                           # normalised text of the JSON expression


@dataclass(frozen=True)
class Value:
    """A LIMIT or OFFSET: its SQL, the parameters in it, its number when constant."""

    sql: str
    params: tuple[str, ...] = ()
    constant: int | None = None


@dataclass(frozen=True)
class Block:
    """One SELECT/UPDATE/DELETE/MERGE block."""

    kind: str
    relations: tuple[Relation, ...]
    predicates: tuple[Predicate, ...] = ()
    order_by: tuple[SortKey, ...] = ()
    terms: tuple[Term, ...] = ()                  # top-level AND terms of WHERE and ON
    group_by: tuple[str, ...] = ()
    limit: Value | None = None
    offset: Value | None = None
    columns: tuple[tuple[str | None, str], ...] = ()   # every column the block names
    targets: tuple[tuple[str | None, str], ...] = ()   # columns of the SELECT list
    star: bool = False                             # SELECT * (or t.*)
    top: bool = False                              # the statement itself, not a subquery

    @property
    def equality(self) -> tuple[Ref, ...]:
        """Refs compared by ``=``, ``IN`` or ``= ANY`` (JSON paths aside: see :attr:`jsonb`)."""
        return tuple(p.ref for p in self.predicates
                     if p.conjunct and p.kind == "equality" and not p.ref.path)

    @property
    def ranges(self) -> tuple[Ref, ...]:
        return tuple(p.ref for p in self.predicates
                     if p.conjunct and p.kind == "range" and not p.ref.path)

    @property
    def joins(self) -> tuple[Ref, ...]:
        """Both columns of every ``a.x = b.y`` join condition."""
        out: list[Ref] = []
        for p in self.predicates:
            if p.conjunct and p.kind == "join" and p.other is not None:
                out += [p.ref, p.other]
        return tuple(out)

    @property
    def jsonb(self) -> tuple[JsonbUse, ...]:
        """JSONB operators applied to a column (``doc @> …``) and compared JSON paths
        (``doc ->> 'k' = …``)."""
        out = []
        for p in self.predicates:
            if not p.conjunct:
                continue
            if p.kind == "operator" and p.op in JSONB_OPS and not p.ref.expr:
                out.append(JsonbUse(p.ref.qualifier, p.ref.column, p.op, p.ref.column))
            elif p.ref.path and p.kind in ("equality", "range"):
                out.append(JsonbUse(p.ref.qualifier, p.ref.column, p.ref.path,
                                    p.ref.path_expr or ""))
        return tuple(out)

    @property
    def conjuncts(self) -> tuple[str, ...]:
        """The comparable text of each top-level AND term (see :mod:`.expr`)."""
        return tuple(t.key for t in self.terms)

    def relation_of(self, qualifier: str | None, column: str,
                    columns_of: Any = None) -> Relation | None:
        """The relation a reference belongs to: by alias, else the only relation, else the only
        one that has the column (``columns_of(relation)`` gives a relation's columns, or
        None when unknown); None when that cannot be told."""
        if qualifier:
            return next((r for r in self.relations if qualifier in (r.alias, r.name)), None)
        if len(self.relations) == 1:
            return self.relations[0]
        if columns_of is None:
            return None
        owners = [r for r in self.relations if column in (columns_of(r) or ())]
        return owners[0] if len(owners) == 1 else None


@dataclass(frozen=True)
class Write:
    relation: Relation
    verb: str                                      # INSERT, UPDATE, DELETE, MERGE


@dataclass(frozen=True)
class QueryShape:
    """Everything the kit reads from one pattern's SQL."""

    sql: str
    kind: str = ""                                 # select, insert, update, delete, merge …
    statements: int = 0
    blocks: tuple[Block, ...] = ()
    relations: tuple[Relation, ...] = ()           # the tables and views it names, in order
    writes_to: tuple[Write, ...] = ()
    locking: bool = False                          # FOR UPDATE/SHARE somewhere
    functions: frozenset[str] = frozenset()        # functions it calls (now, lower …)
    params: tuple[str, ...] = ()
    limit: Value | None = None                     # of the statement itself (UNION's too)
    offset: Value | None = None
    error: str | None = None                       # the parser's message when it refused

    @property
    def writes(self) -> bool:
        """True unless the pattern is plain reading: any data-modifying statement (CTEs
        included), a locking read, or a statement that is not a SELECT."""
        return bool(self.writes_to or self.locking or self.kind != "select"
                    or self.statements != 1)

    @property
    def read_only(self) -> bool:
        """A read a replica could answer: parsed, and nothing written or locked."""
        return self.error is None and not self.writes


# ------------------------------------------------------------------------------- reading

def _ref(node: Any) -> Ref | None:
    """A plain column, or an expression over the columns of one relation."""
    from pglast import ast
    from pglast.enums import A_Expr_Kind
    if (ref := column_ref(node)) is not None:
        return Ref(*ref, sql=deparse(node))
    cols = columns(node)
    if not cols or len({q for q, _ in cols}) != 1:
        return None
    inner = node
    while isinstance(inner, ast.TypeCast):
        inner = inner.arg
    expr = normalize(deparse(node))
    if isinstance(inner, ast.A_Expr) and inner.kind == A_Expr_Kind.AEXPR_OP and inner.name \
            and inner.name[-1].sval in _PATH_OPS and len(cols) == 1:
        return Ref(cols[0][0], cols[0][1], expr, inner.name[-1].sval,
                   normalize(deparse(inner)), deparse(node))
    return Ref(cols[0][0], cols[0][1], expr, sql=deparse(node))


def _has_wildcard(node: Any) -> bool:
    from pglast import ast
    return any(isinstance(n, ast.A_Const) and isinstance(n.val, ast.String)
               and "%" in n.val.sval for n in nodes(node))


_ARITHMETIC = {"+", "-", "*", "/", "^", "||", "|/", "||/", "&", "|", "#"}
_MIRROR = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "@>": "<@", "<@": "@>"}


def _op(node: Any) -> tuple[str, str] | None:
    """(operator, kind) of an A_Expr, or None for what is not a comparison."""
    from pglast.enums import A_Expr_Kind as K
    name = node.name[-1].sval if node.name else ""
    if node.kind == K.AEXPR_OP:
        if name in _LIKE_OPS:
            word = _LIKE_OPS[name]
            return word, "other" if word.startswith("NOT") else "pattern"
        if name in _EQUALITY:
            return name, "equality"
        if name in _RANGE:
            return name, "range"
        if name in ("~", "~*"):
            return name, "pattern"
        if name in _NEGATED or name in ("!~", "!~*") or name in _ARITHMETIC:
            return name, "other"
        return name, "operator"
    if node.kind in (K.AEXPR_OP_ANY, K.AEXPR_OP_ALL):
        equality = node.kind == K.AEXPR_OP_ANY and name == "="
        return "ANY", "equality" if equality else "other"
    if node.kind == K.AEXPR_IN:
        return ("NOT IN", "other") if name == "<>" else ("IN", "equality")
    if node.kind in (K.AEXPR_LIKE, K.AEXPR_ILIKE, K.AEXPR_SIMILAR):
        word = {K.AEXPR_LIKE: "LIKE", K.AEXPR_ILIKE: "ILIKE", K.AEXPR_SIMILAR: "SIMILAR TO"}[
            node.kind]
        return (f"NOT {word}", "other") if name.startswith("!") else (word, "pattern")
    if node.kind in (K.AEXPR_BETWEEN, K.AEXPR_BETWEEN_SYM):
        return "BETWEEN", "range"
    if node.kind in (K.AEXPR_NOT_BETWEEN, K.AEXPR_NOT_BETWEEN_SYM):
        return "NOT BETWEEN", "other"
    if node.kind == K.AEXPR_DISTINCT:
        return "IS DISTINCT FROM", "other"
    if node.kind == K.AEXPR_NOT_DISTINCT:
        return "IS NOT DISTINCT FROM", "other"
    return None


def predicate(node: Any, parsed: Parsed, conjunct: bool = True) -> Predicate | None:
    """The :class:`Predicate` of one condition node, or None when it compares no single
    relation's column with a value (or is no comparison at all)."""
    from pglast import ast
    from pglast.enums import BoolExprType, BoolTestType, NullTestType
    sql = parsed.deparse(node)
    if isinstance(node, (ast.NullTest, ast.BooleanTest)):
        if (ref := _ref(node.arg)) is None:
            return None
        if isinstance(node, ast.NullTest):
            op = "IS NULL" if node.nulltesttype == NullTestType.IS_NULL else "IS NOT NULL"
        else:
            op = "IS " + BoolTestType(node.booltesttype).name[3:].replace("_", " ")
        return Predicate(ref, op, "null" if op.endswith("NULL") else "bool",
                         conjunct=conjunct, sql=sql, column_sql=deparse(node.arg))
    if column_ref(node) is not None:                                  # WHERE active
        return Predicate(Ref(*column_ref(node), sql=sql), "IS TRUE", "bool", conjunct=conjunct,
                         sql=sql, column_sql=sql)
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.NOT_EXPR \
            and (ref := column_ref(node.args[0])) is not None:      # WHERE NOT archived
        return Predicate(Ref(*ref, sql=deparse(node.args[0])), "IS FALSE", "bool",
                         conjunct=conjunct, sql=sql,
                         column_sql=deparse(node.args[0]))
    if not isinstance(node, ast.A_Expr) or node.lexpr is None or (found := _op(node)) is None:
        return None
    op, kind = found
    sides = [(node.lexpr, node.rexpr, False)]
    if isinstance(node.rexpr, ast.Node) and op not in ("BETWEEN", "NOT BETWEEN") \
            and kind != "pattern" and not op.startswith("NOT "):
        sides.append((node.rexpr, node.lexpr, True))     # :since <= placed_at
    for col_side, value, swapped in sides:
        ref = _ref(col_side)
        if ref is None or param_numbers(col_side):
            continue
        if columns(value):
            other = _ref(value) if isinstance(value, ast.Node) else None
            if op == "=" and other is not None and not param_numbers(value) and (
                    other.qualifier != ref.qualifier or other.qualifier is None):
                return Predicate(ref, "=", "join", other=other, conjunct=conjunct, sql=sql,
                                 column_sql=deparse(col_side))
            quals = {q for q, _ in columns(value)}
            if kind not in ("operator", "pattern") or ref.qualifier is None \
                    or ref.qualifier in quals:
                return None
            # doc @> other.filter, search @@ q (a function in FROM): an index on the column
            # still answers the operator, fed one value at a time (a nested loop)
        if swapped:
            op, kind = _MIRROR.get(op, op), (kind if op in _MIRROR or op == "=" else "other")
        other = _ref(value) if columns(value) and isinstance(value, ast.Node) else None
        numbers = param_numbers(value)
        names = tuple(dict.fromkeys(parsed.name(n) for n in numbers))
        items = value if isinstance(value, (list, tuple)) else (value,)
        text = ", ".join(parsed.deparse(v) for v in items)
        wrapped = bool(numbers) and not all(isinstance(v, ast.ParamRef) for v in items)
        wildcards = _has_wildcard(value)
        leading = op in _PATTERN and (text.startswith("'%") or (
            wildcards and bool(numbers) and "'%'" in text
            and not text.lstrip("(").startswith((":", "$"))))
        return Predicate(ref, op, kind, names, text, wrapped, wildcards, leading, conjunct,
                         other, sql, deparse(col_side),
                         tuple(dict.fromkeys(c for _, c in columns(col_side))))
    return None


def _leaves(node: Any, top: bool) -> list[tuple[Any, bool]]:
    """The comparisons of a condition: its AND terms (``top``), and inside OR/NOT the
    comparisons they combine (not top: no index can use them alone)."""
    from pglast import ast
    from pglast.enums import BoolExprType
    if isinstance(node, ast.BoolExpr):
        if node.boolop == BoolExprType.AND_EXPR:
            return [x for a in node.args for x in _leaves(a, top)]
        if node.boolop == BoolExprType.NOT_EXPR and column_ref(node.args[0]) is not None:
            return [(node, top)]
        return [x for a in node.args for x in _leaves(a, False)]
    return [(node, top)]


def _value(node: Any, parsed: Parsed) -> Value | None:
    from pglast import ast
    if node is None:
        return None
    constant = None
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
        constant = node.val.ival
    elif isinstance(node, ast.A_Const) and node.isnull:
        return None                      # LIMIT NULL / LIMIT ALL: no limit
    names = tuple(dict.fromkeys(parsed.name(n) for n in param_numbers(node)))
    return Value(parsed.deparse(node), names, constant)


class _BlockReader:
    def __init__(self, parsed: Parsed, ctes: set[str]) -> None:
        self.parsed = parsed
        self.ctes = ctes

    def relations(self, item: Any, out: list[Relation], quals: list[Any]) -> None:
        from pglast import ast
        if isinstance(item, ast.RangeVar):
            alias = item.alias.aliasname if item.alias else item.relname
            cte = item.schemaname is None and item.relname in self.ctes
            out.append(Relation(item.relname, item.schemaname, alias, cte))
        elif isinstance(item, ast.JoinExpr):
            self.relations(item.larg, out, quals)
            self.relations(item.rarg, out, quals)
            quals.extend(conjuncts(item.quals))
        elif isinstance(item, (ast.RangeSubselect, ast.RangeFunction)) and item.alias:
            out.append(Relation(item.alias.aliasname, None, item.alias.aliasname, True))

    def block(self, kind: str, items: Any, where: Any, stmt: Any, top: bool) -> Block:
        from pglast import ast
        from pglast.enums import SortByDir, SortByNulls
        rels: list[Relation] = []
        quals: list[Any] = []
        for item in items or ():
            self.relations(item, rels, quals)
        terms = quals + conjuncts(where)
        preds = [p for t in terms for n, top in _leaves(t, True)
                 if (p := predicate(n, self.parsed, top)) is not None]
        targets = getattr(stmt, "targetList", None) or ()
        order = []
        for s in getattr(stmt, "sortClause", None) or ():
            ref = _ref(self._target(s.node, targets))
            if ref is None:
                continue
            desc = s.sortby_dir == SortByDir.SORTBY_DESC or (
                s.sortby_dir == SortByDir.SORTBY_USING and s.useOp
                and s.useOp[-1].sval.startswith(">"))
            nulls = {SortByNulls.SORTBY_NULLS_FIRST: True,
                     SortByNulls.SORTBY_NULLS_LAST: False}.get(s.sortby_nulls, desc)
            order.append(SortKey(ref, bool(desc), nulls))
        select = isinstance(stmt, ast.SelectStmt)
        star = select and any(isinstance(n, ast.A_Star) for n in nodes(targets))
        clauses = (targets, quals, where, getattr(stmt, "sortClause", None),
                   getattr(stmt, "groupClause", None), getattr(stmt, "havingClause", None))
        cols = tuple(dict.fromkeys(c for clause in clauses for c in columns(clause)))
        return Block(
            kind, tuple(rels), tuple(preds), tuple(order),
            tuple(term(t, self.parsed.deparse(t)) for t in terms),
            tuple(self.parsed.deparse(g) for g in getattr(stmt, "groupClause", None) or ()),
            _value(getattr(stmt, "limitCount", None), self.parsed),
            _value(getattr(stmt, "limitOffset", None), self.parsed),
            cols, tuple(dict.fromkeys(columns(targets))) if select else (), star, top)

    @staticmethod
    def _target(node: Any, targets: Any) -> Any:
        """ORDER BY 2 and ORDER BY an output alias name the select-list expression."""
        from pglast import ast
        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
            n = node.val.ival
            return targets[n - 1].val if 0 < n <= len(targets) else None
        ref = column_ref(node)
        if ref is not None and ref[0] is None:
            named = [t.val for t in targets if t.name == ref[1]]
            if len(named) == 1:
                return named[0]
        return node


def _read(parsed: Parsed) -> QueryShape:
    from pglast import ast
    from pglast.enums import SetOperation
    ctes = {n.ctename for s in parsed.statements for n in nodes(s)
            if isinstance(n, ast.CommonTableExpr)}
    reader = _BlockReader(parsed, ctes)
    blocks: list[Block] = []
    writes: list[Write] = []
    named: list[Any] = []
    functions: set[str] = set()
    locking = False
    for stmt in parsed.statements:
        for node in nodes(stmt):
            if isinstance(node, ast.SelectStmt) and node.op == SetOperation.SETOP_NONE \
                    and node.fromClause:
                blocks.append(reader.block("select", node.fromClause, node.whereClause, node,
                                           node is stmt))
            elif isinstance(node, ast.UpdateStmt):
                blocks.append(reader.block("update", (node.relation, *(node.fromClause or ())),
                                           node.whereClause, node, node is stmt))
            elif isinstance(node, ast.DeleteStmt):
                blocks.append(reader.block("delete",
                                           (node.relation, *(node.usingClause or ())),
                                           node.whereClause, node, node is stmt))
            elif isinstance(node, ast.MergeStmt):
                blocks.append(reader.block("merge", (node.relation, node.sourceRelation),
                                           node.joinCondition, node, node is stmt))
            if isinstance(node, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt,
                                 ast.MergeStmt)):
                rv = node.relation
                verb = type(node).__name__[:-4].upper()
                writes.append(Write(Relation(rv.relname, rv.schemaname,
                                             rv.alias.aliasname if rv.alias else rv.relname),
                                    verb))
            elif isinstance(node, ast.RangeVar) and not (
                    node.schemaname is None and node.relname in ctes):
                named.append(node)
            elif isinstance(node, ast.LockingClause):
                locking = True
            elif isinstance(node, ast.FuncCall):
                functions.add(node.funcname[-1].sval.lower())
            elif isinstance(node, ast.SQLValueFunction):
                functions.add(node.op.name[6:].lower())   # SVFOP_CURRENT_TIMESTAMP …
    rels: dict[tuple[str | None, str], Relation] = {}
    for rv in sorted(named, key=lambda n: n.location if n.location is not None else -1):
        rels.setdefault((rv.schemaname, rv.relname), Relation(rv.relname, rv.schemaname,
                                                               rv.relname))
    first = parsed.statements[0] if parsed.statements else None
    kind = type(first).__name__.removesuffix("Stmt").lower() if first is not None else ""
    return QueryShape(parsed.sql, kind, len(parsed.statements), tuple(blocks),
                      tuple(rels.values()), tuple(writes), locking, frozenset(functions),
                      parsed.names, _value(getattr(first, "limitCount", None), parsed),
                      _value(getattr(first, "limitOffset", None), parsed))


@lru_cache(maxsize=4096)
def query_shape(sql: str) -> QueryShape:
    """The shape of one pattern's SQL (cached; see the module docstring)."""
    from pglast.parser import ParseError
    try:
        return _read(parse_pattern(sql))
    except ParseError as exc:
        return QueryShape(sql, error=str(exc.args[0]) if exc.args else str(exc))
    except RecursionError:   # nested past what the readers walk: read nothing from it
        return QueryShape(sql, error="nested too deeply to read")
