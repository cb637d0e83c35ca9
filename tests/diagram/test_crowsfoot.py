"""The crow's-foot rule: parent end from FK nullability, child end from uniqueness."""
from __future__ import annotations

from dataclasses import replace

import pytest

from pgarch_kit.diagram import ARROWHEADS, cardinality
from pgarch_kit.model.design import Column, Design, ForeignKey, Index, IndexKey, PrimaryKey, Table

from .designs import shop


def _fk(design: Design, table: str, column: str) -> tuple[Table, ForeignKey]:
    t = design.table(table)
    assert t is not None
    return t, next(fk for fk in t.foreign_keys if column in fk.columns)


def test_one_to_many_required() -> None:
    d = shop()
    assert cardinality(d, *_fk(d, "orders", "customer_id")) == ("zero_or_many", "exactly_one")


def test_one_to_many_optional() -> None:
    d = shop()
    assert cardinality(d, *_fk(d, "orders", "coupon_id")) == ("zero_or_many", "zero_or_one")


def test_one_to_one_via_unique_fk() -> None:
    d = shop()
    assert cardinality(d, *_fk(d, "profiles", "customer_id")) == ("zero_or_one", "exactly_one")


def test_self_reference() -> None:
    d = shop()
    assert cardinality(d, *_fk(d, "categories", "parent_id")) == ("zero_or_many", "zero_or_one")


def test_one_to_one_via_unique_index_but_not_partial_or_expression() -> None:
    d = shop()
    t, fk = _fk(d, "orders", "coupon_id")
    full = replace(t, indexes=(Index("u", (IndexKey("coupon_id"),), unique=True),))
    assert cardinality(d, full, fk)[0] == "zero_or_one"
    partial = replace(t, indexes=(Index("u", (IndexKey("coupon_id"),), unique=True,
                                        where="coupon_id > 0"),))
    assert cardinality(d, partial, fk)[0] == "zero_or_many"
    expr = replace(t, indexes=(Index("u", (IndexKey("(coupon_id + 1)", expression=True),),
                                     unique=True),))
    assert cardinality(d, expr, fk)[0] == "zero_or_many"


def test_fk_within_primary_key() -> None:
    """A link table: each FK is part of a composite PK, so many children; PK columns are
    NOT NULL, so each child has exactly one parent."""
    link = Table("film_actor", (Column("film_id", "int"), Column("actor_id", "int")),
                 primary_key=PrimaryKey(("film_id", "actor_id")),
                 foreign_keys=(ForeignKey(("film_id",), "film", ("id",)),))
    assert cardinality(Design("x"), link, link.foreign_keys[0]) == ("zero_or_many",
                                                                     "exactly_one")
    # a PK equal to the FK columns makes it 1:1 (film_embedding(film_id) PK + FK)
    one = replace(link, primary_key=PrimaryKey(("film_id",)))
    assert cardinality(Design("x"), one, one.foreign_keys[0])[0] == "zero_or_one"


def test_composite_fk_partly_nullable_is_optional() -> None:
    t = Table("c", (Column("a", "int", nullable=False), Column("b", "int")),
              foreign_keys=(ForeignKey(("a", "b"), "p", ("a", "b")),))
    assert cardinality(Design("x"), t, t.foreign_keys[0]) == ("zero_or_many", "zero_or_one")


@pytest.mark.parametrize(("name", "arrow"), [
    ("exactly_one", "teetee"), ("zero_or_one", "teeodot"),
    ("zero_or_many", "crowodot"), ("one_or_many", "crowtee")])
def test_arrowheads(name: str, arrow: str) -> None:
    assert ARROWHEADS[name] == arrow


def test_edges_carry_the_marks() -> None:
    from pgarch_kit.diagram import to_dot
    dot = to_dot(shop())
    # parent -> child; arrowtail at the parent, arrowhead at the child
    assert "arrowtail=teetee, arrowhead=crowodot" in dot      # orders -> customers
    assert "arrowtail=teeodot, arrowhead=crowodot" in dot     # orders -> coupons, self-ref
    assert "arrowtail=teetee, arrowhead=teeodot" in dot       # profiles 1:1


def test_partition_fk_marks_come_from_the_parent() -> None:
    """The FK declared on each partition is drawn once on the parent, with the parent's
    NOT NULL column deciding the mark (the partitions themselves list no columns)."""
    from pgarch_kit.diagram import to_dot, to_mermaid
    dot = to_dot(shop())
    edge = next(line for line in dot.splitlines() if "-> t6" in line)
    assert "arrowtail=teetee, arrowhead=crowodot" in edge
    assert 'events }o..|| customers : "customer_id"' in to_mermaid(shop())
