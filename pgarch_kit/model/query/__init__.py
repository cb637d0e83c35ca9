"""Query patterns, read once: the one home of everything the kit learns from a pattern's SQL.

* :mod:`.params` — parameters (``:name`` and ``$n``, found by PostgreSQL's lexer) and the SQL
  in ``$n`` form (psycopg, EXPLAIN, the parser) and ``:name`` form (pgbench);
* :mod:`.tree` — the pattern parsed by PostgreSQL's parser (pglast), cached, and the walks
  over its tree;
* :mod:`.predicate` — one condition: the column it compares, the operator, the value;
* :mod:`.shape` — per block: relations, predicates with their operators, joins, ORDER BY with
  directions and NULLS placement, GROUP BY, LIMIT/OFFSET; per pattern: tables read and
  written, locking, functions called;
* :mod:`.uses` — what each parameter is compared with (where benchmarks draw values);
* :mod:`.expr` — expressions and conditions in comparable form (index expressions and
  partial-index predicates against the query's);
* :mod:`.serve` — whether, and how, an index serves a pattern.

The advisor, production plans, scale plans, benchmarks and the design document all read
patterns through here; none parses pattern SQL on its own.
"""
from .expr import Term, canonical_expr, implied, normalize, predicate_terms
from .params import PatternSql, pattern_params
from .predicate import Predicate, Ref
from .serve import (
    RelationUse,
    Service,
    index_key_id,
    pattern_uses,
    relation_uses,
    resolve,
    serves,
    service,
)
from .shape import (
    Block,
    JsonbUse,
    QueryShape,
    Relation,
    SortKey,
    Value,
    Write,
    query_shape,
)
from .tree import Parsed, parse_pattern
from .uses import ParamUse, param_uses

__all__ = [
    # parameters and parsing
    "PatternSql", "pattern_params", "Parsed", "parse_pattern",
    # shape
    "QueryShape", "query_shape", "Block", "Relation", "Ref", "SortKey", "Predicate",
    "JsonbUse", "Value", "Write", "ParamUse", "param_uses",
    # comparable expressions
    "Term", "normalize", "canonical_expr", "predicate_terms", "implied",
    # index service
    "RelationUse", "Service", "relation_uses", "service", "serves", "pattern_uses",
    "resolve", "index_key_id",
]
