"""The larger hostile-corpus run of issues 13 and 22, and the benchmark over the whole hostile
corpus (not a test; run by hand).

Usage::

    python benchmarks/hostile_run.py [--seeds 3] [--first-seed 0] [--families a,b] [--jobs N]
                                     [--timeout 60] [--memory-mb 1024] [--scale full|ci]
                                     [--every-command] [--failures-only] [--out DIR] [--json RUNS.json]

Builds every family of ``tests/hostile/corpus.py`` once per seed (full scale: 5000 indicator
rows, 1000 merged ranges, 40 MB of cell text, bombs inflating past 1 GB), runs each case
through score, score --in-place, export and collect with the issue's limits (60 s, 1 GB of
address space per command) — and the commands of its own a family of issue 22 brings (outputs
aimed at inputs, hostile and other-kind profiles, report, adopt) —, and prints one line per case
as it ends, the table of runs (family, command, file, result, seconds, peak MB), the table per
family (files, exit codes, slowest run, largest peak memory of one command as ``wait4`` reports
it, tracebacks, exit 1, clerk cells changed, parts lost, failed runs) and the summary line with
the issue's counts, which the goal wants all 0.
Once a command of a case runs out of time or memory, the case's other commands are skipped
(same cause, and an hour saved) unless ``--every-command``.

The corpus is written to ``--out`` (kept) or to a temporary folder (removed); ``--json`` writes
every run (problems in full, first error line) for whoever fixes them. Exit status 1 when any
count is not 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import corpus, runner  # noqa: E402  (after the path is set)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="how many seeds per family")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--families", help="comma-separated family names (default: all)")
    parser.add_argument("--jobs", type=int, default=None, help="cases run at once (default: CPU cores)")
    parser.add_argument("--timeout", type=float, default=runner.TIMEOUT, help="seconds per command")
    parser.add_argument("--memory-mb", type=int, default=runner.MEMORY_MB, help="address space per command")
    parser.add_argument("--scale", choices=("full", "ci"), default="full")
    parser.add_argument("--every-command", action="store_true", help="run a case's commands after a limit was hit")
    parser.add_argument("--failures-only", action="store_true", help="print only the failed runs in the table")
    parser.add_argument("--out", type=Path, help="write the corpus and the outputs here (kept)")
    parser.add_argument("--json", type=Path, help="write every run here as JSON")
    return parser.parse_args(argv)


def progress_line(runs: list[runner.Run]) -> str:
    """Two lines for a finished case: its id, runs, failures and slowest run; what it holds."""
    failed = [run for run in runs if run.problems]
    slowest = max(runs, key=lambda run: run.seconds)
    return (f"  {runs[0].case:42} {len(runs)} runs, {len(failed)} failed"
            f"; slowest {slowest.command} {slowest.seconds:.1f} s, {slowest.peak_mb:.0f} MB\n"
            f"      {runs[0].description}")


def main(argv=None) -> int:
    """Build, run, print; 1 when any count is not 0."""
    args = parse_args(argv)
    families = args.families.split(",") if args.families else list(corpus.FAMILIES)
    unknown = set(families) - set(corpus.FAMILIES)
    if unknown:
        print(f"unknown families: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 64
    options = runner.Options(timeout=args.timeout, memory_mb=args.memory_mb, stop_after_limit=not args.every_command)
    specs = [(name, seed) for seed in range(args.first_seed, args.first_seed + args.seeds) for name in families]
    scale = corpus.FULL if args.scale == "full" else corpus.CI
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jx-hostile-") as scratch:
        out = args.out or Path(scratch)
        setup = corpus.Setup.prepare(out / "_bases", scale)
        print(f"{len(specs)} cases ({len(families)} families × {args.seeds} seeds), {args.timeout:g} s and "
              f"{args.memory_mb} MB per command, in {out}", flush=True)
        runs = runner.run_corpus(out, setup, specs, options, jobs=args.jobs,
                                 progress=lambda case_runs: print(progress_line(case_runs), flush=True))
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(run) for run in runs], ensure_ascii=False, indent=1,
                                        default=sorted),  # a run's allowed exits are a frozenset
                             encoding="utf-8")
    print()
    print(runner.table(runs, only_failures=args.failures_only))
    print()
    print(runner.family_table(runs))
    print()
    print(runner.summary(runs) + f" — {time.perf_counter() - started:.0f} s")
    return 1 if any(runner.counts(runs).values()) else 0


if __name__ == "__main__":
    sys.exit(main())
