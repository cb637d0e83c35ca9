"""squawk's published rule examples through the real command, `pgarch lint --migration`.

Every SQL block of squawk's rule pages is in ``squawk_examples.yaml`` (with its source and
license) with the verdict pgarch expects: the rule(s) the squawk rule maps to flag each bad
example and leave each good one alone, and every difference is written down with its reason.
The files are linted as psql runs them (squawk's default too), against an empty design
(squawk knows no schema either), in one command per set of design settings, as pre-commit
would pass them.
"""
from __future__ import annotations

import contextlib
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from pgarch_kit import cli

DATA = yaml.safe_load((Path(__file__).parent / "squawk_examples.yaml").read_text("utf-8"))
EXAMPLES = DATA["examples"]
RECALL_GOAL = 0.95


def _findings(out: str) -> list[dict]:
    doc = json.loads(out)
    return doc["findings"] if isinstance(doc, dict) else doc


def _lint(files: list[Path], tmp: Path, settings: dict | None) -> tuple[
        dict[str, list[dict]], dict[str, int | None], int]:
    """Findings per file, parse errors per file (their line) and the exit code."""
    args = ["lint", "--migration", *map(str, files), "--format", "json", "--fail-on", "info"]
    if settings:
        design = tmp / "settings.yaml"
        design.write_text(yaml.safe_dump({"name": "squawk", "lint": {"settings": settings}}),
                          encoding="utf-8")
        args += ["--against", str(design)]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(args)
    out, err = out.getvalue(), err.getvalue()
    by_file: dict[str, list[dict]] = defaultdict(list)
    for f in _findings(out):
        by_file[f["file"]].append(f)
    errors: dict[str, int | None] = {}
    for line in err.splitlines():
        if ": cannot lint: " in line:
            where = line.removeprefix("pgarch lint: ").split(": cannot lint: ")[0]
            file, _, num = where.rpartition(":")
            errors[file if num.isdigit() else where] = int(num) if num.isdigit() else None
    return by_file, errors, code


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[tuple[int, str], dict]:
    """(example id, "linted" or "published") → {verdict, lines, findings}."""
    tmp = tmp_path_factory.mktemp("squawk")
    groups: dict[str, list[tuple[Path, dict, str]]] = defaultdict(list)
    for e in EXAMPLES:
        key = json.dumps(e.get("settings") or {}, sort_keys=True)
        texts = [("linted", e.get("corrected", e["sql"]))]
        if "corrected" in e:
            texts.append(("published", e["sql"]))
        for which, text in texts:
            path = tmp / f"{e['id']:03d}_{which}_{e['squawk_rule']}.sql"
            path.write_text(text, encoding="utf-8")
            groups[key].append((path, e, which))
    out: dict[tuple[int, str], dict] = {}
    for key, items in groups.items():
        by_file, errors, code = _lint([p for p, _, _ in items], tmp, json.loads(key) or None)
        assert code == (2 if errors else 1)
        for path, e, which in items:
            mine = [f for f in by_file.get(str(path), []) if f["rule"] in e["kit_rules"]]
            if str(path) in errors:
                verdict, lines = "parse-error", [errors[str(path)]]
            else:
                verdict, lines = ("flagged" if mine else "clean"), sorted(
                    {f["line"] for f in mine})
            out[(e["id"], which)] = {"verdict": verdict, "lines": lines, "findings": mine}
    return out


def test_every_example_gets_the_verdict_the_data_file_records(verdicts) -> None:
    wrong = []
    for e in EXAMPLES:
        got = verdicts[(e["id"], "linted")]
        if got["verdict"] != e["expect"]:
            wrong.append(f"#{e['id']} {e['squawk_rule']} ({e['kind']}): expected "
                         f"{e['expect']}, got {got['verdict']} {got['findings']}")
        elif e.get("lines") and not set(e["lines"]) <= set(got["lines"]):
            wrong.append(f"#{e['id']} {e['squawk_rule']}: findings on lines {got['lines']}, "
                         f"expected {e['lines']}")
        if "corrected" in e:
            pub = verdicts[(e["id"], "published")]["verdict"]
            if pub != e["published_expect"]:
                wrong.append(f"#{e['id']} {e['squawk_rule']} as published: expected "
                             f"{e['published_expect']}, got {pub}")
    assert not wrong, "\n".join(wrong)


def test_recall_on_the_bad_examples(verdicts) -> None:
    bad = [e for e in EXAMPLES if e["kind"] == "bad"]
    caught = [e for e in bad if verdicts[(e["id"], "linted")]["verdict"] == "flagged"]
    as_published = [e for e in caught if "corrected" not in e
                    or verdicts[(e["id"], "published")]["verdict"] == "flagged"]
    missed = [e for e in bad if e not in caught]
    recall = len(caught) / len(bad)
    print(f"\nsquawk's bad examples: {len(caught)}/{len(bad)} flagged by the mapped rule "
          f"({recall:.1%}); as published, without the syntax fixes: "
          f"{len(as_published)}/{len(bad)} ({len(as_published) / len(bad):.1%})")
    for e in missed:
        print(f"  missed #{e['id']} {e['squawk_rule']}: {e.get('note', 'no reason given')}")
    assert all(e.get("note") for e in missed), "every miss needs its reason in the data file"
    assert recall >= RECALL_GOAL


def test_good_examples_are_left_alone_or_the_difference_is_explained(verdicts) -> None:
    good = [e for e in EXAMPLES if e["kind"] == "good"]
    clean = [e for e in good if verdicts[(e["id"], "linted")]["verdict"] == "clean"]
    print(f"\nsquawk's good examples: {len(clean)}/{len(good)} not flagged by the mapped rule "
          f"({len(clean) / len(good):.1%})")
    for e in good:
        if e not in clean:
            print(f"  #{e['id']} {e['squawk_rule']}: "
                  f"{verdicts[(e['id'], 'linted')]['verdict']} — {e.get('note')}")
            assert e.get("note"), f"#{e['id']}: a flagged good example needs its reason"


def test_invalid_sql_is_a_parse_error_naming_its_line(verdicts) -> None:
    for e in EXAMPLES:
        if e["kind"] == "invalid":
            got = verdicts[(e["id"], "linted")]
            assert got == {"verdict": "parse-error", "lines": e["lines"], "findings": []}


def test_the_data_file_names_its_source_and_license() -> None:
    head = (Path(__file__).parent / "squawk_examples.yaml").read_text("utf-8")[:1200]
    assert "github.com/sbdchd/squawk" in head and "MIT" in head and "Apache-2.0" in head
    assert all(e["source"].startswith("docs/docs/") for e in EXAMPLES)
