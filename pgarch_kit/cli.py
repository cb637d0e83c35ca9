"""The ``pgarch`` command: thin subcommands over the same functions the notebooks call.

Exit codes: 0 success, 1 findings or validation failures (or another kit error, explained on
stderr), 2 usage errors (argparse's own convention, kept for every bad argument) — and, for
``pgarch lint --migration``, a script that does not parse. ``pgarch lint`` exits 1 when a
finding reaches ``--fail-on`` (default: error for a design, warning for a migration; info
never fails unless asked), as squawk exits 1 on violations.

Everything the command writes — results, errors, a crash's traceback — passes through
:func:`pgarch_kit._redact.redact` with the passwords of ``--dsn`` and ``$PGARCH_DSN``: a DSN's
secret is never printed, whichever code path happens to show the DSN.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from pgarch_kit._redact import redact
from pgarch_kit.errors import DesignError, PgArchError

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _write_or_print(text: str, output: str | None) -> None:
    if output is None:
        _out(text)
        return
    from pgarch_kit._fileio import atomic_write_text
    atomic_write_text(Path(output), text)
    print(f"wrote {output}", file=sys.stderr)


def _load_any(path: str, dsn: str | None, *, name: str | None = None,
              schemas: list[str] | None = None):
    """A design from a ``.yaml`` design file, a ``.sql`` schema (imported on the fly through
    PostgreSQL) or a ``.dbml`` file (dbdiagram.io)."""
    p = Path(path)
    if not p.exists():
        raise _Usage(f"{path}: no such file (give a .yaml design file, a .sql schema or a "
                     ".dbml file)")
    suffix = p.suffix.lower()
    if suffix == ".sql":
        from pgarch_kit.db.importer import import_schema_file
        result = import_schema_file(p, dsn=dsn, name=name, schemas=schemas, **_IMPORT_OPTIONS)
        if report := result.report():
            # A partial import still gives a design (exit 0); --strict makes a refusal fatal.
            print("\n".join(f"pgarch: {path}: {line}" for line in report.splitlines()),
                  file=sys.stderr)
        return result.design
    if suffix in (".yaml", ".yml"):
        from pgarch_kit.model.serde import load_design
        return load_design(p)
    if suffix == ".dbml":
        from pgarch_kit.interop import from_dbml
        return from_dbml(p.read_text(encoding="utf-8"), name=name or p.stem)
    raise _Usage(f"{path}: unknown file type {p.suffix!r}; "
                 "use a .yaml design file, a .sql schema or a .dbml file")


_IMPORT_OPTIONS: dict[str, object] = {}  # --strict / --timeout of the running command
_IMPORTING = ("ddl", "import", "diagram", "dbml", "lint", "seed", "time", "bench", "plan",
              "migrate", "export")


def _add_import_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("importing a .sql schema (run confined, see README)")
    group.add_argument("--strict", action="store_true",
                       help="fail (exit 1) when the import refuses any statement; by default "
                            "refused statements are listed and the rest is imported")
    group.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="time limit for the whole import (default 600)")


class _Usage(Exception):
    """A usage error discovered after parsing (exit 2)."""


# --- subcommands -------------------------------------------------------------------------

def _cmd_server(args: argparse.Namespace) -> int:
    if args.action != "reset" and (args.design is not None or args.yes):
        raise _Usage("--design and --yes belong to `pgarch server reset`")
    if args.action == "reset":
        # A facilitator's reset: show what goes, confirm on a terminal, drop, say what went.
        from pgarch_kit.db.sandbox import list_sandboxes, plan_reset, reset_sandboxes, sandbox_name
        if args.design is not None:
            try:
                sandbox_name(args.design)
            except ValueError as exc:
                raise _Usage(str(exc)) from None
        plan = plan_reset(args.design)  # an unmarked database of the design's name raises here
        if args.design is not None and not plan:
            others = ", ".join(list_sandboxes()) or "none"
            raise _Usage(f"design {args.design!r} has no sandbox ({sandbox_name(args.design)!r} "
                         f"does not exist); sandboxes on this server: {others}")
        if not plan:
            _out("nothing to reset: the server has no sandboxes and no leftover kit roles")
            return EXIT_OK
        _out("will drop:\n" + "\n".join(f"  {line}" for line in str(plan).splitlines()))
        if not args.yes:
            if not sys.stdin.isatty():
                raise _Usage("not a terminal, so nobody can confirm: pass --yes to reset anyway")
            sys.stdout.write("Drop them? Their data is gone for good. [y/N] ")
            sys.stdout.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                _out("reset cancelled: nothing dropped")
                return EXIT_FINDINGS
        done = reset_sandboxes(args.design, plan=plan)
        for dbname in done.databases:
            _out(f"dropped sandbox {dbname}")
        for role in done.roles:
            _out(f"dropped role {role}")
        for why in done.kept:
            _out(f"kept role {why}")
        if not done:
            _out("nothing dropped: it was all gone already")
        return EXIT_OK
    from pgarch_kit.db.server import Server
    server = Server()
    if args.action == "start":
        st = server.ensure_started()
    elif args.action == "stop":
        from pgarch_kit.db.redis_server import stop_redis
        server.stop()
        stop_redis()
        st = server.status()
    elif args.action == "url":
        server.ensure_started()
        _out(server.url(args.dbname) if args.sqlalchemy else server.dsn(args.dbname))
        return EXIT_OK
    else:
        st = server.status()
    if args.format == "json":
        _out(json.dumps({k: (str(v) if isinstance(v, Path) else v)
                         for k, v in asdict(st).items()}, indent=2))
    else:
        state = f"running (pid {st.pid})" if st.running else "stopped"
        _out(f"PostgreSQL {st.version}: {state}\n  data dir:   {st.data_dir}\n"
             f"  socket dir: {st.socket_dir}" + (f"\n  dsn:        {st.dsn}" if st.dsn else ""))
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from pgarch_kit.model.serde import load_design
    from pgarch_kit.model.validate import validate
    try:
        problems = list(validate(load_design(args.design)))
    except DesignError as exc:
        problems = list(exc.problems)
    if args.format == "json":
        _out(json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False))
    elif problems:
        _out(f"{args.design}: {len(problems)} problem(s)")
        for p in problems:
            _out(f"  - {p}")
    else:
        _out(f"{args.design}: valid")
    return EXIT_FINDINGS if problems else EXIT_OK


def _cmd_ddl(args: argparse.Namespace) -> int:
    from pgarch_kit.ddl import to_sql
    design = _load_any(args.design, args.dsn)
    _write_or_print(to_sql(design, server_version=args.server_version * 10000), args.output)
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from pgarch_kit.db.importer import import_live
    from pgarch_kit.model.serde import dump_design, save_design
    if args.sql and args.dsn:
        raise _Usage("give either a SQL file or --dsn, not both")
    if args.sql:
        design = _load_any(args.sql, None, name=args.name, schemas=args.schema or None)
    elif args.dsn:
        design = import_live(args.dsn, schemas=args.schema or None, name=args.name)
        if design.source is not None:  # what the intents came from, and the patterns' source
            print(f"pgarch: {design.source.summary()}\npgarch: {design.source.queries}",
                  file=sys.stderr)
    else:
        raise _Usage("nothing to import: give a SQL file (pgarch import schema.sql) "
                     "or a live database (pgarch import --dsn URL)")
    if args.output:
        save_design(design, args.output)
        print(f"wrote {args.output}: {len(design.tables)} tables, {len(design.views)} views, "
              f"{len(design.routines)} routines", file=sys.stderr)
    else:
        _out(dump_design(design))
    return EXIT_OK


def _cmd_diagram(args: argparse.Namespace) -> int:
    from pgarch_kit.diagram import DiagramError, area_path, diagram
    if args.depth is not None and args.focus is None:
        raise _Usage("--depth needs --focus TABLE")
    if args.area is not None and args.focus is not None:
        raise _Usage("--area and --focus each choose what to draw: give one of them")
    suffixes = (".svg", ".png", ".dot", ".gv", ".mmd")
    if args.output is not None and Path(args.output).suffix.lower() not in suffixes:
        raise _Usage(f"{args.output}: the suffix chooses the format; use one of "
                     f"{', '.join(suffixes)}")
    design = _load_any(args.design, args.dsn)
    try:
        d = diagram(design, detail=args.detail, direction=args.direction, focus=args.focus,
                    depth=1 if args.depth is None else args.depth, notation=args.notation,
                    area=args.area, overview_at=None if args.whole else args.overview_at,
                    max_area_tables=args.area_tables)
        if args.output is None:
            _out(d.dot)
        else:
            d.save(args.output)
    except DiagramError as exc:  # an unknown table, area or file type: the command is wrong
        raise _Usage(str(exc)) from exc
    if d.is_overview and d.areas is not None:
        many = args.output is not None and not args.output.lower().endswith(".mmd")
        print(f"{len(d.areas.areas)} subject areas (--area NAME draws one, --whole all "
              f"tables in one picture){':' if not many else ''}", file=sys.stderr)
        for a in d.areas.areas:
            where = f"wrote {area_path(args.output, a.slug)}: " if many else "  "
            print(f"{where}{a.slug}, {len(a.tables)} tables", file=sys.stderr)
    if args.output is not None:
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_dbml(args: argparse.Namespace) -> int:
    from pgarch_kit.interop import dbml_losses, to_dbml
    design = _load_any(args.design, args.dsn)
    _write_or_print(to_dbml(design), args.output)
    for loss in dbml_losses(design):
        print(f"note: DBML cannot hold {loss}", file=sys.stderr)
    return EXIT_OK


def _cmd_lint(args: argparse.Namespace) -> int:
    from pgarch_kit.lint import all_rules as rules
    from pgarch_kit.lint import lint
    if args.docs:
        from pgarch_kit.lint.docs import rules_reference
        _write_or_print(rules_reference(), args.output)
        return EXIT_OK
    if args.list:
        for r in rules():
            _out(f"{r.code}  {r.slug:<40} {r.category:<18} {r.severity:<8} {r.mode}")
        return EXIT_OK
    if args.migration:
        return _lint_migrations(args)
    if args.against or args.assume_in_transaction:
        raise _Usage("--against and --assume-in-transaction go with --migration FILE.sql")
    if args.design:
        design = _load_any(args.design, None)  # a .sql schema is parsed by the embedded server
    elif args.dsn:
        from pgarch_kit.db.importer import import_live
        design = import_live(args.dsn)
    else:
        raise _Usage("nothing to lint: give a design file or a .sql schema, or --dsn for a "
                     "live database, or --migration FILE.sql (or --list, --docs)")
    try:
        select, ignore = _rule_list(args.select), _rule_list(args.ignore)
        conn = None
        if args.dsn:
            import psycopg
            conn = psycopg.connect(args.dsn, autocommit=True)
            # conn.read_only has no effect in autocommit: the session default does
            conn.execute("SET default_transaction_read_only = on")
        try:
            report = lint(design, select=select, ignore=ignore, conn=conn)
        finally:
            if conn is not None:
                conn.close()
    except ValueError as exc:  # an unknown rule name
        raise _Usage(str(exc)) from None
    _out(_render_lint(report, args.format, default_file=args.design) or "no findings")
    from pgarch_kit.lint.formats import fails
    return EXIT_FINDINGS if fails(report.findings, args.fail_on or "error") else EXIT_OK


def _rule_list(values: list[str] | None) -> list[str] | None:
    return [s for x in values or [] for s in x.split(",") if s] or None


def _render_lint(report, fmt: str, *, default_file: str | None = None,
                 files: list[str] | None = None,
                 problems: list[tuple[str, int | None, str]] = ()) -> str:
    """The report in the chosen --format; ``files`` set: a migration lint's text form."""
    from pgarch_kit import __version__
    from pgarch_kit.lint import formats
    if fmt == "json":
        return report.to_json()
    if fmt == "github":
        return formats.github_annotations(report, default_file)
    if fmt == "sarif":
        return formats.sarif(report, default_file=default_file, version=__version__,
                             notifications=problems)
    return formats.text(report, files) if files is not None else str(report)


def _lint_migrations(args: argparse.Namespace) -> int:
    """``pgarch lint --migration FILE…``: each file against the prior design, one report.
    Exit 2 when a file is missing or does not parse (its file and line are named), else 1
    when a finding reaches --fail-on (default: warning), else 0."""
    from pgarch_kit.lint import LintReport
    from pgarch_kit.lint.formats import escape_data, escape_property, fails
    from pgarch_kit.lint.migration_lint import lint_migrations, migration_rules
    from pgarch_kit.model import Design
    if args.design:
        raise _Usage(f"{args.design}: with --migration, give the design the migration applies "
                     f"to as --against DESIGN (or --dsn URL for a live database)")
    if args.against and args.dsn:
        raise _Usage("--against DESIGN and --dsn URL both name the prior state: give one")
    select, ignore = _rule_list(args.select), _rule_list(args.ignore)
    try:
        migration_rules(select or (), ignore or ())  # unknown names: a usage error, early
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    for path in args.migration:
        if path != "-" and not Path(path).is_file():
            raise _Usage(f"{path}: no such migration file")
    if args.against:
        prior = _load_any(args.against, None)
    elif args.dsn:
        from pgarch_kit.db.importer import import_live
        prior = import_live(args.dsn, intents=False)  # read-only session
    else:
        prior = Design(name="empty")
        print("pgarch lint: no --against DESIGN or --dsn URL: linting against an empty design, "
              "so every table the migration touches is assumed to exist and hold rows",
              file=sys.stderr)
    scripts, problems = [], []
    for path in args.migration:
        shown = "stdin" if path == "-" else path
        try:
            scripts.append((shown, sys.stdin.read() if path == "-"
                            else Path(path).read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            problems.append((shown, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    reports, broken = lint_migrations(scripts, prior, transactional=args.assume_in_transaction,
                                      select=select, ignore=ignore)
    problems += [(path, exc.line, f"PostgreSQL's parser rejects it: {exc.parser_message}")
                 for path, exc in broken]
    findings = [f for r in reports for f in r.findings]
    ran = reports[0].rules_run if reports else ()
    report = LintReport(tuple(findings), ran or tuple(migration_rules(select or (),
                                                                      ignore or ())))
    if args.format == "github":
        for file, line, msg in problems:
            where = f"file={escape_property(file)}" + (f",line={line}" if line else "")
            _out(f"::error {where},title=pgarch syntax error::{escape_data(msg)}")
    text = _render_lint(report, args.format, files=list(args.migration), problems=problems)
    if text:
        _out(text)
    for file, line, msg in problems:
        print(f"pgarch lint: {file}{f':{line}' if line else ''}: cannot lint: {msg}",
              file=sys.stderr)
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if fails(report.findings, args.fail_on or "warning") else EXIT_OK


def _cmd_seed(args: argparse.Namespace) -> int:
    from pgarch_kit.db.connect import server_dsn
    from pgarch_kit.db.load import load
    from pgarch_kit.db.sandbox import create_sandbox, sandbox_lock, sandbox_name
    from pgarch_kit.model.extensions import check_extensions
    from pgarch_kit.model.validate import check
    rows: dict[str, int] = {}
    for item in args.rows or []:
        table, sep, n = item.partition("=")
        if not sep or not table or not n.strip().isdigit():
            raise _Usage(f"--rows {item!r}: use TABLE=N (e.g. --rows orders=5000)")
        rows[table.strip()] = int(n)
    if args.scale <= 0:
        raise _Usage(f"--scale {args.scale}: must be greater than 0")
    design = _load_any(args.design, args.dsn)
    unknown = sorted(set(rows) - {t.name for t in design.tables}
                     - {f"{t.schema}.{t.name}" for t in design.tables})
    if unknown:
        raise _Usage(f"--rows: no table {', '.join(unknown)} in design {design.name!r}")
    # checked before the sandbox is (re)created, and created under the sandbox's lock so a
    # second seed of the same design waits instead of dropping this one's database mid-load
    check(design)
    check_extensions(design, f"seed design {design.name!r}")
    dbname = sandbox_name(design.name)
    with sandbox_lock(dbname, args.dsn, on_wait=lambda m: print(f"pgarch: {m}", file=sys.stderr)):
        create_sandbox(design.name, dsn=args.dsn, recreate=True)
        result = load(design, dsn=server_dsn(args.dsn, dbname), scale=args.scale,
                      rows=rows or None, seed=args.seed, progress=args.format != "json")
    if args.format == "json":
        _out(json.dumps(result.to_dict(), indent=2))
        if result.verification is not None and not result.verification.ok:
            print(str(result.verification), file=sys.stderr)
    else:
        _out(str(result))
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _rows_list(text: str, flag: str) -> list[int]:
    """``10k,100k,1M`` → [10000, 100000, 1000000]."""
    out = []
    for item in text.split(","):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmMgG]?)\s*", item)
        if m is None:
            raise _Usage(f"{flag} {text!r}: use comma-separated counts such as 10k,100k,1M")
        out.append(int(float(m.group(1)) * {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}[
            m.group(2).lower()]))
    if any(n <= 0 for n in out):
        raise _Usage(f"{flag} {text!r}: counts must be positive")
    return out


def _bench_dsn(design, dsn: str | None) -> str | None:
    """--dsn names a server (as for every command); benchmarks run in the design's sandbox
    on it."""
    if dsn is None:
        return None
    from pgarch_kit.db.connect import server_dsn
    from pgarch_kit.db.sandbox import sandbox_name
    return server_dsn(dsn, sandbox_name(design.name))


def _cmd_time(args: argparse.Namespace) -> int:
    from pgarch_kit import bench
    design = _load_any(args.design, args.dsn)
    dsn = _bench_dsn(design, args.dsn)
    queries = args.query or [q.name for q in design.queries]
    if not queries:
        raise _Usage(f"design {design.name!r} has no query patterns: give --query SQL")
    if args.runs < 1:
        raise _Usage(f"--runs {args.runs}: must be at least 1")
    if args.try_indexes:
        if len(queries) != 1 or args.scales:
            raise _Usage("--try-indexes measures index candidates for one --query on the "
                         "loaded sandbox (without --scales)")
        advice = bench.index_advice(design, queries[0], dsn=dsn, runs=args.runs,
                                    seed=args.seed)
        _out(json.dumps(_jsonable(advice.frame().to_dict(orient="records")), indent=2)
             if args.format == "json" else str(advice))
        return EXIT_OK
    if args.scales:
        if dsn is not None:
            raise _Usage("--scales reloads the design's sandbox on the embedded server; "
                         "it cannot be combined with --dsn")
        steps = _rows_list(args.scales, "--scales")
        if len(steps) < 2:
            raise _Usage(f"--scales {args.scales!r}: give at least two sizes to draw a curve, "
                         "e.g. 10k,100k,1M")
        curves = bench.scaling(design, rows=steps,
                               queries=queries, runs=args.runs, seed=args.seed,
                               progress=args.format != "json")
        _out(json.dumps(_jsonable(curves.to_dict()), indent=2) if args.format == "json"
             else str(curves))
        if args.plot:
            from pgarch_kit.display import scaling_plot
            scaling_plot(curves).save(args.plot)
            print(f"wrote {args.plot}", file=sys.stderr)
        return EXIT_FINDINGS if curves.breaking and any(c.critical for c in curves.breaking) \
            else EXIT_OK
    timings = bench.time_patterns(design, queries, dsn=dsn, runs=args.runs, seed=args.seed,
                                  allow_setup=args.allow_setup)
    if args.format == "json":
        _out(json.dumps(_jsonable([t.to_dict() for t in timings]), indent=2))
    else:
        for t in timings:
            _out(str(t))
            if args.plan and t.plan is not None:
                _out(t.plan.text())
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace) -> int:
    from pgarch_kit import bench
    design = _load_any(args.design, args.dsn)
    clients = _rows_list(args.clients, "--clients")
    if args.duration < 1:
        raise _Usage(f"--duration {args.duration}: give whole seconds, at least 1")
    result = bench.load_test(design, clients=clients, duration=args.duration,
                             queries=args.query or None, dsn=_bench_dsn(design, args.dsn),
                             seed=args.seed, progress=args.format != "json")
    _out(json.dumps(_jsonable(result.to_dict()), indent=2) if args.format == "json"
         else str(result))
    if args.plot:
        from pgarch_kit.display import load_test_plot
        load_test_plot(result).save(args.plot)
        print(f"wrote {args.plot}", file=sys.stderr)
    return EXIT_OK


def _cmd_plan(args: argparse.Namespace) -> int:
    from pgarch_kit.scale import Machine, Workload, scale_plan
    design = _load_any(args.design, args.dsn)
    ram = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(GB|G|GIB)?\s*", args.ram or "", re.I)
    if args.ram is not None and ram is None:
        raise _Usage(f"--ram {args.ram!r}: give the server's memory in GB, e.g. 64 or 64GB")
    try:
        machine = (Machine(float(ram.group(1)), args.cores or 4, args.storage) if ram
                   else Machine.this() if args.cores is None else
                   Machine(Machine.this().ram_gb, args.cores, args.storage))
        workload = Workload(args.workload, args.connections) if args.connections else None
        plan = scale_plan(design, machine, workload, clients=args.clients,
                          months=args.months)
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    if args.format == "json":
        _out(json.dumps(_jsonable(plan.to_dict()), indent=2))
    elif args.runbook:
        _out(plan.runbook.markdown())
    else:
        _out(str(plan))
    return EXIT_OK


def _jsonable(value):
    import math
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _cmd_migrate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from pgarch_kit.migrate import check_plan, migration_plan
    old, new = _load_any(args.old, args.dsn), _load_any(args.new, args.dsn)
    renames = {}
    for r in args.rename:
        where, sep, to = r.partition("=")
        if not sep or not to:
            raise _Usage(f"--rename {r!r}: write TABLE.OLD=NEW, e.g. customers.full_name="
                         f"display_name")
        renames[where] = to
    live = None
    if args.apply:
        # the real names of the constraints the old design leaves unnamed come from the
        # database being migrated, not from a guess at PostgreSQL's naming
        from pgarch_kit.db import server_dsn
        from pgarch_kit.db.importer import import_live
        live = import_live(server_dsn(args.dsn, args.apply), intents=False)
    plan = replace(migration_plan(old, new, renames=renames, live=live),
                   old_name=Path(args.old).name, new_name=Path(args.new).name)
    checked = check_plan(plan, old, new)
    if args.out:
        from pgarch_kit._fileio import atomic_write_text, output_folder
        out = output_folder(args.out)
        atomic_write_text(out / "up.sql", plan.up_sql())
        atomic_write_text(out / "down.sql", plan.down_sql())
        print(f"wrote {out / 'up.sql'} and {out / 'down.sql'}", file=sys.stderr)
    else:
        _out(plan.up_sql())
    print(plan, file=sys.stderr)
    print(f"\nmigration-safety rules on the up script:\n{checked.up}", file=sys.stderr)
    if args.apply:
        from pgarch_kit.db.run_script import run_script
        from pgarch_kit.model.extensions import check_extensions
        check_extensions(new, f"migrate {args.apply}")
        n = run_script(args.apply, plan.up_sql(), dsn=args.dsn,
                       allow_destructive=args.allow_destructive)
        print(f"applied {n} statement(s) to {args.apply}", file=sys.stderr)
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from pgarch_kit.export.bundle import export_design
    design = _load_any(args.design, args.dsn)
    if args.scale <= 0:
        raise _Usage(f"--scale {args.scale}: give a positive share of the design's volumes, "
                     f"e.g. 0.02")
    result = export_design(design, args.out, source=Path(args.design).name,
                           measure=not args.no_measure, scale=args.scale, dsn=args.dsn,
                           version=args.version, progress=not args.quiet)
    for name, path in sorted(result.files.items()):
        print(f"  {name}: {path}", file=sys.stderr)
    _out(str(result))
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from pgarch_kit.export.bundle import demo
    done = demo(args.out, notebooks=args.notebooks, measure=not args.no_measure,
                run_notebooks=not args.skip_notebooks)
    for r in done["runs"]:
        print(f"  {r.notebook.name}: {r.seconds:.1f}s -> {r.html}", file=sys.stderr)
    for e in done["exports"]:
        print(f"  {e}", file=sys.stderr)
    _out(f"demo: {len(done['runs'])} notebook(s) executed, {len(done['exports'])} design(s) "
         f"exported in {done['seconds']:.0f}s; open {done['index']}")
    return EXIT_OK


# --- parser ------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pgarch", description="pgarch_kit: design PostgreSQL schemas against a real server.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("server", help="manage the embedded PostgreSQL server",
                       description="Start, inspect or stop the project's embedded PostgreSQL 18; "
                                   "`reset` drops the kit's sandbox databases (every one, or "
                                   "--design's) and the login roles its checks left behind, "
                                   "never a database without the sandbox marker.")
    s.add_argument("action", choices=["start", "status", "stop", "url", "reset"])
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.add_argument("--dbname", default="postgres", help="database for `url` (default postgres)")
    s.add_argument("--sqlalchemy", action="store_true", help="`url` prints a SQLAlchemy URL")
    s.add_argument("--design", metavar="NAME",
                   help="`reset` drops only this design's sandbox (default: every sandbox)")
    s.add_argument("--yes", action="store_true",
                   help="`reset` without asking (required when stdin is not a terminal)")
    s.set_defaults(func=_cmd_server)

    v = sub.add_parser("validate", help="check a design file",
                       description="Check a design file; exit 1 with every problem, its line "
                                   "and the fix.")
    v.add_argument("design", help="design file (.yaml)")
    v.add_argument("--format", choices=["text", "json"], default="text")
    v.set_defaults(func=_cmd_validate)

    d = sub.add_parser("ddl", help="print the DDL of a design",
                       description="The PostgreSQL DDL of a design file, or of a .sql schema "
                                   "imported on the fly.")
    d.add_argument("design", help="a .yaml design file or a .sql schema")
    d.add_argument("-o", "--output", help="write to this file (atomically) instead of stdout")
    d.add_argument("--server-version", type=int, choices=[15, 16, 17, 18], default=18,
                   help="target PostgreSQL major version (default 18)")
    d.add_argument("--dsn", help="server used to import a .sql schema (default: embedded)")
    d.set_defaults(func=_cmd_ddl)

    i = sub.add_parser("import", help="import a schema into a design file",
                       description="Import a SQL schema (parsed by PostgreSQL in a scratch "
                                   "sandbox) or a live database into a design file. From a "
                                   "live database the intents come from the source: rows per "
                                   "table (counted, or pg_class.reltuples when big), sizes, "
                                   "and the top queries of pg_stat_statements as query "
                                   "patterns; a .sql schema has no volumes.")
    i.add_argument("sql", nargs="?", help="a .sql schema file (or a .dbml file)")
    i.add_argument("--dsn", help="import this live database instead of a file")
    i.add_argument("--schema", action="append", help="only this schema (repeatable)")
    i.add_argument("--name", help="design name (default: file stem or database name)")
    i.add_argument("-o", "--output", help="design file to write (default: print YAML)")
    i.set_defaults(func=_cmd_import)

    g = sub.add_parser("diagram", help="draw the ER diagram of a design",
                       description="The ER diagram (crow's-foot notation) of a design file, or "
                                   "of a .sql schema imported on the fly: SVG or PNG (needs "
                                   "Graphviz), DOT, or Mermaid, chosen by the -o suffix; "
                                   "without -o, prints the DOT text. A design with 100 tables "
                                   "or more (--overview-at) is cut into subject areas (its "
                                   "schemas, or groups of tables linked by foreign keys): "
                                   "-o er.svg then writes the overview of the areas to er.svg "
                                   "and one diagram per area to er-AREA.svg beside it (the "
                                   "overview's boxes link to them); --area NAME draws one "
                                   "area, --focus one table's neighbourhood, --whole every "
                                   "table in one picture. Mermaid (.mmd) is always the whole "
                                   "design.")
    g.add_argument("design", help="a .yaml design file or a .sql schema")
    g.add_argument("-o", "--output",
                   help="file to write (atomically): .svg, .png, .dot or .mmd; for a large "
                        "design also one er-AREA file per subject area beside it")
    g.add_argument("--detail", choices=["all", "keys"], default="all",
                   help="all columns (default) or key columns only")
    g.add_argument("--direction", choices=["LR", "TB", "RL", "BT"], default="LR",
                   help="layout direction (default LR: referenced tables on the left)")
    g.add_argument("--focus", metavar="TABLE",
                   help="draw only this table (schema.table outside public) and its neighbours")
    g.add_argument("--depth", type=int, metavar="N",
                   help="with --focus: foreign-key hops to follow (default 1)")
    g.add_argument("--notation", choices=["crowsfoot", "simple"], default="crowsfoot",
                   help="crow's-foot ends (default) or plain arrows labelled 1 and N, "
                        "for beginners")
    g.add_argument("--area", metavar="NAME",
                   help="draw only this subject area (its name as listed on stderr and in "
                        "the overview), with stubs for the areas it links to")
    g.add_argument("--overview-at", type=int, default=100, metavar="N",
                   help="designs with N tables or more get an overview plus one diagram "
                        "per subject area (default 100)")
    g.add_argument("--area-tables", type=int, default=40, metavar="N",
                   help="about how many tables a subject area may hold (default 40)")
    g.add_argument("--whole", action="store_true",
                   help="draw every table in one diagram, however large the design")
    g.add_argument("--dsn", help="server used to import a .sql schema (default: embedded)")
    g.set_defaults(func=_cmd_diagram)

    b = sub.add_parser("dbml", help="export a design as DBML (dbdiagram.io)",
                       description="Write a design as DBML for dbdiagram.io; what DBML cannot "
                                   "hold (checks, partitions, RLS, views, ...) is listed on "
                                   "stderr. Import DBML with `pgarch import file.dbml`.")
    b.add_argument("design", help="a .yaml design file, a .sql schema or a .dbml file")
    b.add_argument("-o", "--output", help="write to this file (atomically) instead of stdout")
    b.add_argument("--dsn", help="server used to import a .sql schema (default: embedded)")
    b.set_defaults(func=_cmd_dbml)

    li = sub.add_parser("lint", help="the design advisor: findings with reasons and fixes",
                        description="Run the design advisor on a design file or a .sql schema "
                                    "(imported on the fly). With --dsn, the live-database rules "
                                    "run too, against that database (read-only). With "
                                    "--migration, check migration scripts against the design "
                                    "(--against) or database (--dsn) they apply to, read as "
                                    "psql -f runs them unless --assume-in-transaction. Exit "
                                    "0: nothing at or above --fail-on; 1: findings at or "
                                    "above it; 2: a usage error, or a migration that does not "
                                    "parse (file and line named).")
    li.add_argument("design", nargs="?", help="a .yaml design file, a .sql schema or a .dbml "
                                              "(default with --dsn: that database's design)")
    li.add_argument("--migration", nargs="+", metavar="FILE.sql",
                    help="lint these migration scripts (- reads stdin) with the migration "
                         "rules and the column-type rules, instead of a design")
    li.add_argument("--against", metavar="DESIGN",
                    help="with --migration: the design the scripts apply to (.yaml, a .sql "
                         "schema imported confined, or .dbml); without it or --dsn, an empty "
                         "design")
    li.add_argument("--assume-in-transaction", action="store_true",
                    help="with --migration: read each file as one transaction, as migration "
                         "frameworks run it (default: each statement in its own, as psql -f "
                         "does, unless the script says BEGIN)")
    li.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text",
                    help="text (default), json (one entry per finding), github (workflow "
                         "annotations) or sarif (2.1.0, for code scanning)")
    li.add_argument("--fail-on", choices=["error", "warning", "info"],
                    help="exit 1 when a finding has this severity or worse (default: error "
                         "for a design, warning for --migration)")
    li.add_argument("--select", action="append", help="only these rules (slug, code or "
                                                      "category; comma-separated, repeatable)")
    li.add_argument("--ignore", action="append", help="skip these rules (same forms)")
    li.add_argument("--dsn", help="a live database: run the statistics and catalog rules on it; "
                                  "with --migration, the database the scripts apply to")
    li.add_argument("--list", action="store_true", help="list the rules and exit")
    li.add_argument("--docs", action="store_true", help="print the rules reference (Markdown)")
    li.add_argument("-o", "--output", help="with --docs: write the reference to this file")
    li.set_defaults(func=_cmd_lint)

    se = sub.add_parser("seed", help="fill the design's sandbox with generated data",
                        description="Create (or reset) the design's sandbox pgarch_<design>, "
                                    "load generated data with COPY (tables first, then "
                                    "foreign keys and indexes), verify it and print a summary. "
                                    "Exit 1 when verification fails.")
    se.add_argument("design", help="a .yaml design file, a .sql schema or a .dbml file")
    se.add_argument("--scale", type=float, default=1.0,
                    help="multiply every table's expected rows (default 1.0)")
    se.add_argument("--rows", action="append", metavar="TABLE=N",
                    help="exact row count for one table (repeatable)")
    se.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    se.add_argument("--format", choices=["text", "json"], default="text")
    se.add_argument("--dsn", help="server to use (default: embedded)")
    se.set_defaults(func=_cmd_seed)

    t = sub.add_parser("time", help="time the design's query patterns on its loaded data",
                       description="Time query patterns (repeated runs with parameters drawn "
                                   "from the data; median, p95, p99; server time from "
                                   "pg_stat_statements; the plan) in the design's loaded "
                                   "sandbox. With --scales, load the design at each size first "
                                   "and fit how latency grows (exit 1 when a critical pattern "
                                   "is predicted over budget). With --try-indexes, build and "
                                   "measure index candidates for one pattern.")
    t.add_argument("design", help="a .yaml design file, a .sql schema or a .dbml file")
    t.add_argument("--query", action="append", metavar="NAME|SQL",
                   help="a pattern name or SQL (repeatable; default: every pattern)")
    t.add_argument("--scales", metavar="ROWS,...",
                   help="rows of the largest table per step, e.g. 10k,100k,1M")
    t.add_argument("--runs", type=int, default=50, help="timed runs per pattern (default 50)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--plan", action="store_true", help="print each plan as a tree")
    t.add_argument("--plot", metavar="FILE.png", help="with --scales: save the curves plot")
    t.add_argument("--try-indexes", action="store_true",
                   help="build and measure index candidates for the one --query")
    t.add_argument("--format", choices=["text", "json"], default="text")
    t.add_argument("--dsn", help="server to use (default: embedded)")
    t.add_argument("--allow-setup", action="store_true",
                   help="let the kit install pg_stat_statements / pg_prewarm in a database it "
                        "did not create (by default it installs nothing there)")
    t.set_defaults(func=_cmd_time)

    bn = sub.add_parser("bench", help="load-test the design's query mix with pgbench",
                        description="Run the design's query patterns with pgbench, weighted "
                                    "by per_second, at each client count on its loaded "
                                    "sandbox; report TPS, latency percentiles, failures and "
                                    "connection-pool sizing (Little's law).")
    bn.add_argument("design", help="a .yaml design file, a .sql schema or a .dbml file")
    bn.add_argument("--clients", default="1,4,16,64",
                    help="client counts, comma-separated (default 1,4,16,64)")
    bn.add_argument("--duration", type=int, default=10,
                    help="seconds per client count (default 10)")
    bn.add_argument("--query", action="append", metavar="NAME",
                    help="only this pattern (repeatable; default: every pattern)")
    bn.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    bn.add_argument("--plot", metavar="FILE.png", help="save the load-test plots")
    bn.add_argument("--format", choices=["text", "json"], default="text")
    bn.add_argument("--dsn", help="server to use (default: embedded)")
    bn.set_defaults(func=_cmd_bench)

    pl = sub.add_parser("plan", help="capacity, configuration, pooling, partitioning and "
                                     "sharding plan",
                        description="The scale plan of a design for a target machine: table "
                                    "and index sizes at launch, after the growth horizon and "
                                    "at 10x; PostgreSQL settings with reasons; a PgBouncer "
                                    "plan for many clients; partitioning, tenancy (RLS) and "
                                    "sharding (Citus) proposals; must-have-now versus "
                                    "later. --runbook prints the operations runbook.")
    pl.add_argument("design", help="a .yaml design file, a .sql schema or a .dbml file")
    pl.add_argument("--ram", help="the database server's RAM in GB (default: this machine)")
    pl.add_argument("--cores", type=int, help="its CPU cores (default: this machine)")
    pl.add_argument("--storage", default="ssd", choices=["ssd", "nvme", "san", "hdd"])
    pl.add_argument("--workload", default="web", choices=["web", "oltp", "dw", "mixed",
                                                          "desktop"])
    pl.add_argument("--connections", type=int,
                    help="max_connections to plan for (default: from the pooling plan)")
    pl.add_argument("--clients", type=int, default=10_000,
                    help="application clients to pool (default 10000)")
    pl.add_argument("--months", type=int, default=24, help="growth horizon (default 24)")
    pl.add_argument("--runbook", action="store_true", help="print the operations runbook")
    pl.add_argument("--format", choices=["text", "json"], default="text")
    pl.add_argument("--dsn", help="server used to import a .sql schema (default: embedded)")
    pl.set_defaults(func=_cmd_plan)

    mg = sub.add_parser("migrate", help="a lock-safe up/down migration between two designs",
                        description="Compare two versions of a design and write the migration: "
                                    "reversible expand/backfill/contract steps (CONCURRENTLY, "
                                    "NOT VALID then VALIDATE, lock_timeout), checked by the "
                                    "advisor's migration-safety rules.")
    mg.add_argument("old", help="the design as deployed (.yaml, .sql or .dbml)")
    mg.add_argument("new", help="the design to migrate to")
    mg.add_argument("--rename", action="append", default=[], metavar="TABLE.OLD=NEW",
                    help="declare a renamed column (else it is dropped and re-added)")
    mg.add_argument("-o", "--out", help="folder for up.sql and down.sql (default: print up)")
    mg.add_argument("--apply", metavar="DATABASE",
                    help="run the up script on this database (a kit sandbox unless "
                         "--allow-destructive repeats its name)")
    mg.add_argument("--allow-destructive", metavar="DATABASE")
    mg.add_argument("--dsn", help="server (default: the embedded one)")
    mg.set_defaults(func=_cmd_migrate)

    ex = sub.add_parser("export", help="write schema.sql, DESIGN.md, er.svg, models.py and "
                                       "report.html for a design",
                        description="The final files of a design session, written atomically "
                                    "into a folder; measures the query patterns on the "
                                    "embedded server unless --no-measure.")
    ex.add_argument("design", help="design file (.yaml, .sql or .dbml)")
    ex.add_argument("-o", "--out", required=True, help="output folder")
    ex.add_argument("--no-measure", action="store_true",
                    help="skip loading data and timing the query patterns")
    ex.add_argument("--scale", type=float, default=0.02,
                    help="data volume for the measurements, as a share of the design's rows")
    ex.add_argument("--version", help="version label for the schema.sql header")
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.add_argument("--dsn", help="server (default: the embedded one)")
    ex.set_defaults(func=_cmd_export)

    m = sub.add_parser("demo", help="run the notebooks headless and export every sample design",
                       description="Execute every numbered notebook against the embedded "
                                   "server (HTML reports in OUT/reports), export every sample "
                                   "design (OUT/<design>/) and the example migration, and "
                                   "write OUT/index.html.")
    m.add_argument("--notebooks", default="notebooks", help="notebook folder")
    m.add_argument("-o", "--out", default="exports", help="output folder (default exports/)")
    m.add_argument("--no-measure", action="store_true", help="export without measurements")
    m.add_argument("--skip-notebooks", action="store_true", help="only export the designs")
    m.set_defaults(func=_cmd_demo)
    for name in _IMPORTING:
        _add_import_options(sub.choices[name])
    return p


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM ends the command like Ctrl-C does, so cleanup (a confined import's scratch
    # database and role, temporary files) runs instead of being cut off.
    raise SystemExit(128 + signum)


class _Redacting:
    """A text stream that masks secrets in everything written through it."""

    def __init__(self, stream: TextIO, sources: list[str]):
        self._stream, self._sources = stream, sources

    def write(self, text: str) -> int:
        self._stream.write(redact(text, *self._sources))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno, ...
        return getattr(self._stream, name)


@contextlib.contextmanager
def _redacted_output(sources: list[str]) -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = _Redacting(saved[0], sources)  # type: ignore[assignment]
    sys.stderr = _Redacting(saved[1], sources)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _redacting_excepthook(sources: list[str]) -> Any:
    def hook(kind: type[BaseException], exc: BaseException, tb: Any) -> None:
        if sys.__stderr__ is not None:
            text = "".join(traceback.format_exception(kind, exc, tb))
            sys.__stderr__.write(redact(text, *sources))
    return hook


def main(argv: list[str] | None = None) -> int:
    # every argument may be a DSN (--dsn, --apply ...): their passwords are masked in all output
    sources = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the real command line: a crash's traceback is redacted too
        sys.excepthook = _redacting_excepthook(sources)
    with _redacted_output(sources):
        return _main(argv, sources)


def _main(argv: list[str] | None, sources: list[str]) -> int:
    import signal
    parser = build_parser()
    args = parser.parse_args(argv)
    _IMPORT_OPTIONS.clear()
    if getattr(args, "strict", False):
        _IMPORT_OPTIONS["strict"] = True
    if getattr(args, "timeout", None) is not None:
        if args.timeout <= 0:
            parser.error("--timeout takes a positive number of seconds")
        _IMPORT_OPTIONS["timeout"] = args.timeout
    with contextlib.suppress(ValueError):  # not in the main thread (tests): keep the default
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args))
    except _Usage as exc:
        parser.print_usage(sys.stderr)
        print(f"pgarch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DesignError as exc:
        print(f"pgarch {args.command}: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except PgArchError as exc:
        print(f"pgarch {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except Exception as exc:
        # psycopg's errors can quote a connection string: shown as a one-line kit error
        # (through the redacting stream), never as a traceback holding the DSN
        if type(exc).__module__.split(".")[0] != "psycopg":
            raise
        print(f"pgarch {args.command}: error: {redact(exc, *sources).strip()}", file=sys.stderr)
        return EXIT_FINDINGS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
