"""How precise is the advisor on real schemas? Lint every schema of the real-world corpus and
compare the warnings and errors with the project's hand-reviewed verdicts.

    PGARCH_REALWORLD=../shared/realworld .venv/bin/python benchmarks/advisor_precision.py
        [--verdicts tests/lint/advisor_verdicts.csv] [--list 20]
        [--sample N --seed S --out review.csv]

Each corpus file (``tests/corpus.py``: ``REALWORLD_FILES``) is imported confined on the
default server, as the tests import it, and linted with every design-mode rule. Printed:

* per rule: flagged objects, severity, objects per 100 tables, designs it fires on;
* per schema: tables, errors, warnings, info, warnings+errors per table (every flagged object
  counts) and the grouped count (one per rule and severity, as the displays show them);
* the corpus's warnings+errors per table (goal: at most 1.0);
* against the verdict file: precision = correct / reviewed over the reviewed findings that
  still fire as warnings or errors (goal: at least 90%), per rule; reviewed findings that no
  longer fire (or fire as info now); and current warnings/errors that match no review.

The verdict file is CSV with the columns ``schema, rule, object, severity, verdict, reason``
(other columns are ignored): ``object`` is the finding's place as the report prints it
(``table``, ``schema.table``, ``table.column``, ``(design)``; a second finding of one rule on
the same place gets ``#2``), ``severity`` the one it was reviewed at, ``verdict`` one of
``correct`` (right and worth acting on), ``debatable`` or ``wrong``, ``reason`` why; an
optional ``round`` column numbers review rounds (1 when absent). A round reviews a sample of
the findings of its day; the rules are then fixed by class, and the next round draws a fresh
sample from the findings no round has reviewed, so each round's precision is measured on
findings its reviewers saw first — the figure to trust is the latest round's.

``--sample N --seed S --out FILE`` draws a reproducible review sample of the current warnings
and errors no row of the verdict file names, and writes it as a verdict file with the
verdicts empty and each finding's message and fix appended for the reviewer. The sample is
stratified by rule: every rule with a warning or an error gets at least one finding, the
rest of the N go to rules in proportion to their counts (largest remainders first), and
within a rule findings are drawn uniformly with ``random.Random(S)`` from the corpus order
(schema, then the report's order).
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERDICTS = ROOT / "tests" / "lint" / "advisor_verdicts.csv"
COLUMNS = ("schema", "rule", "object", "severity", "verdict", "reason")
VERDICT_VALUES = ("correct", "debatable", "wrong")
SEVERITIES = ("error", "warning", "info")
GOAL_PER_TABLE = 1.0
GOAL_PRECISION = 0.90


@dataclass(frozen=True)
class Flagged:
    """One flagged object of the corpus, keyed as the verdict file keys it."""

    schema: str
    rule: str
    object: str
    severity: str
    message: str
    fix: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.rule, self.object)


@dataclass(frozen=True)
class Verdict:
    schema: str
    rule: str
    object: str
    severity: str
    verdict: str          # "" in a sample not reviewed yet
    reason: str
    round: int = 1        # the review round (each draws a fresh sample after fixes)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.schema, self.rule, self.object)


def read_verdicts(path: Path, known_rules: set[str]) -> list[Verdict]:
    """The verdict file's rows; ValueError naming the line for a missing column, an unknown
    rule, severity or verdict, or a finding reviewed twice. Empty verdicts (a sample not
    reviewed yet) are allowed."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        rows, seen = [], set()
        for line, row in enumerate(reader, start=2):
            text = (row.get("round") or "1").strip()
            if not text.isdigit():
                raise ValueError(f"{path}:{line}: round {text!r} is not a number")
            v = Verdict(*((row.get(c) or "").strip() for c in COLUMNS), round=int(text))
            if v.rule not in known_rules:
                raise ValueError(f"{path}:{line}: no advisor rule called {v.rule!r}")
            if v.severity not in SEVERITIES:
                raise ValueError(f"{path}:{line}: severity {v.severity!r} is not one of "
                                 f"{', '.join(SEVERITIES)}")
            if v.verdict and v.verdict not in VERDICT_VALUES:
                raise ValueError(f"{path}:{line}: verdict {v.verdict!r} is not one of "
                                 f"{', '.join(VERDICT_VALUES)}")
            if not (v.schema and v.object):
                raise ValueError(f"{path}:{line}: schema and object are required")
            if v.key in seen:
                raise ValueError(f"{path}:{line}: {v.key} is reviewed twice")
            seen.add(v.key)
            rows.append(v)
    return rows


def flagged_objects(schema: str, findings) -> list[Flagged]:
    """The report's findings (in its order) as verdict-file keys: a second finding of one rule
    on one place gets ``#2``, a third ``#3``."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        seen[(f.rule, f.where)] += 1
        n = seen[(f.rule, f.where)]
        out.append(Flagged(schema, f.rule, f.where if n == 1 else f"{f.where}#{n}",
                           f.severity, f.message, f.fix))
    return out


def stratified_sample(flagged: list[Flagged], n: int, seed: int,
                      exclude: set[tuple[str, str, str]] = frozenset()) -> list[Flagged]:
    """``n`` warnings and errors not in ``exclude`` (keys already reviewed): one per rule
    first, the rest in proportion to each rule's count (largest remainders first), drawn
    uniformly within a rule with ``seed``."""
    by_rule: dict[str, list[Flagged]] = defaultdict(list)
    for f in flagged:
        if f.severity in ("error", "warning") and f.key not in exclude:
            by_rule[f.rule].append(f)
    if not by_rule:
        return []
    rules = sorted(by_rule)
    quota = {r: 1 for r in rules}
    rest = max(n - len(rules), 0)
    total = sum(len(by_rule[r]) - 1 for r in rules) or 1
    shares = {r: rest * (len(by_rule[r]) - 1) / total for r in rules}
    for r in rules:
        quota[r] += int(shares[r])
    left = n - sum(quota.values())
    for r in sorted(rules, key=lambda r: (-(shares[r] - int(shares[r])), r))[:max(left, 0)]:
        quota[r] += 1
    rng = random.Random(seed)
    out = []
    for r in rules:
        out += rng.sample(by_rule[r], min(quota[r], len(by_rule[r])))
    return out


def write_sample(path: Path, sample: list[Flagged]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow((*COLUMNS, "round", "message", "fix"))
        for f in sample:
            w.writerow((f.schema, f.rule, f.object, f.severity, "", "", "", f.message, f.fix))


def lint_corpus() -> tuple[list[tuple[str, int, object]], list[Flagged]]:
    """(schema name, tables, report) per corpus file, and every flagged object."""
    sys.path.insert(0, str(ROOT / "tests"))
    from corpus import REALWORLD_FILES, imported

    from pgarch_kit.lint import lint
    if not REALWORLD_FILES:
        sys.exit("no corpus: set PGARCH_REALWORLD to the folder of the real-world schemas")
    reports, flagged = [], []
    for path in REALWORLD_FILES:
        design = imported(path).design
        report = lint(design)
        reports.append((path.stem, len(design.tables), report))
        flagged += flagged_objects(path.stem, report.sorted())
    return reports, flagged


def _print_rules(flagged: list[Flagged], tables: int) -> None:
    print(f"\nPer rule ({tables} tables; every flagged object counts)")
    print(f"{'rule':<38} {'severity':<14} {'objects':>8} {'/100 tables':>11} {'designs':>8}")
    count: Counter = Counter(f.rule for f in flagged)
    sev: dict[str, Counter] = defaultdict(Counter)
    designs: dict[str, set[str]] = defaultdict(set)
    for f in flagged:
        sev[f.rule][f.severity] += 1
        designs[f.rule].add(f.schema)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    for rule in sorted(count, key=lambda r: (min(rank[s] for s in sev[r]), -count[r], r)):
        s = "/".join(x for x in SEVERITIES if sev[rule][x])
        print(f"{rule:<38} {s:<14} {count[rule]:>8} {100 * count[rule] / tables:>11.1f} "
              f"{len(designs[rule]):>8}")


def _print_schemas(reports) -> tuple[int, int]:
    print("\nPer schema (w+e = warnings and errors; grouped: one per rule and severity)")
    print(f"{'schema':<30} {'tables':>6} {'errors':>6} {'warn':>6} {'info':>6} "
          f"{'w+e/table':>9} {'grouped w+e':>11} {'grouped all':>11}")
    all_tables = all_we = 0
    for name, tables, report in reports:
        c = report.counts()
        we = c["error"] + c["warning"]
        groups = report.groups()
        g_we = sum(g.severity != "info" for g in groups)
        print(f"{name:<30} {tables:>6} {c['error']:>6} {c['warning']:>6} {c['info']:>6} "
              f"{we / max(tables, 1):>9.2f} {g_we:>11} {len(groups):>11}")
        all_tables += tables
        all_we += we
    return all_tables, all_we


def _print_precision(flagged: list[Flagged], verdicts: list[Verdict], listed: int) -> None:
    current = {f.key: f for f in flagged}
    reviewed = [v for v in verdicts if v.verdict]
    print(f"\nReview: {len(verdicts)} row(s) in the verdict file, {len(reviewed)} with a verdict")
    judged = [(v, current[v.key]) for v in reviewed
              if v.key in current and current[v.key].severity != "info"]
    if judged:
        ok = sum(v.verdict == "correct" for v, _ in judged)
        share = ok / len(judged)
        print(f"precision of the reviewed warnings+errors that still fire, all rounds pooled "
              f"(earlier rounds judged the fixes of their day): {ok}/{len(judged)} correct = "
              f"{share:.1%}")
        per: dict[str, Counter] = defaultdict(Counter)
        for v, _ in judged:
            per[v.rule][v.verdict] += 1
        print(f"{'rule':<38} {'correct':>7} {'debatable':>9} {'wrong':>5} {'precision':>9}")
        for rule in sorted(per, key=lambda r: (-sum(per[r].values()), r)):
            c = per[rule]
            n = sum(c.values())
            print(f"{rule:<38} {c['correct']:>7} {c['debatable']:>9} {c['wrong']:>5} "
                  f"{c['correct'] / n:>9.0%}")
    else:
        print("precision of warnings+errors: no reviewed finding fires as a warning or error")
    _print_rounds(reviewed, current)
    gone = [v for v in reviewed if v.key not in current]
    now_info = [v for v in reviewed if v.key in current and current[v.key].severity == "info"]
    keys = {v.key for v in verdicts}
    unreviewed = [f for f in flagged if f.severity != "info" and f.key not in keys]
    for title, rows in (("reviewed findings that no longer fire", gone),
                        ("reviewed findings that fire as info now", now_info)):
        print(f"\n{title}: {len(rows)}")
        for v in rows[:listed]:
            print(f"  {v.schema}  {v.rule}  {v.object}  (was {v.severity}, {v.verdict})")
    print(f"\ncurrent warnings/errors matching no review: {len(unreviewed)}")
    for rule, n in Counter(f.rule for f in unreviewed).most_common(listed):
        print(f"  {n:>6}  {rule}")


def _print_rounds(reviewed: list[Verdict], current: dict) -> None:
    """Each round: its verdicts as reviewed, and those whose findings still fire as warnings
    or errors. A later round's sample was drawn after the previous round's fixes, so it is
    the unbiased figure; an earlier round's "still firing" share is flattered by fixes made
    from its own verdicts."""
    for rnd in sorted({v.round for v in reviewed}):
        rows = [v for v in reviewed if v.round == rnd]
        ok = sum(v.verdict == "correct" for v in rows)
        live = [v for v in rows if v.key in current and current[v.key].severity != "info"]
        live_ok = sum(v.verdict == "correct" for v in live)
        print(f"round {rnd}: {len(rows)} reviewed, {ok} correct = {ok / len(rows):.1%} as "
              f"reviewed; {len(live)} still warnings/errors, {live_ok} correct"
              + (f" = {live_ok / len(live):.1%}" if live else ""))
    if reviewed:
        last = max(v.round for v in reviewed)
        rows = [v for v in reviewed if v.round == last]
        share = sum(v.verdict == "correct" for v in rows) / len(rows)
        print(f"goal, judged on the latest round (its sample was drawn after every earlier "
              f"fix): {share:.1%} (goal >= {GOAL_PRECISION:.0%}: "
              f"{'met' if share >= GOAL_PRECISION else 'not met'})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", type=Path, default=VERDICTS)
    ap.add_argument("--list", type=int, default=20, help="examples listed per section")
    ap.add_argument("--sample", type=int, help="draw a review sample of N warnings/errors")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", type=Path, help="where --sample writes its verdict file")
    args = ap.parse_args()
    if args.sample is not None and args.out is None:
        ap.error("--sample needs --out FILE")

    reports, flagged = lint_corpus()
    tables = sum(t for _, t, _ in reports)
    _print_rules(flagged, tables)
    all_tables, all_we = _print_schemas(reports)
    per_table = all_we / max(all_tables, 1)
    print(f"\nCorpus: {len(reports)} schemas, {all_tables} tables, {all_we} warnings+errors: "
          f"{per_table:.2f} per table (goal <= {GOAL_PER_TABLE:.1f}: "
          f"{'met' if per_table <= GOAL_PER_TABLE else 'not met'})")

    from pgarch_kit.lint import all_rules
    known = {r.slug for r in all_rules()} | {"unused-suppression"}
    if args.verdicts.exists():
        _print_precision(flagged, read_verdicts(args.verdicts, known), args.list)
    else:
        print(f"\nno verdict file at {args.verdicts}")

    if args.sample is not None:
        reviewed = ({v.key for v in read_verdicts(args.verdicts, known)}
                    if args.verdicts.exists() else set())
        sample = stratified_sample(flagged, args.sample, args.seed, reviewed)
        write_sample(args.out, sample)
        per = Counter(f.rule for f in sample)
        print(f"\nSample: {len(sample)} warnings/errors (seed {args.seed}) written to {args.out}; "
              f"stratified by rule — every rule with a warning or error at least once, the rest "
              f"in proportion to its count — drawn uniformly within each rule. Per rule: "
              + ", ".join(f"{r} {n}" for r, n in sorted(per.items())))


if __name__ == "__main__":
    main()
