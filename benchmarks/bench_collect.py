"""Benchmark ``jixiao collect`` on generated submissions (not a test; run by hand).

Usage::

    python benchmarks/bench_collect.py [--count 1000] [--projects 10] [--distinct 50] [--jobs 2]

Generates ``--distinct`` different exports of ``--projects`` project sheets each (from the
corrected seed-003 sample: blanked error cells, unit and project names varied), copies them
to ``--count`` files, then measures

* ``collect`` with ``--jobs`` processes: wall time and files/second, and the split of the
  workers' time between reading (open + parse + fingerprint properties) and checking
  (re-score, fingerprint verification, comparison);
* the floor: the same files read by python-calamine (values of every sheet), same pool.

Copies of one export are reported as duplicates; they go through exactly the same work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"


def make_source(target: Path, projects: int, variant: int) -> Path:
    """A filled workbook with ``projects`` sheets and no errors, unit named by ``variant``."""
    import openpyxl
    from openpyxl.workbook.defined_name import DefinedName

    from toolkit.core.profile import load_profile
    from toolkit.service import read_workbook
    from toolkit.service import score_book

    shutil.copy(SAMPLE, target)
    for _ in range(6):
        results, _ = score_book(read_workbook(target), load_profile("national"))
        errors = [f for r in results for f in r.flags if f.severity == "error" and f.cell]
        if not errors:
            break
        wb = openpyxl.load_workbook(target)
        for flag in errors:
            wb[flag.sheet][flag.cell].value = None
        wb.save(target)
    wb = openpyxl.load_workbook(target)
    forms = [ws for ws in wb.worksheets if "JX_IndicatorHeader" in ws.defined_names]
    index = 0
    while len(forms) < projects:
        source = forms[index % 8]
        copy = wb.copy_worksheet(source)
        copy.title = f"项目{len(forms) + 1}"
        for name, dn in source.defined_names.items():
            text = dn.attr_text.replace(f"'{source.title}'", f"'{copy.title}'")
            copy.defined_names[name] = DefinedName(name, attr_text=text)
        forms.append(copy)
        index += 1
    for ws in forms[projects:]:
        wb.remove(ws)
    for number, ws in enumerate(forms[:projects], start=1):
        ws[ws.defined_names["JX_ProjectName"].attr_text.split("!")[1].replace("$", "")] = f"项目{variant:04d}-{number:02d}"
        ws[ws.defined_names["JX_Implementer"].attr_text.split("!")[1].replace("$", "")] = f"测试单位{variant:04d}"
    wb.save(target)
    return target


def _make_export(args) -> str:
    from toolkit.submission.export import export_file

    work, projects, variant = args
    source = make_source(Path(work) / f"src{variant}.xlsx", projects, variant)
    return str(export_file(source, Path(work) / "exports").output)


def _calamine_read(path: str) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    cells = 0
    for name in book.sheet_names:
        cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return cells


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="number of submission files (default 1000)")
    parser.add_argument("--projects", type=int, default=10, help="project sheets per file (default 10)")
    parser.add_argument("--distinct", type=int, default=50, help="distinct exports to generate (default 50)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes (default: CPU cores)")
    parser.add_argument("--keep", help="generate into this folder and keep it")
    args = parser.parse_args(argv)

    from toolkit.submission.collect import collect, summary_line

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="jx-bench-"))
    (work / "exports").mkdir(parents=True, exist_ok=True)
    inbox = work / "inbox"
    inbox.mkdir(exist_ok=True)
    started = time.perf_counter()
    distinct = min(args.distinct, args.count)
    with ProcessPoolExecutor(args.jobs) as pool:
        exports = list(pool.map(_make_export, [(str(work), args.projects, v) for v in range(distinct)]))
    for number in range(args.count):
        shutil.copy(exports[number % distinct], inbox / f"{number:05d}.xlsx")
    print(f"generated {args.count} files ({distinct} distinct exports × {args.projects} projects) "
          f"in {time.perf_counter() - started:.1f} s; {os.cpu_count()} CPU cores; jobs={args.jobs}")

    started = time.perf_counter()
    report = collect(inbox, jobs=args.jobs, progress=True)
    wall = time.perf_counter() - started
    read = sum(f["timing"]["read"] for f in report["files"])
    score = sum(f["timing"]["score"] for f in report["files"])
    print(summary_line(report))
    print(f"collect: {wall:.1f} s wall, {args.count / wall:.1f} files/s "
          f"({args.count * args.projects / wall:.0f} forms/s)")
    print(f"  worker time: read {read:.1f} s ({read / (read + score):.0%}), "
          f"re-score + checks {score:.1f} s ({score / (read + score):.0%}); "
          f"per file: read {read / args.count * 1000:.0f} ms, check {score / args.count * 1000:.0f} ms")

    paths = sorted(str(p) for p in inbox.iterdir())
    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        cells = sum(pool.map(_calamine_read, paths, chunksize=8))
    floor = time.perf_counter() - started
    print(f"floor (python-calamine, values only, same pool): {floor:.1f} s wall, {args.count / floor:.1f} files/s "
          f"({cells} cells)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
