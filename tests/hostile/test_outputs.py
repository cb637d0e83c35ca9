"""Hostile designs against the kit's outputs: every name, comment and description must stay text
in the language of the file it lands in (issue 15, class 4 "Outputs interpret names").

Each attack writes an output from a design that a stranger could hand over, then uses the output
the way its reader would — opens the HTML in Chromium with every request recorded, renders the
Markdown, imports the Python in a fresh interpreter, runs the SQL with the embedded psql — and
asserts that nothing happened (no dialog, no request but the file itself, no marker file) and
that the hostile text is still shown, as text.

Designs are loaded with ``check=False``: whatever validation accepts today or tomorrow, an
output must be inert for any text a design can hold.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import visit

import pgarch_kit as pk
from pgarch_kit.model.serde import loads_design

# Requests Chromium makes for itself (component updates, account probe) whatever the page;
# they are in the net log of an empty page too. Everything else there must be the report.
_BROWSER_OWN = ("https://update.googleapis.com/service/update2/",
                "http://update.googleapis.com/service/update2/",
                "https://accounts.google.com/ListAccounts")

HOSTILE = r'''
name: "shop<img src=x onerror=alert(1)>"
description: |
  Orders ![tracker](http://127.0.0.1:9/description.png) <script>alert(2)</script>
  [click me](javascript:alert(3)) <http://127.0.0.1:9/autolink> `code` and \
tables:
  - name: "customers<script>alert(4)</script>"
    comment: "<img src=x onerror=alert(5)> ![c](http://127.0.0.1:9/comment.png)"
    columns:
      - {name: id, type: bigint, identity: always}
      - name: "email`<img src=x onerror=alert(6)>`"
        type: text
        comment: "```\n</details><script>alert(7)</script>"
    primary_key: [id]
    checks:
      - {name: "chk<svg onload=alert(8)>", expression: "id > 0"}
    intent: {rows: 1000, growth_per_month: 10}
  - name: orders
    comment: "[x]: http://127.0.0.1:9/definition.png\n![x]"
    columns:
      - {name: id, type: bigint, identity: always}
      - {name: customer_id, type: bigint, nullable: false}
    primary_key: [id]
    foreign_keys:
      - columns: [customer_id]
        references: {table: "customers<script>alert(4)</script>", columns: [id]}
    indexes:
      - {name: "ix<img src=x onerror=alert(9)>", keys: [customer_id]}
    intent: {rows: 5000, growth_per_month: 100}
queries:
  - name: "latest<img src=x onerror=alert(10)>"
    sql: SELECT id FROM orders WHERE customer_id = :c ORDER BY id DESC LIMIT 10
    per_second: 10
'''


def _hostile() -> pk.Design:
    return loads_design(HOSTILE, "hostile.yaml", check=False)


def _inert_visit(page: Path, work: Path):
    seen = visit(page, work)
    # no dialog (no script ran), and no request but the page itself
    assert (seen.dialogs, seen.requests) == ((), (page.resolve().as_uri(),)), \
        f"{page.name}: dialogs {seen.dialogs}, requests {seen.requests}"
    fetched = [u for u in seen.net_log
               if not u.startswith(("file:", "data:", *_BROWSER_OWN))]
    assert fetched == [], f"Chromium's net log shows {page.name} reaching out: {fetched}"
    return seen


# --- HTML: report.html and notebooks' reports ------------------------------------------------

def test_report_html_runs_no_script_and_loads_nothing(tmp_path: Path) -> None:
    """The combined report of a design whose names, comments, description and query pattern
    carry <script>, onerror handlers and remote Markdown images: opened in Chromium, no dialog,
    no request but the file (base: alert() fires, require.js, MathJax and the description's
    image are fetched); the names are on screen as text."""
    export = pk.export_design(_hostile(), tmp_path / "out", source="hostile.yaml",
                              measure=False, progress=False)
    seen = _inert_visit(export.files["report.html"], tmp_path)
    assert "shop<img src=x onerror=alert(1)>" in seen.text
    assert "customers<script>alert(4)</script>" in seen.text
    assert "![tracker](http://127.0.0.1:9/description.png)" in seen.text


def test_notebook_report_loads_no_cdn_script(tmp_path: Path) -> None:
    """A notebook report (the HTML ``make demo`` writes per notebook) whose outputs show a
    hostile design (the advisor's findings, the diagram): no CDN script (base: require.js and
    MathJax from cdnjs), no dialog."""
    import nbformat

    from pgarch_kit.diagram import diagram
    from pgarch_kit.export.notebooks import _write_html
    design = _hostile()
    cell = nbformat.v4.new_code_cell("pk.advise(design)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": obj._repr_html_(), "text/plain": "…"})
        for obj in (pk.advise(design), diagram(design))]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 hostile"), cell])
    page = _write_html(nb, tmp_path, "99_hostile")
    seen = _inert_visit(page, tmp_path)
    assert "customers<script>alert(4)</script>" in seen.text


def test_notebook_with_a_remote_image_is_refused_by_name(tmp_path: Path) -> None:
    """A notebook the kit did not write, with a Markdown image on a remote server: exporting
    it is refused with an ExportError that names the URL (base: the report is written and
    fetches the image whenever it is opened)."""
    import nbformat

    from pgarch_kit.errors import PgArchError
    from pgarch_kit.export.notebooks import _write_html
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "A pixel: ![p](http://127.0.0.1:9/pixel.png)")])
    with pytest.raises(PgArchError, match=r"would load http://127\.0\.0\.1:9/pixel\.png "
                       r"from the network.*remove the remote image") as caught:
        _write_html(nb, tmp_path, "98_pixel")
    assert type(caught.value).__name__ == "ExportError"
    assert not (tmp_path / "98_pixel.html").exists()


# --- Markdown: DESIGN.md -----------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


_MARKDOWN_TAGS = {"h1", "h2", "h3", "h4", "h5", "p", "ul", "ol", "li", "strong", "em", "code",
                  "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "br", "hr",
                  "details", "summary", "img", "a"}


def test_design_md_renders_as_text(tmp_path: Path) -> None:
    """DESIGN.md rendered the permissive way (CommonMark + tables, raw HTML allowed, as a
    Markdown viewer without a sanitiser does): the only tags are Markdown's own, the only image
    is the kit's ER diagram, there is no link at all (base: <script>, <img onerror>, the
    remote images and a javascript: link come through)."""
    from markdown_it import MarkdownIt

    from pgarch_kit.export.design_doc import design_document
    doc = design_document(_hostile(), diagram="er.svg", source="hostile.yaml")
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(doc)
    parser = _Tags()
    parser.feed(rendered)
    stray = [(t, a) for t, a in parser.tags if t not in _MARKDOWN_TAGS
             or any(k.startswith("on") for k in a)]
    assert stray == [], stray
    assert [a for t, a in parser.tags if t == "img"] == [{"src": "er.svg", "alt": "ER diagram"}]
    assert [a for t, a in parser.tags if t == "a"] == []
    text = html.unescape(rendered)
    assert "customers<script>alert(4)</script>" in text  # shown, as text
    assert "![tracker](http://127.0.0.1:9/description.png)" in text


# --- Python: models.py and Alembic revisions --------------------------------------------------

def _payload(marker: Path) -> str:
    # four quotes: the old escaping turned the first three into \""" and left a fourth, so an
    # escaped quote was followed by three bare ones that closed the docstring
    return f'x""""; __import__("os").system("touch {marker}") #\nx = \'\'\''


def _run_import(folder: Path, module: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", f"import {module}; print({module}.__doc__)"],
                          cwd=folder, capture_output=True, text=True, timeout=120, check=False)


def test_models_py_import_runs_no_code(tmp_path: Path) -> None:
    """models.py from a design whose description closes the module docstring and calls
    os.system, with a role named ''' to swallow the rest: ``import models`` creates no marker
    and the description is in the docstring as written (base: the marker is created)."""
    from pgarch_kit.interop import sqlalchemy_models
    marker = tmp_path / "MARKER_models"
    design = loads_design(
        "name: plain\nroles: [\"'''\"]\ntables:\n  - name: t\n    columns:\n"
        "      - {name: id, type: bigint, identity: always}\n    primary_key: [id]\n",
        "x.yaml", check=False)
    from dataclasses import replace
    design = replace(design, description=_payload(marker) + "\n\\ \"\"\" \r \x0b end\"")
    (tmp_path / "models.py").write_text(sqlalchemy_models(design), encoding="utf-8")
    run = _run_import(tmp_path, "models")
    assert not marker.exists(), "importing models.py ran the design's code"
    assert run.returncode == 0, run.stderr
    assert _payload(marker) in run.stdout and "\\ \"\"\"" in run.stdout


def test_alembic_revision_import_runs_no_code(tmp_path: Path) -> None:
    """An Alembic revision whose message (a design's name, in ``pgarch migrate``) closes the
    docstring: importing the revision creates no marker (base: it does)."""
    from pgarch_kit.interop import alembic_revision
    marker = tmp_path / "MARKER_alembic"
    message = _payload(marker).replace("\n", " ") + " ''' tail\""
    source = alembic_revision([("SELECT 1", True)], [("SELECT 2", True)], message=message,
                              revision="0002", down_revision="0001")
    (tmp_path / "rev_0002.py").write_text(source, encoding="utf-8")
    run = _run_import(tmp_path, "rev_0002")
    assert not marker.exists(), "importing the revision ran the message's code"
    assert run.returncode == 0, run.stderr
    assert message in run.stdout


# --- SQL for psql: migrations and schema.sql ---------------------------------------------------

def _run_psql(path: Path, dsn: str) -> str:
    import psycopg

    from pgarch_kit.db.run_script import run_psql
    return run_psql(psycopg.conninfo.conninfo_to_dict(dsn)["dbname"], path, dsn=dsn)


def _one_table(extra_column: dict | None = None, **table: object) -> str:
    """Design text with table t (id bigint, plus ``extra_column``), values JSON-quoted."""
    cols = [{"name": "id", "type": "bigint"}] + ([extra_column] if extra_column else [])
    return json.dumps({"name": "m", "tables": [{"name": "t", "columns": cols, **table}]})


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: a marker path must fit in a 63-byte identifier."""
    folder = Path(tempfile.mkdtemp(prefix="h15", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_migration_script_runs_no_psql_meta_command(tmp_path: Path, short_dir: Path,
                                                    fresh_db: str) -> None:
    r"""A new version of a design adds a column whose name and comment hold a newline followed
    by ``\! touch MARKER`` (psql's shell escape). The up script, run with the embedded
    ``psql -f``, creates no marker and adds the column under its real name (base: the step
    title put ``\! touch`` on a comment-free line of its own and psql ran it)."""
    import psycopg

    from pgarch_kit.ddl import schema_file
    from pgarch_kit.migrate import migration_plan
    marker = short_dir / "m"
    evil = f"n\n\\! touch {marker}"
    old = loads_design(_one_table(), "m.yaml", check=False)
    new = loads_design(_one_table({"name": evil, "type": "text",
                                   "comment": f"c\r\\! touch {marker}"}), "m2.yaml", check=False)
    first, up = tmp_path / "schema.sql", tmp_path / "up.sql"
    first.write_text(schema_file(old), encoding="utf-8")
    up.write_text(migration_plan(old, new).up_sql(), encoding="utf-8")
    _run_psql(first, fresh_db)
    _run_psql(up, fresh_db)
    assert not marker.exists(), "psql ran a shell command from the migration script"
    with psycopg.connect(fresh_db) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0")]
    assert cols == ["id", evil]


def test_schema_sql_header_runs_no_psql_meta_command(tmp_path: Path, fresh_db: str) -> None:
    r"""schema.sql for a version label and a description that carry line breaks and a psql
    shell escape, and a table comment that does too: run with ``psql -f``, no marker, the
    comment stored as written (base: the version label broke the header comment onto a
    ``\!`` line)."""
    import psycopg

    from pgarch_kit.ddl import schema_file
    marker = tmp_path / "MARKER_schema"
    design = loads_design(_one_table(comment=f"c\n\\! touch {marker}"), "s.yaml", check=False)
    from dataclasses import replace
    design = replace(design, description=f"d\r\\! touch {marker}\u2028\\! touch {marker}")
    path = tmp_path / "schema.sql"
    # "#": the shell ignores what the header adds after the version label
    path.write_text(schema_file(design, version=f"2\n\\! touch {marker} #"), encoding="utf-8")
    _run_psql(path, fresh_db)
    assert not marker.exists(), "psql ran a shell command from schema.sql"
    with psycopg.connect(fresh_db) as conn:
        stored = conn.execute("SELECT obj_description('t'::regclass, 'pg_class')").fetchone()
    assert stored == (f"c\n\\! touch {marker}",)


def test_sql_from_a_design_cannot_smuggle_a_meta_command(tmp_path: Path) -> None:
    r"""A CHECK expression and a column default with a bare ``\! touch`` (not valid SQL, but a
    design file can hold it): schema.sql and the migration are refused with errors that name
    the line and the fix, and no file is written (base: both scripts were produced, and psql
    would run the shell command before the statement failed)."""
    from pgarch_kit.ddl import schema_file
    from pgarch_kit.errors import DdlError, DesignError
    from pgarch_kit.migrate import MigrationError, migration_plan
    marker = tmp_path / "MARKER_fragment"
    design = loads_design(_one_table(checks=[{"name": "c", "expression":
                                              f"id > 0\n\\! touch {marker}\n"}]),
                          "f.yaml", check=False)
    # Refused twice over: validation (one SQL expression, pgarch_kit.model.fragments) names
    # the path; the script writer's own meta-command check names the line. Either must hold.
    with pytest.raises((DdlError, DesignError)) as info:
        schema_file(design)
    message = str(info.value)
    assert "fix" in message and ("t.checks[0].expression" in message
                                 or re.search(r"line \d+: .*touch", message)), message
    new = loads_design(_one_table({"name": "v", "type": "text",
                                   "default": f"'a' \\! touch {marker}"}), "g.yaml", check=False)
    with pytest.raises((MigrationError, DesignError)) as info:
        migration_plan(loads_design(_one_table(), "m.yaml", check=False), new).up_sql()
    message = str(info.value)
    assert "t.v.default" in message or re.search(r"meta-command .*line \d+: .*touch", message)
    assert not marker.exists() and list(tmp_path.iterdir()) == []


# --- Diagram text ------------------------------------------------------------------------------

def test_mermaid_labels_stay_text_on_their_line() -> None:
    """Mermaid from a design whose foreign-key column holds a CR LF line break: the
    relationship stays on one line, its label in one quoted string (base: the CR split the
    statement, leaving the rest of the name as a line of its own)."""
    design = loads_design(
        "name: d\ntables:\n  - name: p\n    columns:\n      - {name: id, type: bigint}\n"
        "    primary_key: [id]\n  - name: c\n    columns:\n      - {name: id, type: bigint}\n"
        "      - {name: \"p_id\\r\\n<img src=x onerror=alert(1)>\", type: bigint}\n"
        "    foreign_keys:\n      - columns: [\"p_id\\r\\n<img src=x onerror=alert(1)>\"]\n"
        "        references: {table: p, columns: [id]}\n", "d.yaml", check=False)
    from pgarch_kit.diagram import to_mermaid
    text = to_mermaid(design)
    rel = [ln for ln in text.splitlines() if " : " in ln]
    assert len(rel) == 1 and rel[0].endswith('"p_id <img src=x onerror=alert(1)>"'), text
    assert "\r" not in text and text.splitlines() == text.rstrip("\n").split("\n")


# --- Query text read from a live database ------------------------------------------------------

_HOSTILE_TABLE = "orders<img src=x onerror=alert(11)>"
_HOSTILE_COMMENT = ("/* <script>alert(12)</script> ![q](http://127.0.0.1:9/query.png) "
                    "[x](javascript:alert(13)) ` */")


def test_live_import_measures_its_real_queries_and_their_text_stays_inert(
        tmp_path: Path, fresh_db: str, make_db) -> None:
    """A live database whose table name and application query carry <script>, onerror,
    a remote image and a javascript: link (pg_stat_statements keeps the query's comments):
    the import keeps the text as data under a plain name, ``pgarch export`` times the real
    queries in DESIGN.md (rows and sizes from the source beside them), the rendered Markdown
    holds only the kit's own tags, image and link, and report.html runs nothing and loads
    nothing in Chromium."""
    import psycopg

    from pgarch_kit.db.importer import import_live
    from pgarch_kit.model.names import quote_ident
    from pgarch_kit.model.serde import dump_design
    table = quote_ident(_HOSTILE_TABLE)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute(f"CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL); "
                     f"CREATE TABLE {table} (id bigint PRIMARY KEY, customer_id bigint NOT "
                     f"NULL REFERENCES customers, total numeric NOT NULL); "
                     f"INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 300) g;"
                     f"INSERT INTO {table} SELECT g, 1 + g % 300, g FROM generate_series(1, "
                     f"2000) g; ANALYZE")
        conn.execute("SELECT pg_stat_statements_reset()")
        for i in range(25):
            conn.execute(f'SELECT id, total AS "<svg onload=alert(14)>" {_HOSTILE_COMMENT} '
                         f"FROM {table} WHERE customer_id = %s", (1 + i,))
            conn.execute("SELECT email FROM customers WHERE id = %s", (1 + i,))
    design = import_live(fresh_db)
    assert {q.name for q in design.queries} == {"select_orders_img_src_x_onerror_alert_11",
                                                "select_customers"}
    hostile = next(q for q in design.queries if q.name.startswith("select_orders"))
    assert _HOSTILE_COMMENT in hostile.sql and '"<svg onload=alert(14)>"' in hostile.sql
    assert loads_design(dump_design(design), "live.yaml") == design  # data, kept as written

    export = pk.export_design(design, tmp_path / "out", measure=True, scale=0.1,
                              dsn=make_db(), progress=False)
    doc = export.files["DESIGN.md"].read_text()
    from markdown_it import MarkdownIt
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(doc)
    parser = _Tags()
    parser.feed(rendered)
    stray = [(t, a) for t, a in parser.tags if t not in _MARKDOWN_TAGS
             or any(k.startswith("on") for k in a)]
    assert stray == [], stray
    assert {a["src"] for t, a in parser.tags if t == "img"} == {"er.svg", "plots/timings.png"}
    assert {a["href"] for t, a in parser.tags if t == "a"} == {"plots/timings.png"}
    assert _HOSTILE_TABLE in html.unescape(rendered)  # shown, as text
    escaped = _HOSTILE_TABLE.replace("<", "\\<")
    assert f"| {escaped} | 2,000 | counted |" in doc  # the source's rows
    for q in design.queries:  # the real queries, timed
        row = re.search(rf"^\| {q.name} \|  \| ([0-9.]+) \| ([0-9.]+) \|", doc, re.M)
        assert row and 0 < float(row.group(1)) <= float(row.group(2)), q.name
    page = export.files["report.html"]
    seen = visit(page, tmp_path)
    # no dialog; no request but the page and the kit's own plot beside it (the report's copy
    # of DESIGN.md links it by its relative path)
    assert seen.dialogs == () and set(seen.requests) <= {
        page.resolve().as_uri(), export.files["plots/timings.png"].resolve().as_uri()}
    assert [u for u in seen.net_log if not u.startswith(("file:", "data:", *_BROWSER_OWN))] \
        == []
    assert _HOSTILE_TABLE in seen.text
