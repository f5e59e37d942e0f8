"""Benchmark: calls into Excel per press of 「计算得分」, on 1, 8 and 50 project forms.

    python benchmarks/bench_excel_calls.py [--forms 1 8 50] [--ms 1 10]

Runs the button's code (toolkit.excel.xl.run_score) on xlwings' remote engine over workbooks of
N seed-003 projects, counting every call the toolkit makes into xlwings (tests/xl_calls.py:
reads, writes, lookups). Three presses each: the first on a fresh workbook, a second with nothing
changed, a third after the clerk corrected one 实际完成值 in every form. Prints the counts, the
calls per form, and the time a clerk waits for them on Windows at the given milliseconds per COM
call (each counted call is one COM call or more; the Python side is timed separately).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # the remote engine, for counting only

from tests.test_xl_remote import book_json, payload_after, press, projects_workbook  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, nargs="+", default=[1, 8, 50])
    parser.add_argument("--ms", type=float, nargs="+", default=[1.0, 10.0], help="milliseconds per COM call")
    args = parser.parse_args()
    print(f"{'forms':>5} {'press':<14} {'reads':>6} {'writes':>6} {'lookups':>7} {'r+w/form':>9} {'all/form':>9} "
          + " ".join(f"{'@' + format(ms, 'g') + 'ms':>8}" for ms in args.ms) + f" {'python s':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for forms in args.forms:
            payload = book_json(projects_workbook(Path(tmp), forms))
            presses = []
            started = time.perf_counter()
            run, calls, replay = press(payload)
            presses.append(("first", calls, time.perf_counter() - started))
            again = payload_after(payload, replay)
            started = time.perf_counter()
            run, calls, replay = press(again)
            presses.append(("unchanged", calls, time.perf_counter() - started))
            edited = payload_after(payload, replay)
            for sheet in edited["sheets"][1:1 + forms]:
                sheet["values"][12][5] = "约50万人次"
            started = time.perf_counter()
            run, calls, replay = press(edited)
            presses.append(("one edit/form", calls, time.perf_counter() - started))
            for name, calls, seconds in presses:
                total = calls.reads + calls.writes + calls.lookups
                waits = " ".join(f"{total * ms / 1000:>7.1f}s" for ms in args.ms)
                print(f"{forms:>5} {name:<14} {calls.reads:>6} {calls.writes:>6} {calls.lookups:>7} "
                      f"{(calls.reads + calls.writes) / forms:>9.1f} {total / forms:>9.1f} {waits} {seconds:>9.2f}")


if __name__ == "__main__":
    main()
