"""``pgarch export`` / ``pgarch migrate`` / the demo's folder, as users run them."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pgarch_kit as pk
from pgarch_kit.export.bundle import demo

ROOT = Path(__file__).resolve().parents[2]
DESIGNS = ROOT / "data" / "designs"


def pgarch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


def test_export_writes_every_file_and_keeps_old_ones_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "saas"
    r = pgarch("export", str(DESIGNS / "saas.yaml"), "-o", str(out), "--no-measure", "--quiet",
               "--version", "2.1")
    assert r.returncode == 0, r.stderr
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {"schema.sql", "DESIGN.md", "er.svg", "models.py", "report.html"}
    assert (out / "schema.sql").read_text().startswith("-- schema.sql for design 'saas' "
                                                       "(version 2.1, design sha256 ")
    assert "Nothing was measured" in (out / "DESIGN.md").read_text()
    before = {p: p.read_bytes() for p in out.iterdir()}
    # a design file with an error: a clear message, and the previous export untouched
    broken = tmp_path / "broken.yaml"
    broken.write_text((DESIGNS / "saas.yaml").read_text().replace("name: tenants",
                                                                 "name: 1tenants", 1))
    r = pgarch("export", str(broken), "-o", str(out), "--no-measure", "--quiet")
    assert r.returncode == 1 and "1tenants" in r.stderr
    assert {p: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "a temporary file was left"


def test_migrate_command_writes_up_and_down(tmp_path: Path) -> None:
    r = pgarch("migrate", str(DESIGNS / "ecommerce.yaml"),
               str(DESIGNS / "versions" / "ecommerce_v2.yaml"),
               "--rename", "customers.full_name=display_name", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    up, down = (tmp_path / "up.sql").read_text(), (tmp_path / "down.sql").read_text()
    assert "ecommerce.yaml -> ecommerce_v2.yaml" in up and "SET lock_timeout" in up
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_placed_at_brin" in up
    assert "DROP INDEX CONCURRENTLY IF EXISTS orders_placed_at_brin;" in down
    assert "drop-column" in r.stderr  # the rules' findings are shown, not hidden
    bad = pgarch("migrate", str(DESIGNS / "ecommerce.yaml"),
                 str(DESIGNS / "versions" / "ecommerce_v2.yaml"), "--rename", "full_name")
    assert bad.returncode == 2 and "TABLE.OLD=NEW" in bad.stderr


def test_demo_folder_links_everything(tmp_path: Path) -> None:
    designs = tmp_path / "designs"
    designs.mkdir()
    shutil.copy(DESIGNS / "index_lab.yaml", designs)
    done = demo(tmp_path / "exports", designs=designs, measure=False, run_notebooks=False,
                progress=False)
    index = done["index"].read_text()
    for name in ("index_lab/report.html", "index_lab/DESIGN.md", "index_lab/schema.sql",
                 "ecommerce/migrations/0002_ecommerce_v2.up.sql",
                 "ecommerce/migrations/alembic_0002_ecommerce_v2.py"):
        assert f'href="{name}"' in index, name
        assert (tmp_path / "exports" / name).is_file()


@pytest.mark.parametrize("path", sorted(DESIGNS.glob("*.yaml")), ids=lambda p: p.stem)
def test_models_of_each_sample_import(path: Path, tmp_path: Path) -> None:
    """models.py as exported is an importable module that declares every table."""
    import importlib.util
    design = pk.load_design(path)
    module = tmp_path / f"{path.stem}_models.py"
    module.write_text(pk.sqlalchemy_models(design), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(module.stem, module)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[module.stem] = mod  # SQLAlchemy resolves the annotations through it
    try:
        spec.loader.exec_module(mod)
        tables = set(mod.Base.metadata.tables)
    finally:
        del sys.modules[module.stem]
    assert {t.name if t.schema == "public" else f"{t.schema}.{t.name}"
            for t in design.tables if not t.partition_of} <= tables


def test_demo_into_a_relative_folder_links_everything(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``make demo`` passes ``-o exports``: a folder relative to the working directory, while
    the writers return the real (absolute) paths they wrote."""
    designs = tmp_path / "designs"
    designs.mkdir()
    shutil.copy(DESIGNS / "index_lab.yaml", designs)
    monkeypatch.chdir(tmp_path)
    done = demo("exports", designs=designs, measure=False, run_notebooks=False, progress=False)
    index = done["index"].read_text()
    assert 'href="index_lab/report.html"' in index
    assert 'href="ecommerce/migrations/0002_ecommerce_v2.up.sql"' in index


def test_a_large_design_exports_its_overview_and_every_area(tmp_path: Path) -> None:
    """Past the overview threshold er.svg is the overview: the area diagrams it links to are
    written beside it and listed with the export's files."""
    from corpus import REALWORLD, imported

    from pgarch_kit.export.bundle import export_design
    design = imported(REALWORLD / "synapse.sql").design  # 138 tables
    result = export_design(design, tmp_path, measure=False, progress=False)
    areas = sorted(name for name in result.files if name.startswith("er-"))
    assert len(areas) >= 2
    assert sorted(p.name for p in tmp_path.glob("er-*.svg")) == areas
    overview = (tmp_path / "er.svg").read_text()
    assert all(name in overview for name in areas)  # each box links its area's file
