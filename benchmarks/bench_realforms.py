"""How the tool does on every real published form of ``tests/data/realforms`` (not a test; run by hand).

Usage::

    python benchmarks/bench_realforms.py [--verbose]

Each transcription is rendered in its own printed layout, adopted (``jixiao adopt``) and scored by
the national rule (``jixiao score``), then judged against its ``expect`` (see
``tests/realforms_harness.py``). Prints, over all forms: forms adopted, execution scores read,
indicators whose verdict and score match ``expect``, and noisy flags (errors and warnings neither
``expect`` nor ``tests/data/realforms_checks.json`` accounts for) — the goal is 100 %, 100 %,
100 %, 0 — then a line per form (``--verbose``: every miss and every noisy flag).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.realforms_harness import run_all  # noqa: E402


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "0/0"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every miss and every noisy flag")
    args = parser.parse_args(argv)
    judgements = run_all()
    adopted = sum(1 for j in judgements if j.adopted)
    execution = [j for j in judgements if j.execution_expected]
    indicators = sum(j.indicators_expected for j in judgements)
    matched = sum(j.indicators_ok for j in judgements)
    noisy = sum(len(j.noisy) for j in judgements)
    missing = sum(len(j.missing_flags) for j in judgements)
    print(f"real forms: {len(judgements)} forms from {len({j.form_id for j in judgements})} published sources")
    print(f"  forms adopted:            {_percent(adopted, len(judgements))}")
    print(f"  execution scores read:    {_percent(sum(j.execution_ok for j in execution), len(execution))}")
    print(f"  indicators as expected:   {_percent(matched, indicators)}")
    print(f"  noisy flags:              {noisy}")
    print(f"  expected flags not raised: {missing}")
    for j in judgements:
        state = "ok" if (j.adopted and (j.execution_ok or not j.execution_expected) and not j.indicator_misses
                         and not j.noisy and not j.missing_flags) else "MISS"
        print(f"  {state:4} {j.form_id}: indicators {j.indicators_ok}/{j.indicators_expected}, "
              f"noisy {len(j.noisy)}{'  ' + j.error if j.error else ''}")
        if args.verbose:
            for line in [*j.indicator_misses, *map(str, j.noisy), *(f"not raised: {m}" for m in j.missing_flags)]:
                print(f"         {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
