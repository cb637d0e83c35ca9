"""The order in which user-defined types can be created: each after the types it is built on.

A domain over a composite type (``CREATE DOMAIN d AS app.timerange``), a composite with a
domain attribute, a range over a domain: PostgreSQL needs the inner type first. Types are
kept in the design's order (enums, domains, composites, ranges) wherever that already works,
so scripts only change where the old order was wrong.
"""
from __future__ import annotations

import heapq

from .design import CompositeType, Design, Domain, EnumType
from .objects import RangeType
from .types import parse_type

__all__ = ["UserType", "type_order"]

UserType = EnumType | Domain | CompositeType | RangeType


def _referenced(obj: UserType) -> list[str]:
    if isinstance(obj, Domain):
        return [obj.type]
    if isinstance(obj, CompositeType):
        return [t for _, t in obj.attributes]
    if isinstance(obj, RangeType):
        return [obj.subtype]
    return []


def type_order(design: Design) -> list[UserType]:
    """Enums, domains, composite and range types in an order PostgreSQL can create them in
    (types caught in a cycle, which PostgreSQL cannot create either, keep the design's
    order at the end)."""
    from .validate import _split_name
    nodes: list[UserType] = [*design.enums, *design.domains, *design.composites,
                             *design.ranges]
    index: dict[tuple[str, str], int] = {}
    by_name: dict[str, int] = {}
    for i, obj in enumerate(nodes):
        index.setdefault((obj.schema, obj.name), i)
        by_name.setdefault(obj.name, i)
        if isinstance(obj, RangeType):
            index.setdefault((obj.schema, obj.multirange_name), i)

    def target(text: object, schema: str) -> int | None:
        try:
            base = parse_type(text).base  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return None
        parts = _split_name(base)
        if not parts or len(parts) > 2:
            return None
        if len(parts) == 2:
            return index.get((parts[0], parts[1]))
        return index.get((schema, parts[0]), index.get(("public", parts[0]),
                                                       by_name.get(parts[0])))

    needs: list[set[int]] = []
    for i, obj in enumerate(nodes):
        deps = {j for t in _referenced(obj) if (j := target(t, obj.schema)) is not None}
        deps.discard(i)
        needs.append(deps)
    users: dict[int, list[int]] = {}
    for i, deps in enumerate(needs):
        for j in deps:
            users.setdefault(j, []).append(i)
    ready = [i for i, deps in enumerate(needs) if not deps]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users.get(i, ()):
            needs[u].discard(i)
            if not needs[u]:
                heapq.heappush(ready, u)
    done = set(order)
    order += [i for i in range(len(nodes)) if i not in done]
    return [nodes[i] for i in order]
