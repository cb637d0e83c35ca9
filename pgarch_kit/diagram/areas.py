"""Subject areas of a large design: the groups of tables an overview diagram draws as boxes,
and that each get a diagram of their own.

A 400-table schema drawn whole is a picture nobody can read (markers a few pixels high, edges
merged into bands), so large designs are cut into areas a person can take in:

* **Schemas** when the tables live in more than one: a schema is the designer's own grouping.
* **Foreign-key communities** within a schema (the only one, or one too large for a single
  readable diagram): Louvain modularity (networkx) finds groups of tables more tightly linked
  to each other than to the rest. An area still too large is split again the same way.
  A community is named after its hub, the table with the most foreign keys inside it.
* Tables outside any group of :data:`MIN_AREA_TABLES` linked tables (no foreign keys, or a
  pair linked only to each other) are gathered into "standalone" areas, cut alphabetically
  into pieces of at most ``max_tables`` so they stay drawable as a grid.

Every drawn table (partitions are folded into their root, as in every diagram) is in exactly
one area, and every foreign key between two areas is counted in exactly one
:class:`AreaLink` (child area → parent area). The result is deterministic: the same design
gives the same areas (Louvain runs with a fixed seed over the tables in design order).

Area names come from table and schema names, so they are untrusted text: writers escape them,
and :attr:`Area.slug` is a file-name-safe form (ASCII letters, digits, ``_`` and ``-``) that is
unique within the design even across case-insensitive file systems.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pgarch_kit.model.design import Design
from pgarch_kit.model.graph import TableKey

from .errors import DiagramError
from .subset import drawn_fks, folded_tables

__all__ = [
    "MAX_AREA_TABLES", "MIN_AREA_TABLES", "OVERVIEW_AT", "Area", "AreaLink", "SubjectAreas",
    "subject_areas",
]

OVERVIEW_AT = 100      # designs with this many drawn tables get an overview by default
MAX_AREA_TABLES = 40   # about what one diagram shows legibly at 100% zoom
MIN_AREA_TABLES = 3    # smaller FK groups join a neighbour or the standalone tables
_SEED = 20240613       # any fixed seed: the same design must give the same areas
_TOP = 3               # hub tables named in an overview box


@dataclass(frozen=True)
class Area:
    """A group of tables. ``name`` is for people (untrusted: escape it), ``slug`` for file
    names; ``tables`` are root table keys in design order, ``top`` the tables with the most
    foreign keys (either way), ``kind`` is "schema", "community" or "standalone"."""
    name: str
    slug: str
    kind: str
    schema: str
    tables: tuple[TableKey, ...]
    top: tuple[TableKey, ...]


@dataclass(frozen=True)
class AreaLink:
    """``fks`` foreign keys declared in area ``child`` reference tables in area ``parent``
    (both slugs)."""
    child: str
    parent: str
    fks: int


@dataclass(frozen=True)
class SubjectAreas:
    """A design cut into areas (largest first) and the links between them."""
    areas: tuple[Area, ...]
    links: tuple[AreaLink, ...]

    def area(self, name: str) -> Area:
        """The area called ``name`` (its slug, or its name); a :class:`DiagramError` naming
        close matches when there is none."""
        for a in self.areas:
            if name in (a.slug, a.name):
                return a
        folded = [a for a in self.areas if name.lower() in (a.slug.lower(), a.name.lower())]
        if len(folded) == 1:
            return folded[0]
        slugs = [a.slug for a in self.areas]
        close = difflib.get_close_matches(name, slugs, n=3)
        hint = (f"did you mean {', '.join(repr(c) for c in close)}?" if close
                else f"the areas are: {', '.join(slugs[:12])}{' …' if len(slugs) > 12 else ''}")
        raise DiagramError(f"the design has no subject area {name!r} ({hint})")

    def area_of(self, key: TableKey) -> Area:
        """The area holding the (root) table ``key``."""
        for a in self.areas:
            if key in a.tables:
                return a
        raise DiagramError(f"table {key[0]}.{key[1]} is in no subject area")


def subject_areas(design: Design, *, max_tables: int = MAX_AREA_TABLES) -> SubjectAreas:
    """Cut ``design`` into subject areas of at most about ``max_tables`` tables each (see the
    module docstring for how)."""
    if max_tables < MIN_AREA_TABLES:
        raise DiagramError(f"max_tables must be at least {MIN_AREA_TABLES}, not {max_tables}")
    roots = [t.key for t in folded_tables(design)]
    order = {k: i for i, k in enumerate(roots)}
    pairs = [(c, p) for _t, _fk, c, p in drawn_fks(design) if c != p]
    schemas = list(dict.fromkeys(k[0] for k in roots))
    multi = len(schemas) > 1

    # (kind, schema, name parts, display name, tables) before naming and slugging
    raw: list[tuple[str, str, tuple[str, ...], str, list[TableKey]]] = []
    for schema in schemas:
        members = [k for k in roots if k[0] == schema]
        if multi and len(members) <= max_tables:
            raw.append(("schema", schema, (schema,), schema, members))
            continue
        groups, loose = _communities(members, pairs, max_tables)
        degree = _degrees(pairs)
        prefix = (schema,) if multi else ()
        for g in groups:
            hub = max(g, key=lambda k: (_inner(k, g, pairs), degree[k], -order[k]))
            raw.append(("community", schema, (*prefix, hub[1]), ": ".join((*prefix, hub[1])),
                        g))
        chunks = _chunks(sorted(loose, key=lambda k: (k[1], order[k])), max_tables)
        for i, chunk in enumerate(chunks, start=1):
            num = (str(i),) if len(chunks) > 1 else ()
            text = " ".join(("standalone tables", *num))
            raw.append(("standalone", schema, (*prefix, "standalone", *num),
                        f"{schema}: {text}" if multi else text, chunk))

    degree = _degrees(pairs)
    raw.sort(key=lambda r: (r[0] == "standalone", -len(r[4]), min(order[k] for k in r[4])))
    names = _unique([r[3] for r in raw])
    slugs = _slugs([r[2] for r in raw])
    areas = tuple(
        Area(name=name, slug=slug, kind=kind, schema=schema,
             tables=tuple(sorted(members, key=order.__getitem__)),
             top=tuple(sorted(members, key=lambda k: (-degree[k], order[k]))[:_TOP]))
        for (kind, schema, _parts, _name, members), name, slug in zip(raw, names, slugs))
    return SubjectAreas(areas, _links(areas, pairs))


def _degrees(pairs: Sequence[tuple[TableKey, TableKey]]) -> Counter[TableKey]:
    degree: Counter[TableKey] = Counter()
    for c, p in pairs:
        degree[c] += 1
        degree[p] += 1
    return degree


def _inner(key: TableKey, group: Iterable[TableKey],
           pairs: Sequence[tuple[TableKey, TableKey]]) -> int:
    inside = set(group)
    return sum(1 for c, p in pairs if (c == key and p in inside) or (p == key and c in inside))


def _communities(members: list[TableKey], pairs: Sequence[tuple[TableKey, TableKey]],
                 max_tables: int) -> tuple[list[list[TableKey]], list[TableKey]]:
    """FK communities among ``members`` (each of at least MIN_AREA_TABLES tables, in design
    order) and the tables left over (in no community)."""
    import networkx as nx  # imported here: `import pgarch_kit` stays fast

    # Nodes are positions in design order, not (schema, name) tuples: Louvain iterates over
    # sets of nodes, and string hashes change between runs while small ints' do not.
    index = {k: i for i, k in enumerate(members)}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(members)))
    for c, p in pairs:
        if c in index and p in index:
            a, b = index[c], index[p]
            w = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=w + 1)

    def split(nodes: list[int]) -> list[list[int]]:
        found = nx.community.louvain_communities(graph.subgraph(nodes), weight="weight",
                                                 seed=_SEED)
        parts = sorted(sorted(s) for s in found)
        if len(parts) == 1:
            return parts  # cannot be cut further (a star, a clique): keep it whole
        return [q for part in parts
                for q in (split(part) if len(part) > max_tables else [part])]

    linked = [i for i in graph if graph.degree(i) > 0]
    groups = split(linked) if linked else []
    big = [g for g in groups if len(g) >= MIN_AREA_TABLES]
    loose = [i for i in graph if graph.degree(i) == 0]
    # A small group joins the big group it shares the most foreign keys with, if any.
    home = {k: i for i, g in enumerate(big) for k in g}
    for g in groups:
        if len(g) >= MIN_AREA_TABLES:
            continue
        ties: Counter[int] = Counter()
        for k in g:
            for nb, data in graph[k].items():
                if nb in home:
                    ties[home[nb]] += data["weight"]
        if ties:
            best = min(ties, key=lambda i: (-ties[i], i))
            big[best] = big[best] + g
        else:
            loose += g
    big = _merge(big, graph, max_tables)
    return ([[members[i] for i in sorted(g)] for g in big],
            [members[i] for i in sorted(loose)])


def _merge(groups: list[list[int]], graph: Any, max_tables: int) -> list[list[int]]:
    """Join linked groups while the result fits in ``max_tables``, best modularity gain first.

    Splitting a too-large community again cuts it into many small pieces (Louvain maximises
    modularity, not size); putting the closest pieces back together up to the size limit
    gives fewer, fuller areas and so fewer links for the overview to draw."""
    groups = [list(g) for g in groups]
    total = graph.size(weight="weight") or 1
    while True:
        home = {k: i for i, g in enumerate(groups) for k in g}
        between: Counter[tuple[int, int]] = Counter()
        for a, b, data in graph.edges(data=True):
            i, j = home.get(a), home.get(b)
            if i is not None and j is not None and i != j:
                between[(min(i, j), max(i, j))] += data["weight"]
        deg = [sum(d for _k, d in graph.degree(g, weight="weight"))
               for g in groups]
        best, gain = None, 0.0
        for (i, j), w in sorted(between.items()):
            if len(groups[i]) + len(groups[j]) > max_tables:
                continue
            dq = w / total - deg[i] * deg[j] / (2 * total * total)
            if dq > gain:
                best, gain = (i, j), dq
        if best is None:
            return groups
        i, j = best
        groups[i] = groups[i] + groups[j]
        del groups[j]


def _chunks(keys: list[TableKey], size: int) -> list[list[TableKey]]:
    """``keys`` cut into the fewest pieces of at most ``size``, of nearly equal length."""
    if not keys:
        return []
    n = -(-len(keys) // size)
    step = -(-len(keys) // n)
    return [keys[i:i + step] for i in range(0, len(keys), step)]


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for n in names:
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")
_PART = 40  # characters kept of each name part


def _slugs(all_parts: list[tuple[str, ...]]) -> list[str]:
    """File-name-safe, unique slugs. A part that had to change (characters outside
    ``[A-Za-z0-9_]``, too long) and slugs equal but for case get a short hash of the exact
    name, so two different names never share a file, on any file system."""
    bases, lossy = [], []
    for parts in all_parts:
        clean = [(_UNSAFE.sub("-", p).strip("-") or "x")[:_PART] for p in parts]
        bases.append("-".join(clean))
        lossy.append(clean != list(parts))
    folded = Counter(b.lower() for b in bases)
    out = []
    for parts, base, changed in zip(all_parts, bases, lossy):
        if changed or folded[base.lower()] > 1:
            exact = "\x00".join(parts).encode("utf-8", "surrogatepass")
            base = f"{base}-{hashlib.sha1(exact).hexdigest()[:6]}"
        out.append(base)
    # Equal name parts (two standalone pieces cannot collide, but a hub and a schema might
    # share a name) still get distinct slugs.
    seen: Counter[str] = Counter()
    final = []
    for s in out:
        seen[s.lower()] += 1
        final.append(s if seen[s.lower()] == 1 else f"{s}-{seen[s.lower()]}")
    return final


def _links(areas: tuple[Area, ...], pairs: Sequence[tuple[TableKey, TableKey]]
           ) -> tuple[AreaLink, ...]:
    where = {k: a.slug for a in areas for k in a.tables}
    rank = {a.slug: i for i, a in enumerate(areas)}
    counts: Counter[tuple[str, str]] = Counter()
    for c, p in pairs:
        if where[c] != where[p]:
            counts[(where[c], where[p])] += 1
    return tuple(AreaLink(c, p, n) for (c, p), n in
                 sorted(counts.items(), key=lambda x: (rank[x[0][0]], rank[x[0][1]])))
