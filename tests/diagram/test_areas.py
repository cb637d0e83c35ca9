"""Large designs: subject areas, the overview, one diagram per area, and the command.

The corpus's largest schema (dhis2: 473 tables, 989 foreign keys, one schema) and a
multi-schema one (triggerdev) are imported once per module; the rest uses designs built in
code. Invariants are checked against foreign keys counted here, independently of the areas
code: every drawn table is in exactly one area, every foreign key between two areas is
counted in exactly one link, and the overview's numbers add up to those links.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from corpus import REALWORLD

from pgarch_kit.diagram import (
    KEEP_LINKS,
    Diagram,
    DiagramError,
    area_path,
    diagram,
    overview_dot,
    subject_areas,
    to_dot,
)
from pgarch_kit.diagram.subset import drawn_fks, folded_tables, neighbourhood
from pgarch_kit.model.design import Design
from pgarch_kit.model.serde import save_design

from .designs import clustered, shop

ROOT = Path(__file__).resolve().parents[2]
NEXT = REALWORLD / "next"
SAFE_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")
EDGE_LABEL = re.compile(r"^\s+a\d+ -- a\d+ \[.*<TD>(\d+)</TD>", re.M)
HIDDEN = re.compile(r"\+ (\d+) FKs? with (\d+) more areas?")
TABLE_NODE = re.compile(r"^\s+t\d+ \[label=", re.M)


@pytest.fixture(scope="module")
def dhis2(pg_dsn: str) -> Design:
    from pgarch_kit.db.importer import import_schema_file
    return import_schema_file(NEXT / "dhis2.sql", dsn=pg_dsn).design


@pytest.fixture(scope="module")
def triggerdev(pg_dsn: str) -> Design:
    from pgarch_kit.db.importer import import_schema_file
    return import_schema_file(NEXT / "triggerdev.sql", dsn=pg_dsn).design


def _cross_fks(design: Design, where: dict) -> Counter:
    """(child area, parent area) -> foreign keys, counted from the design's own FKs."""
    counts: Counter = Counter()
    for table in design.tables:
        for fk in table.foreign_keys:
            parent = (fk.ref_schema or table.schema, fk.ref_table)
            child = table.key
            if parent not in {t.key for t in design.tables}:
                continue
            # partitions are drawn (and grouped) as their root table
            child, parent = _root(design, child), _root(design, parent)
            if child != parent and where[child] != where[parent]:
                counts[(where[child], where[parent])] += 1
    return counts


def _root(design: Design, key: tuple[str, str]) -> tuple[str, str]:
    t = design.table(key[1], key[0])
    while t is not None and t.partition_of is not None:
        t = design.table(t.partition_of, t.schema)
    return t.key if t is not None else key


def _check_areas(design: Design, max_tables: int = 40) -> None:
    areas = subject_areas(design, max_tables=max_tables)
    roots = [t.key for t in folded_tables(design)]
    held = [k for a in areas.areas for k in a.tables]
    assert sorted(held) == sorted(roots), "every drawn table is in exactly one area"
    assert len(held) == len(set(held))
    slugs = [a.slug for a in areas.areas]
    assert all(SAFE_SLUG.match(s) for s in slugs), slugs
    assert len({s.lower() for s in slugs}) == len(slugs), "slugs unique on any file system"
    assert len({a.name for a in areas.areas}) == len(areas.areas)
    where = {k: a.slug for a in areas.areas for k in a.tables}
    links = Counter({(link.child, link.parent): link.fks for link in areas.links})
    assert links == _cross_fks(design, where), "each cross-area FK in exactly one link"
    assert all(link.child != link.parent for link in areas.links)
    # the overview draws or counts every link once
    dot = overview_dot(design, areas)
    drawn = sum(int(n) for n in EDGE_LABEL.findall(dot))
    hidden = sum(int(f) for f, _k in HIDDEN.findall(dot))
    assert hidden % 2 == 0  # a link not drawn is counted on both of its boxes
    assert drawn + hidden // 2 == sum(links.values())


# --- the largest corpus schema ------------------------------------------------------------

def test_dhis2_overview_is_bounded(dhis2: Design) -> None:
    assert len(folded_tables(dhis2)) >= 400
    d = diagram(dhis2)
    assert d.is_overview and d.areas is not None
    areas = d.areas
    # a few dozen boxes at most, each area small enough to draw, not one table per node
    assert 5 <= len(areas.areas) <= 30
    assert all(len(a.tables) <= 40 for a in areas.areas)
    assert not TABLE_NODE.search(d.dot)
    assert len(re.findall(r"^\s+a\d+ \[label=", d.dot, re.M)) == len(areas.areas)
    lines = EDGE_LABEL.findall(d.dot)
    assert len(lines) <= KEEP_LINKS * len(areas.areas)
    assert d.dot.startswith("graph overview {") and "layout=fdp" in d.dot
    assert {a.kind for a in areas.areas} <= {"community", "standalone"}  # one schema
    # the same design gives the same areas
    assert subject_areas(dhis2) == areas


def test_dhis2_areas_hold_every_table_and_count_every_fk(dhis2: Design) -> None:
    _check_areas(dhis2)
    _check_areas(dhis2, max_tables=15)


def test_dhis2_area_diagram_draws_its_tables_and_stubs(dhis2: Design) -> None:
    d = diagram(dhis2)
    assert d.areas is not None
    area = d.areas.areas[0]
    one = d.area(area.slug)
    assert not one.is_overview
    assert len(TABLE_NODE.findall(one.dot)) == len(area.tables)
    inside = set(area.tables)
    crossing = [(c, p) for _t, _fk, c, p in drawn_fks(dhis2)
                if (c in inside) != (p in inside)]
    assert crossing, "the biggest dhis2 area links to others"
    # every foreign key to or from another area is on a dashed stub line (×n when several)
    stub_lines = re.findall(r"^\s+\S+ -> \S+ \[style=dashed.*?(?:label=\"×(\d+)\")?\];$",
                            one.dot, re.M)
    assert sum(int(n) if n else 1 for n in stub_lines) == len(crossing)
    others = {d.areas.area_of(c if p in inside else p).slug for c, p in crossing}
    stubs = re.findall(r"^\s+[rc]\d+ \[label=", one.dot, re.M)
    assert len(others) <= len(stubs) <= 2 * len(others)
    assert "dashed boxes are other areas" in one.dot
    assert one.dot == to_dot(dhis2, area=area.name, areas=d.areas)  # by name or slug


def test_dhis2_focus_still_draws_the_neighbourhood(dhis2: Design) -> None:
    d = diagram(dhis2, focus="program", depth=1)
    assert not d.is_overview
    near = neighbourhood(dhis2, "program", 1)
    assert 10 < len(near) < 200
    assert len(TABLE_NODE.findall(d.dot)) == len(near)
    assert "<B>program</B>" in d.dot and "around program, 1 hop" in d.dot
    assert d.dot == to_dot(dhis2, focus="program", depth=1)


def test_dhis2_whole_on_request(dhis2: Design) -> None:
    d = diagram(dhis2, overview_at=None)
    assert not d.is_overview and d.dot == to_dot(dhis2)
    assert len(TABLE_NODE.findall(d.dot)) == len(folded_tables(dhis2))


# --- several schemas ----------------------------------------------------------------------

def test_triggerdev_areas_follow_schemas(triggerdev: Design) -> None:
    schemas = {t.schema for t in triggerdev.tables}
    assert len(schemas) == 2
    _check_areas(triggerdev)
    areas = subject_areas(triggerdev)
    for a in areas.areas:
        assert {k[0] for k in a.tables} == {a.schema}, "an area never mixes schemas"
    small = [a for a in areas.areas if a.kind == "schema"]
    assert [a.name for a in small] == ["triggerdotdev_events"]
    # the large public schema is cut into communities named after it
    assert all(a.name.startswith("public: ") for a in areas.areas if a.schema == "public")
    d = diagram(triggerdev, overview_at=50)
    assert d.is_overview and "schemas and FK communities" in d.dot
    assert not diagram(triggerdev).is_overview  # 86 tables: under the default threshold


# --- designs built in code ----------------------------------------------------------------

def test_small_designs_are_unchanged() -> None:
    d = diagram(shop())
    assert not d.is_overview and d.dot == to_dot(shop())
    assert d.areas is None and "subject areas" not in d._repr_html_()


def test_clustered_groups_become_areas() -> None:
    design = clustered()
    _check_areas(design)
    areas = subject_areas(design)
    names = {a.name for a in areas.areas}
    assert {f"hub{g}" for g in range(6)} <= names
    assert "standalone tables" in names
    assert areas.area("standalone").tables == tuple(("public", f"loose_{i:02}")
                                                      for i in range(8))
    assert sum(link.fks for link in areas.links) == 5  # hub g -> hub g-1
    assert areas.area("HUB1").name == "hub1"  # names are found whatever their case
    with pytest.raises(DiagramError, match="did you mean 'standalone'"):
        areas.area("standalon")


def test_areas_are_the_same_in_every_process(tmp_path: Path) -> None:
    """String hashing changes between interpreters; the areas must not."""
    path = tmp_path / "big.yaml"
    save_design(clustered(groups=5, size=30), path)
    code = ("import sys; from pgarch_kit.model.serde import load_design; "
            "from pgarch_kit.diagram import subject_areas; "
            "a = subject_areas(load_design(sys.argv[1])); "
            "print([(x.slug, x.tables) for x in a.areas], a.links)")
    outs = {subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                           text=True, check=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1


HOSTILE_HUBS = ["<script>alert(1)</script>", "../../etc/passwd", 'a"b\'c&d', "Users", "users",
                "x" * 70, "Ωmega table", "CON"]


def test_hostile_area_names_are_escaped_and_files_stay_put(tmp_path: Path) -> None:
    design = clustered(groups=len(HOSTILE_HUBS), size=14, hubs=HOSTILE_HUBS)
    _check_areas(design)
    d = diagram(design)
    assert d.is_overview and d.areas is not None
    names = {a.name for a in d.areas.areas}
    assert set(HOSTILE_HUBS) <= names
    slugs = {a.slug for a in d.areas.areas}
    assert "Users" not in slugs and "users" not in slugs  # equal but for case: hashed
    svg = d.svg()
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    html = d._repr_html_()
    assert "<script>" not in html and 'area="' in html
    out = d.save(tmp_path / "er.svg")
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(["er.svg", *(f"er-{s}.svg" for s in slugs)])
    assert out == tmp_path / "er.svg"
    overview = out.read_text(encoding="utf-8")
    for a in d.areas.areas:
        assert f'xlink:href="er-{a.slug}.svg"' in overview
        page = area_path(out, a.slug).read_text(encoding="utf-8")
        assert "<script>" not in page
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_area_and_focus_are_exclusive() -> None:
    with pytest.raises(DiagramError, match="not both"):
        to_dot(clustered(), area="hub1", focus="hub1")
    with pytest.raises(DiagramError, match="no subject area"):
        Diagram(clustered(), area="nowhere")


# --- the command --------------------------------------------------------------------------

def pgarch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def test_cli_writes_overview_and_areas(tmp_path: Path, dot_available: None) -> None:
    design = tmp_path / "big.yaml"
    save_design(clustered(), design)
    areas = subject_areas(clustered())
    out = tmp_path / "out" / "er.svg"
    out.parent.mkdir()
    r = pgarch("diagram", str(design), "-o", str(out))
    assert r.returncode == 0, r.stderr
    expected = {"er.svg", *(f"er-{a.slug}.svg" for a in areas.areas)}
    assert {p.name for p in out.parent.iterdir()} == expected
    assert f"{len(areas.areas)} subject areas" in r.stderr
    assert "xlink:href=\"er-hub0.svg\"" in out.read_text(encoding="utf-8")
    assert "hub0" in (out.parent / "er-hub1.svg").read_text(encoding="utf-8")  # a stub

    one = tmp_path / "hub2.dot"
    r = pgarch("diagram", str(design), "--area", "hub2", "-o", str(one))
    assert r.returncode == 0, r.stderr
    assert "subject area hub2" in one.read_text(encoding="utf-8")
    r = pgarch("diagram", str(design), "--whole")
    assert r.returncode == 0 and r.stdout.startswith("digraph er {")
    assert len(TABLE_NODE.findall(r.stdout)) == len(clustered().tables)
    r = pgarch("diagram", str(design), "--overview-at", "500")
    assert r.returncode == 0 and r.stdout.startswith("digraph er {")
    r = pgarch("diagram", str(design), "--focus", "g1_t3")
    assert r.returncode == 0 and r.stdout.startswith("digraph er {")
    assert "<B>g1_t3</B>" in r.stdout and "<B>g2_t3</B>" not in r.stdout
    r = pgarch("diagram", str(design))
    assert r.returncode == 0 and r.stdout.startswith("graph overview {")
    assert "hub3, 20 tables" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["--area", "hubx"], "did you mean"),
    (["--area", "hub1", "--focus", "hub1"], "give one of them"),
])
def test_cli_area_errors(tmp_path: Path, args: list[str], message: str) -> None:
    design = tmp_path / "big.yaml"
    save_design(clustered(), design)
    r = pgarch("diagram", str(design), *args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert message in r.stderr
