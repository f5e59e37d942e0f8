"""Benchmark: ``jixiao score`` against an openpyxl load + save of the same workbook.

    python benchmarks/bench_score.py [--projects 1 10 50 200] [--repeat 3]

Builds workbooks of N projects from the seed-003 sample data (the 8 projects repeated), then
times, side by side in one run: openpyxl ``load_workbook`` + ``save`` (the floor: a tool that
reads and writes the file at all), and :func:`toolkit.service.score_file`. Prints seconds, the
ratio, ms per project and peak memory (tracemalloc) of each.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from toolkit.forms.project.builds import seed003_projects  # noqa: E402
from toolkit.forms.project.template import build_workbook  # noqa: E402
from toolkit.service import score_file  # noqa: E402


def make_workbook(folder: Path, count: int) -> Path:
    projects = seed003_projects(ROOT / "samples")
    chosen = [dict(projects[i % len(projects)], sheet=f"项目{i + 1}") for i in range(count)]
    path = folder / f"projects_{count}.xlsx"
    build_workbook(chosen).save(path)
    return path


def measure(work, repeat: int) -> tuple[float, float]:
    """(best seconds, peak MB) of ``work()``."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for count in args.projects:
            path = make_workbook(folder, count)
            floor, floor_mb = measure(lambda: load_workbook(path).save(folder / "floor.xlsx"), args.repeat)
            score, score_mb = measure(lambda: score_file(path, folder / "scored.xlsx"), args.repeat)
            rows.append({"projects": count, "load_save_s": round(floor, 3), "score_s": round(score, 3),
                         "ratio": round(score / floor, 2), "ms_per_project": round(score / count * 1000, 1),
                         "load_save_peak_mb": round(floor_mb, 1), "score_peak_mb": round(score_mb, 1),
                         "memory_ratio": round(score_mb / floor_mb, 2)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    print(f"{'项目数':>6} {'load+save s':>12} {'score s':>9} {'倍数':>6} {'ms/项目':>8} {'内存倍数':>8}")
    for r in rows:
        print(f"{r['projects']:>6} {r['load_save_s']:>12} {r['score_s']:>9} {r['ratio']:>6} {r['ms_per_project']:>8} "
              f"{r['memory_ratio']:>8}")


if __name__ == "__main__":
    main()
