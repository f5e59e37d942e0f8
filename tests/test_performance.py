"""What the speed-ups must not change (timings live in benchmarks/, not here): the one-load
reader sees the same values as two loads, and the scored copy keeps every cell's style."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolkit.service import read_openpyxl_book, score_file
from toolkit.workbook.cached import formula_cache
from toolkit.workbook.io import open_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = [ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx", ROOT / "samples" / "seed000_部门整体支出绩效.xlsx"]


def _styles(ws) -> dict:
    # repr: openpyxl's style proxies compare by identity, their printed parameters by value
    return {cell.coordinate: repr((cell.font, cell.border, cell.fill, cell.number_format, cell.alignment))
            for cell in ws._cells.values()}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_scored_copy_keeps_every_cell_style(sample, tmp_path):
    outcome = score_file(sample, tmp_path / "scored.xlsx")
    written = set(outcome.plan.edits)
    before = open_workbook(sample, keep_merged_styles=True)
    after = open_workbook(tmp_path / "scored.xlsx", keep_merged_styles=True)
    for ws in before.worksheets:
        old, new = _styles(ws), _styles(after[ws.title])
        changed = [ref for ref, style in old.items() if (ws.title, ref) not in written and new.get(ref) != style]
        assert not changed, (ws.title, changed[:5])


def test_one_load_reads_what_two_loads_read(tmp_path):
    """Cached formula results read from the package equal openpyxl's data_only values."""
    from openpyxl import load_workbook

    source = tmp_path / "formulas.xlsx"
    shutil.copy(SAMPLES[0], source)
    wb = load_workbook(source)
    ws = wb.worksheets[1]
    ws["H19"] = "=SUM(H13:H18)"  # a clerk's total formula
    wb.save(source)
    # No cache in a file openpyxl wrote: both readers see no value.
    assert formula_cache(source) == {}
    scored = tmp_path / "scored.xlsx"
    score_file(source, scored)  # keeps the (absent) cache; now give it one as Excel would
    values = load_workbook(scored, data_only=True)
    two_loads = read_openpyxl_book(values, scored, formula_wb=load_workbook(scored))
    one_load = read_openpyxl_book(open_workbook(scored, data_only=False, keep_merged_styles=True), scored,
                                  cached=formula_cache(scored))
    for a, b in zip(two_loads.forms, one_load.forms):
        assert [(c.ref, c.value, c.formula) for c in a.cells()] == [(c.ref, c.value, c.formula) for c in b.cells()]


def test_cached_formula_results_survive_scoring(tmp_path):
    """A total formula with a cached value keeps it in the scored copy, so the next scoring sees it."""
    from tests.hostile import corpus

    case = corpus.build_case(tmp_path, "total_formula_with_cached_value", 0, corpus.Setup.prepare(tmp_path, corpus.CI))
    source = case.inputs[0]
    cache = formula_cache(source)
    assert cache, "the corpus file carries cached formula results"
    score_file(source, tmp_path / "scored.xlsx")
    kept = formula_cache(tmp_path / "scored.xlsx")
    for sheet, values in cache.items():
        assert kept.get(sheet) == values


def test_a_button_press_imports_neither_pandas_nor_numpy():
    """In a fresh process (as Excel starts one per press), with pandas installed."""
    import subprocess
    import sys

    from toolkit.excel.addin import BUTTONS_DIR

    code = ("import sys; sys.path.insert(0, sys.argv[1]); import jixiao_score\n"
            "jixiao_score.main()  # no Excel here: the press ends with its 'no workbook open' message\n"
            "assert 'xlwings' in sys.modules and 'openpyxl' in sys.modules  # the whole button path ran\n"
            "print('LOADED', sorted(m for m in ('pandas', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code, str(BUTTONS_DIR)], capture_output=True, text=True,
                            cwd=ROOT, env={"XLWINGS_LICENSE_KEY": "noncommercial", "PATH": "/usr/bin:/bin"})
    assert "LOADED []" in result.stdout, result.stdout + result.stderr
    import importlib.util
    assert importlib.util.find_spec("pandas") is not None  # …although pandas is installed here
