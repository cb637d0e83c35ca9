"""``pgarch export`` and ``pgarch demo``: the files a design session ends with.

Per design, in one folder: ``schema.sql`` (the first migration), ``DESIGN.md`` (the decision
document), ``er.svg``, ``plots/`` (the measured timings), ``models.py`` (SQLAlchemy classes for
the application team) and ``report.html`` (everything on one offline page with a table of
contents). Every file is written atomically: a failed export leaves the previous files, never
half-written ones. The demo adds the executed notebooks' reports, the example migration
between the two versions of the e-commerce sample (up, down, and as an Alembic revision) and
an ``index.html`` that links it all.
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgarch_kit._escape import md_code, md_text
from pgarch_kit._fileio import atomic_write_text, output_folder
from pgarch_kit.model import Design

from .report import Section, demote, lazy, write_report

__all__ = ["Export", "demo", "export_design"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Export:
    design: str
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    measured: bool = False

    def __str__(self) -> str:
        listed = ", ".join(sorted(self.files))
        return (f"{self.design}: {listed} in {self.folder} ({self.seconds:.1f}s"
                f"{', measured' if self.measured else ''})")


def export_design(design: Design, out_dir: str | Path, *, source: str | None = None,
                  measure: bool = True, scale: float = 0.02, dsn: str | None = None,
                  version: str | None = None, progress: bool = True) -> Export:
    """Write the design's final files into ``out_dir`` (see the module documentation).
    ``measure`` loads the design into its sandbox at ``scale`` and times its query patterns,
    so DESIGN.md and the report carry measurements; without it they say nothing was measured."""
    from pgarch_kit.ddl import schema_file
    from pgarch_kit.diagram import diagram as er_diagram
    from pgarch_kit.display.evidence_plots import timings_plot
    from pgarch_kit.interop import sqlalchemy_models
    from pgarch_kit.lint import lint
    from pgarch_kit.lint.checklist import checklist

    from .design_doc import design_document
    from .evidence import collect_evidence

    started = time.perf_counter()
    out = output_folder(out_dir)
    result = Export(design.name, out)
    steps = ["diagram", "advisor", "measurements", "DESIGN.md", "schema.sql", "models.py",
             "report.html"]
    bar = _bar(steps, f"export {design.name}", progress)

    def step(name: str) -> None:
        if bar is not None:
            bar.set_postfix_str(name)
            bar.update(1)

    diagram = er_diagram(design)
    result.files["er.svg"] = diagram.save(out / "er.svg")
    if diagram.is_overview:  # a large design: the overview links one file per area
        from pgarch_kit.diagram.render import area_path
        for a in diagram.areas.areas:
            result.files[area_path("er.svg", a.slug).name] = area_path(out / "er.svg", a.slug)
    step("diagram")
    findings = lint(design)
    checks = checklist(design, findings)
    step("advisor")
    evidence = None
    plots: dict[str, str] = {}
    png: bytes | None = None
    if measure and design.queries:
        evidence = collect_evidence(design, scale=scale, dsn=dsn)
        result.files["plots/timings.png"] = timings_plot(evidence, out / "plots" / "timings.png")
        png = (out / "plots" / "timings.png").read_bytes()
        plots["Query timings against the 100 ms budget"] = "plots/timings.png"
        result.measured = True
    step("measurements")
    doc = design_document(design, evidence=evidence, diagram="er.svg", plots=plots,
                          source=source)
    result.files["DESIGN.md"] = atomic_write_text(out / "DESIGN.md", doc)
    step("DESIGN.md")
    server = getattr(evidence, "server_version", None) or 180000
    schema = schema_file(design, version=version, server_version=server)
    result.files["schema.sql"] = atomic_write_text(out / "schema.sql", schema)
    step("schema.sql")
    result.files["models.py"] = atomic_write_text(out / "models.py", sqlalchemy_models(design))
    step("models.py")
    sections = _sections(design, diagram, checks, findings, evidence, png, doc, schema)
    intro = (f"Design **{md_text(design.name)}**"
             + (f" from {md_code(source)}" if source else "")
             + (f"; measured on PostgreSQL {server // 10000} at scale {scale:g}"
                if evidence is not None else "; nothing measured (export with measure=True)")
             + ". The files beside this report: `schema.sql`, `DESIGN.md`, `er.svg`, "
               "`models.py`" + (", `plots/`" if plots else "") + ".")
    result.files["report.html"] = write_report(out / "report.html",
                                               f"{design.name} — design report", intro,
                                               sections)
    step("report.html")
    if bar is not None:
        bar.close()
    result.seconds = time.perf_counter() - started
    return result


def _sections(design: Design, diagram: Any, checks: Any, findings: Any, evidence: Any,
              png: bytes | None, doc: str, schema: str) -> list[Section]:
    from pgarch_kit.production import caching_plan, isolation_plan, privacy_plan
    from pgarch_kit.scale import Machine, scale_plan
    out = [Section("ER diagram", f"{len(design.tables)} tables, crow's-foot notation.",
                   [diagram]),
           Section("Quality checklist", "", [checks]),
           Section("Advisor findings", "", [findings])]
    if evidence is not None:
        out.append(Section("Measurements", "", [evidence, *([png] if png else [])]))
    out += [Section("Scale plan", "", [lazy(lambda: scale_plan(design, Machine.this()))]),
            Section("Caching", "", [lazy(lambda: caching_plan(design))]),
            Section("Isolation levels", "", [lazy(lambda: isolation_plan(design))]),
            Section("Personal data", "", [lazy(lambda: privacy_plan(design))]),
            Section("Design decisions (DESIGN.md)", demote(_strip_title(doc), 1)),
            Section("schema.sql", "", [schema])]
    return out


def _strip_title(doc: str) -> str:
    """DESIGN.md without its title, its checklist and its diagram image: the report shows
    those itself."""
    lines = [ln for ln in doc.splitlines() if not ln.startswith("![ER diagram]")]
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    text = "\n".join(lines)
    # the checklist is the report's own section (as a table) already
    start = text.find("## Quality checklist")
    end = text.find("\n## ", start + 1)
    if start >= 0 and end > start:
        text = text[:start] + text[end + 1:]
    return text


def _bar(steps: list[str], desc: str, progress: bool) -> Any:
    if not progress:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=len(steps), desc=desc, unit="step")


# --- the demo ----------------------------------------------------------------------------

def demo(out_dir: str | Path = "exports", *, notebooks: str | Path | None = None,
         designs: str | Path | None = None, measure: bool = True, scale: float = 0.02,
         run_notebooks: bool = True, progress: bool = True) -> dict[str, Any]:
    """What ``make demo`` runs: every notebook headless (reports in ``out_dir/reports``),
    every sample design exported (``out_dir/<design>/``), the example migration, an index."""
    from pgarch_kit.model.serde import load_design

    from .notebooks import run_notebooks as run_all
    # resolved: the writers return the real paths they wrote (through symlinks), and the
    # index links them relative to this folder
    out = Path(out_dir).resolve()
    started = time.perf_counter()
    runs = run_all(notebooks or ROOT / "notebooks", out / "reports",
                   progress=progress) if run_notebooks else []
    exports = []
    for path in sorted(Path(designs or ROOT / "data" / "designs").glob("*.yaml")):
        exports.append(export_design(load_design(path), out / path.stem, source=path.name,
                                     measure=measure, scale=scale, progress=progress))
    migration = _example_migration(out / "ecommerce" / "migrations")
    index = _index(out, runs, exports, migration)
    return {"runs": runs, "exports": exports, "migration": migration, "index": index,
            "seconds": time.perf_counter() - started}


def _example_migration(folder: Path) -> dict[str, Path]:
    """ecommerce v1 → v2 as up/down scripts and an Alembic revision."""
    from dataclasses import replace

    from pgarch_kit.interop import alembic_revision
    from pgarch_kit.migrate import migration_plan
    from pgarch_kit.model.serde import load_design
    designs = ROOT / "data" / "designs"
    old = load_design(designs / "ecommerce.yaml")
    new = load_design(designs / "versions" / "ecommerce_v2.yaml")
    plan = replace(migration_plan(old, new, renames={"customers.full_name": "display_name"}),
                   old_name="ecommerce.yaml", new_name="versions/ecommerce_v2.yaml")
    files = {"up.sql": atomic_write_text(folder / "0002_ecommerce_v2.up.sql", plan.up_sql()),
             "down.sql": atomic_write_text(folder / "0002_ecommerce_v2.down.sql",
                                           plan.down_sql())}
    files["alembic"] = atomic_write_text(
        folder / "alembic_0002_ecommerce_v2.py",
        alembic_revision(plan.alembic_steps("up"), plan.alembic_steps("down"),
                         message="ecommerce v2", revision="0002", down_revision="0001"))
    return files


def _index(out: Path, runs: list, exports: list[Export], migration: dict[str, Path]) -> Path:
    def link(p: Path, text: str) -> str:
        href = Path(p).resolve().relative_to(out.resolve())
        return f'<a href="{html.escape(str(href))}">{html.escape(text)}</a>'
    items = ["<h2>Notebook reports</h2><ul>"]
    items += [f"<li>{link(r.html, r.notebook.stem)} ({r.seconds:.0f} s)</li>" for r in runs
              if r.html]
    items.append("</ul><h2>Sample designs</h2><ul>")
    for e in exports:
        files = " · ".join(link(p, name) for name, p in sorted(e.files.items()))
        items.append(f"<li><b>{html.escape(e.design)}</b>: {files}</li>")
    items.append("</ul><h2>Example migration (ecommerce v1 → v2)</h2><ul>")
    items += [f"<li>{link(p, p.name)}</li>" for p in migration.values()]
    items.append("</ul>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>pgarch_kit demo</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}</style>"
            "</head><body><h1>pgarch_kit demo</h1>" + "".join(items) + "</body></html>")
    return atomic_write_text(out / "index.html", page)
