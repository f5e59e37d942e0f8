"""Benchmark ``jixiao collect`` on generated submissions (not a test; run by hand).

Usage::

    python benchmarks/bench_collect.py [--count 1000] [--projects 10] [--distinct 50] [--jobs 2] [--repeat 1]

Generates ``--distinct`` different exports of ``--projects`` project sheets each (from the
corrected seed-003 sample: blanked error cells, unit and project names varied), copies them
to ``--count`` files, then measures, side by side in one run and with the same ``--jobs``
processes:

* the floor: the same files read by python-calamine alone (values of every sheet);
* ``collect`` with its reader chosen per file (``auto``: python-calamine where the guard of
  :mod:`toolkit.submission.fastread` allows, else openpyxl);
* ``collect`` forced onto openpyxl (``JIXIAO_COLLECT_READER=openpyxl``), as before the fast reader;

each as wall time, files/second and its ratio to the floor (best of ``--repeat`` interleaved runs), with
the split of the workers' time between reading (open + parse + reading the forms) and checking
(re-score, fingerprint verification, comparison) and which reader read how many files.

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

    from toolkit.service import read_workbook, resolve_profile
    from toolkit.service import score_book

    shutil.copy(SAMPLE, target)
    for _ in range(6):
        book = read_workbook(target)
        results, _ = score_book(book, resolve_profile(book))  # the profile the sample records (shenzhen)
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


def _collect(inbox: Path, jobs: int, engine: str) -> tuple[float, dict]:
    """(wall seconds, report) of ``collect`` with the reader forced to ``engine`` (workers inherit it)."""
    from toolkit.submission.collect import collect
    from toolkit.submission.fastread import ENGINE_VARIABLE

    previous = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = engine
    try:
        started = time.perf_counter()
        report = collect(inbox, jobs=jobs, progress=False)
        return time.perf_counter() - started, report
    finally:
        if previous is None:
            del os.environ[ENGINE_VARIABLE]
        else:
            os.environ[ENGINE_VARIABLE] = previous


def _floor(paths: list[str], jobs: int) -> tuple[float, int]:
    """(wall seconds, cells) of reading every file with python-calamine alone, same pool size."""
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        cells = sum(pool.map(_calamine_read, paths, chunksize=8))
    return time.perf_counter() - started, cells


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="number of submission files (default 1000)")
    parser.add_argument("--projects", type=int, default=10, help="project sheets per file (default 10)")
    parser.add_argument("--distinct", type=int, default=50, help="distinct exports to generate (default 50)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="processes (default: CPU cores)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best counts (default 1)")
    parser.add_argument("--keep", help="generate into this folder and keep it (an existing inbox there is reused)")
    args = parser.parse_args(argv)

    from toolkit.submission.collect import summary_line

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="jx-bench-"))
    (work / "exports").mkdir(parents=True, exist_ok=True)
    inbox = work / "inbox"
    inbox.mkdir(exist_ok=True)
    started = time.perf_counter()
    distinct = min(args.distinct, args.count)
    if len(list(inbox.iterdir())) != args.count:
        with ProcessPoolExecutor(args.jobs) as pool:
            exports = list(pool.map(_make_export, [(str(work), args.projects, v) for v in range(distinct)]))
        for number in range(args.count):
            shutil.copy(exports[number % distinct], inbox / f"{number:05d}.xlsx")
        print(f"generated {args.count} files ({distinct} distinct exports × {args.projects} projects) "
              f"in {time.perf_counter() - started:.1f} s")
    print(f"{args.count} files in {inbox}; {os.cpu_count()} CPU cores; jobs={args.jobs}; best of {args.repeat}")

    paths = sorted(str(p) for p in inbox.iterdir())
    floors, runs = [], {"auto": [], "openpyxl": []}
    for _ in range(args.repeat):  # interleaved, so that a busy moment of the machine hits all three alike
        floors.append(_floor(paths, args.jobs))
        for engine in runs:
            runs[engine].append(_collect(inbox, args.jobs, engine))
    floor, cells = min(floors)
    runs = {engine: min(found, key=lambda run: run[0]) for engine, found in runs.items()}
    print(summary_line(runs["auto"][1]))
    if [f["status"] for f in runs["auto"][1]["files"]] != [f["status"] for f in runs["openpyxl"][1]["files"]]:
        print("WARNING: the two readers gave different statuses")

    rows = [("python-calamine read only (floor)", floor, None)]
    rows += [(f"collect, reader {engine}" + (" (calamine, openpyxl fallback)" if engine == "auto" else " (forced)"),
              wall, report) for engine, (wall, report) in runs.items()]
    print(f"{'measurement':44} {'wall s':>8} {'files/s':>9} {'× floor':>8}  worker read / check per file; readers")
    for label, wall, report in rows:
        line = f"{label:44} {wall:8.2f} {args.count / wall:9.1f} {wall / floor:8.2f}"
        if report is not None:
            files = report["files"]
            read = sum(f["timing"]["read"] for f in files)
            score = sum(f["timing"]["score"] for f in files)
            readers: dict[str, int] = {}
            for f in files:
                readers[f["timing"].get("reader", "-")] = readers.get(f["timing"].get("reader", "-"), 0) + 1
            line += (f"  {read / len(files) * 1000:.1f} / {score / len(files) * 1000:.1f} ms; "
                     + ", ".join(f"{name} {count}" for name, count in sorted(readers.items())))
        else:
            line += f"  ({cells} cells)"
        print(line)
    auto, forced = runs["auto"][0], runs["openpyxl"][0]
    print(f"ratios: auto / floor {auto / floor:.2f}; openpyxl / floor {forced / floor:.2f}; openpyxl / auto {forced / auto:.2f}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
