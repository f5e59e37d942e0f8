"""`jixiao score` end to end on the sample: output workbook, clerk's cells untouched, report."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from toolkit.forms.project import layout
from toolkit.cli import main
from toolkit.report import validate_report

from .conftest import SAMPLE

PROJECT = "政府采购"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scored")
    out, report = folder / "out.xlsx", folder / "report.json"
    before = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    code = main(["score", str(SAMPLE), "-o", str(out), "--json", str(report)])
    assert code == 0
    assert hashlib.sha256(SAMPLE.read_bytes()).hexdigest() == before, "the input must never change"
    return out, json.loads(report.read_text("utf-8"))


def test_console_script_runs_and_prints_a_summary(tmp_path):
    result = subprocess.run([sys.executable, "-m", "toolkit.cli", "score", str(SAMPLE), "-o",
                             str(tmp_path / "o.xlsx")], capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "政府采购：总分 填报 83.95，复核 83.96，相差 0.01（不一致，见 H13）；等级 良" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_every_clerk_value_is_kept(scored):
    out, _ = scored
    original, result = load_workbook(SAMPLE), load_workbook(out)
    for ws in original.worksheets:
        if ws.title.startswith("_"):
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert result[ws.title][cell.coordinate].value == cell.value, (ws.title, cell.coordinate)


def test_flagged_cells_are_coloured_and_commented(scored):
    out, _ = scored
    ws = load_workbook(out)[PROJECT]
    assert ws["H13"].value == 2.75                      # the clerk's value stays
    assert ws["H13"].fill.fgColor.rgb.endswith("FFC7CE")  # error colour
    assert "8 ÷ 29 × 10 = 2.76" in ws["H13"].comment.text
    assert ws["J13"].value == 2.76                      # tool column: the computed score
    assert "2.76" in ws["K13"].value
    assert ws["H23"].value == "良"                      # blank grade filled by the tool


def test_check_sheet_lists_every_flag_with_a_link(scored):
    out, report = scored
    ws = load_workbook(out)[layout.CHECK_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    header = [r[:8] for r in rows].index(("序号", "工作表", "项目", "单元格", "级别", "问题", "说明", "代码"))
    flag_rows = [r for r in rows[header + 1:] if r[0]]
    assert len(flag_rows) == sum(len(form["flags"]) for form in report["forms"])
    link_row = next(i for i, r in enumerate(rows, start=1) if r[1] == PROJECT and r[3] == "H13")
    assert ws.cell(link_row, 4).hyperlink.location == f"'{PROJECT}'!H13" or \
        ws.cell(link_row, 4).hyperlink.target.endswith(f"'{PROJECT}'!H13")


def test_report_matches_schema_and_contract(scored):
    _, report = scored
    validate_report(report)
    assert report["profile"]["id"] == "shenzhen" and len(report["profile"]["sha256"]) == 64  # the sample's own
    form = next(f for f in report["forms"] if f["name"] == PROJECT)
    total = form["total"]  # shown: what the sheet says; the difference 填报 − 复核 (issue 18)
    assert (total["computed"], total["entered"], total["shown"], total["difference"], total["accepted"]) == \
        (83.96, 83.95, 83.95, -0.01, False)
    assert form["grade"] == "良"
    labels = [i["label"] for i in form["items"]]
    assert labels[0] == "预算执行率" and "采购办公设备计划数" in labels
    quantity = form["items"][labels.index("采购办公设备计划数")]
    assert quantity["cell"] == "H13" and quantity["weight"] == 10
    assert quantity["flags"][0]["code"] == "score_mismatch"
    assert {f["code"] for f in form["flags"]} >= {"score_mismatch", "total_mismatch"}


def test_rescoring_the_scored_file_is_stable(scored, tmp_path):
    out, report = scored
    again = tmp_path / "again.xlsx"
    assert main(["score", str(out), "-o", str(again), "--json", str(tmp_path / "r.json")]) == 0
    second = json.loads((tmp_path / "r.json").read_text("utf-8"))
    strip = lambda r: [(f["name"], f["total"], f["grade"], f["flags"]) for f in r["forms"]]  # noqa: E731
    assert strip(second) == strip(report)


def test_blank_scores_are_filled_and_updated_on_rerun_but_typed_ones_are_not(sample_copy, tmp_path):
    wb = load_workbook(sample_copy)
    ws = wb[PROJECT]
    ws["H13"] = None           # the clerk leaves the quantity score to the tool
    ws["H22"] = None           # and the total
    wb.save(sample_copy)
    first = tmp_path / "first.xlsx"
    assert main(["score", str(sample_copy), "-o", str(first)]) == 0
    ws = load_workbook(first)[PROJECT]
    assert ws["H13"].value == 2.76 and ws["H22"].value == 83.96
    assert ws["H13"].comment is None

    # The clerk now corrects the actual value to 10台 and types their own total.
    wb = load_workbook(first)
    wb[PROJECT]["F13"] = "10台"
    wb[PROJECT]["H22"] = 84
    wb.save(first)
    second = tmp_path / "second.xlsx"
    assert main(["score", str(first), "-o", str(second)]) == 0
    ws = load_workbook(second)[PROJECT]
    assert ws["H13"].value == 3.45          # the tool's own earlier value is updated
    assert ws["H22"].value == 84            # the clerk's typed total is kept…
    assert "84" in ws["H22"].comment.text   # …and flagged against the sum (84.65)


def test_flag_colour_is_cleared_when_the_problem_is_fixed(scored, tmp_path):
    out, _ = scored
    wb = load_workbook(out)
    wb[PROJECT]["H13"] = 2.76
    wb.save(tmp_path / "fixed.xlsx")
    assert main(["score", str(tmp_path / "fixed.xlsx"), "-o", str(tmp_path / "fixed2.xlsx")]) == 0
    cell = load_workbook(tmp_path / "fixed2.xlsx")[PROJECT]["H13"]
    assert cell.comment is None and cell.fill.fill_type is None


def test_output_equal_to_input_needs_in_place_and_makes_a_backup(sample_copy, capsys):
    assert main(["score", str(sample_copy), "-o", str(sample_copy)]) == 2
    assert "--in-place" in capsys.readouterr().err  # errors go to stderr
    assert main(["score", str(sample_copy), "--in-place"]) == 0     # writes the input itself…
    assert main(["score", str(sample_copy), "--in-place"]) == 0     # …twice
    backups = sorted(sample_copy.parent.glob("seed003.bak-*.xlsx"))
    assert len(backups) == 2, "an earlier backup is never replaced"
    assert SAMPLE.read_bytes() in [b.read_bytes() for b in backups]  # the clerk's original survives
    assert layout.CHECK_SHEET in load_workbook(sample_copy).sheetnames
    assert not list(sample_copy.parent.glob("*_评分.xlsx"))


def test_unreadable_text_in_an_output_cell_is_flagged_never_replaced(sample_copy, tmp_path):
    wb = load_workbook(sample_copy)
    ws = wb[PROJECT]
    typed = {"H14": "满分", "F6": "十", "G6": "一成二", "H22": "八十四分", "G22": "一百"}
    for ref, text in typed.items():
        ws[ref] = text
    wb.save(sample_copy)
    assert main(["score", str(sample_copy), "-o", str(tmp_path / "o.xlsx")]) == 0
    out = load_workbook(tmp_path / "o.xlsx")[PROJECT]
    for ref, text in typed.items():
        assert out[ref].value == text, ref
        assert "数字" in out[ref].comment.text, ref


def test_a_clerks_formula_is_never_replaced(sample_copy, tmp_path):
    wb = load_workbook(sample_copy)
    wb[PROJECT]["H22"] = "=SUM(H6,H13:H21)"   # saved by openpyxl: no cached result
    wb.save(sample_copy)
    assert main(["score", str(sample_copy), "-o", str(tmp_path / "o.xlsx"),
                 "--json", str(tmp_path / "r.json")]) == 0
    assert load_workbook(tmp_path / "o.xlsx")[PROJECT]["H22"].value == "=SUM(H6,H13:H21)"
    form = next(f for f in json.loads((tmp_path / "r.json").read_text("utf-8"))["forms"] if f["name"] == PROJECT)
    assert any(f["code"] == "formula_not_calculated" and f["cell"] == "H22" for f in form["flags"])


def test_unwritable_output_and_wrong_suffix_get_clear_messages(tmp_path, capsys):
    (tmp_path / "dir.xlsx").mkdir()
    assert main(["score", str(SAMPLE), "-o", str(tmp_path / "dir.xlsx")]) == 2
    assert "无法写入" in capsys.readouterr().err  # errors go to stderr
    assert main(["score", str(SAMPLE), "-o", str(tmp_path / "out.csv")]) == 2
    assert ".xlsx" in capsys.readouterr().err  # errors go to stderr


def test_profile_check_on_a_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_bytes(b"\xff\xfe{")
    assert main(["profile", "check", str(path)]) == 3
    out = capsys.readouterr().err  # errors go to stderr
    assert "UTF-8" in out and "Traceback" not in out


def test_formula_looking_text_stays_text(sample_copy, tmp_path):
    wb = load_workbook(sample_copy)
    cell = wb[PROJECT]["I14"]
    cell.value = "=因设备到货延迟"
    cell.data_type = "s"
    wb.save(sample_copy)
    assert main(["score", str(sample_copy), "-o", str(tmp_path / "o.xlsx")]) == 0
    out = load_workbook(tmp_path / "o.xlsx")[PROJECT]["I14"]
    assert out.value == "=因设备到货延迟" and out.data_type == "s"


def test_tool_values_are_recognised_after_the_clerk_inserts_rows(sample_copy, tmp_path):
    """The tool fills a blank total; the clerk then inserts an indicator row above it (the total
    moves from H22 to H23) and re-scores: the moved total is still the tool's and is updated."""
    from .conftest import excel_like_insert_rows

    wb = load_workbook(sample_copy)
    wb[PROJECT]["H22"] = None
    wb[PROJECT]["H13"] = None
    wb.save(sample_copy)
    first = tmp_path / "first.xlsx"
    assert main(["score", str(sample_copy), "-o", str(first)]) == 0
    assert load_workbook(first)[PROJECT]["H22"].value == 83.96

    wb = load_workbook(first)
    ws = wb[PROJECT]
    excel_like_insert_rows(ws, 13)                     # a new first 数量指标 row
    for col, value in zip("DEFGHI", ["采购打印机数", "≥4台", "4台", 0, None, None]):
        ws[f"{col}13"] = value
    ws["F14"] = "20台"                                 # and the clerk corrects the old row's actual
    wb.save(first)
    second = tmp_path / "second.xlsx"
    assert main(["score", str(first), "-o", str(second), "--json", str(tmp_path / "r.json")]) == 0
    ws = load_workbook(second)[PROJECT]
    assert ws["H14"].value == 6.9                      # 20 ÷ 29 × 10, the tool's moved value updated
    assert ws["H23"].value == 88.1                     # the moved total updated, not "entered"
    form = next(f for f in json.loads((tmp_path / "r.json").read_text("utf-8"))["forms"] if f["name"] == PROJECT)
    assert not [f for f in form["flags"] if f["code"] in ("total_not_sum", "score_mismatch")]
