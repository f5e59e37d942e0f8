"""Tests for toolkit.submission.collect: a folder of received files → statuses, report, summary workbook."""

import json
import shutil
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from toolkit.submission import fingerprint as fp
from toolkit.cli import main
from toolkit.submission.collect import (STATUS_LABELS, collect, report_schema, validate_collect_report, write_summary)
from toolkit.submission.export import export_file

from .conftest import corrected_copy  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "seed003_项目支出绩效自评表.xlsx"




@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    work = tmp_path_factory.mktemp("collect")
    source = corrected_copy(work / "填报.xlsx")
    inbox = work / "收件"
    (inbox / "子文件夹").mkdir(parents=True)
    good = export_file(source, inbox / "a_good.xlsx").output
    shutil.copy(good, inbox / "b_duplicate.xlsx")
    wb = openpyxl.load_workbook(good)
    wb["政府采购"]["H13"] = 5
    wb.save(inbox / "c_score_edited.xlsx")
    wb = openpyxl.load_workbook(good)
    wb["政府采购"]["F13"] = "20台"
    wb.save(inbox / "d_tampered.xlsx")
    (inbox / "e_corrupt.xlsx").write_bytes(good.read_bytes()[:4000])
    (inbox / "子文件夹" / "f_说明.txt").write_text("请查收", encoding="utf-8")
    wb = openpyxl.load_workbook(good)
    props = fp.read_properties(wb)
    props["jx.template_version"] = "0.9"
    fp.write_properties(wb, props)
    wb.save(inbox / "g_old_template.xlsx")
    shutil.copy(source, inbox / "h_working_copy.xlsx")
    other = openpyxl.Workbook()
    other.active["A1"] = "别的表格"
    other.save(inbox / "i_other_workbook.xlsx")
    wb = openpyxl.load_workbook(good)       # opened and saved again without any change
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = cell.value  # noqa: PLW0127 — same value
                    if cell.value.startswith("="):
                        cell.data_type = "s"
    wb.save(inbox / "子文件夹" / "j_resaved.xlsx")
    return inbox


EXPECTED = {
    "a_good.xlsx": "accepted",
    "b_duplicate.xlsx": "duplicate",
    "c_score_edited.xlsx": "score_edited",
    "d_tampered.xlsx": "tampered",
    "e_corrupt.xlsx": "unreadable",
    "子文件夹/f_说明.txt": "not_excel",
    "g_old_template.xlsx": "wrong_template",
    "h_working_copy.xlsx": "not_export",
    "i_other_workbook.xlsx": "wrong_template",
    "子文件夹/j_resaved.xlsx": "duplicate",
}


@pytest.fixture(scope="module")
def report(folder):
    return collect(folder, jobs=2, progress=False)


def test_every_file_gets_the_right_status(report):
    assert {f["path"]: f["status"] for f in report["files"]} == EXPECTED
    assert report["summary"]["read"] == 10 and report["summary"]["accepted"] == 1
    assert report["summary"]["with_problems"] == 9
    for entry in report["files"]:
        if entry["status"] != "accepted":
            assert entry["problems"], entry["path"]
        assert entry["status_label"] == STATUS_LABELS[entry["status"]]


def test_score_edit_names_exactly_that_file_and_cell(report):
    edited = [(e["path"], p["sheet"], p["cell"]) for e in report["files"] for p in e["problems"]
              if p["code"] == "score_edited"]
    assert edited == [("c_score_edited.xlsx", "政府采购", "H13")]
    message = next(p["message"] for e in report["files"] for p in e["problems"] if p["code"] == "score_edited")
    assert "2.76" in message and "5" in message


def test_tampering_is_located_by_row(report):
    entry = next(e for e in report["files"] if e["path"] == "d_tampered.xlsx")
    assert [(p["code"], p["sheet"], p["cell"]) for p in entry["problems"] if p["code"] == "content_changed"] == \
        [("content_changed", "政府采购", "13:13")]


def test_resaved_unchanged_copy_keeps_its_fingerprint(report):
    entry = next(e for e in report["files"] if e["path"] == "子文件夹/j_resaved.xlsx")
    assert {p["code"] for p in entry["problems"]} == {"duplicate", "duplicate_file"}


def test_report_matches_schema_and_has_rows(report):
    validate_collect_report(json.loads(json.dumps(report, ensure_ascii=False)))
    bad = json.loads(json.dumps(report))
    bad["files"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, report_schema())
    projects = [p for p in report["projects"] if p["file"] == "a_good.xlsx"]
    assert len(projects) == 8
    purchase = next(p for p in projects if p["project"] == "政府采购")
    assert purchase["total"] == 83.96 and purchase["grade"] == "良" and purchase["status"] == "accepted"
    assert purchase["unit"] == "深圳市社会保险基金管理局" and purchase["year"] == "2021"
    assert report["units"][0]["unit"] == "深圳市社会保险基金管理局"


def test_single_process_gives_the_same_statuses(folder, report):
    serial = collect(folder, jobs=1, progress=False)
    assert [(f["path"], f["status"]) for f in serial["files"]] == [(f["path"], f["status"]) for f in report["files"]]


def test_summary_workbook(report, tmp_path):
    path = write_summary(report, tmp_path / "汇总.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["项目汇总", "单位汇总", "文件清单", "问题清单", "图表"]
    ws = wb["项目汇总"]
    assert ws.auto_filter.ref and ws.max_row == len(report["projects"]) + 1
    assert [c.value for c in ws[1]][:5] == ["排名", "单位", "主管部门", "年度", "项目"]
    problems = wb["问题清单"]
    cells = {(r[0].value, r[5].value) for r in problems.iter_rows(min_row=2)}
    assert ("c_score_edited.xlsx", "H13") in cells
    assert len(wb["图表"]._charts) == 3


def test_cli_collect_writes_both_and_prints_summary(folder, tmp_path, capsys):
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    # 9 of the 10 files are not accepted: collect says so in its exit status too
    assert main(["collect", str(folder), "-o", str(out), "--json", str(js), "--jobs", "2", "-q"]) == 6
    text = capsys.readouterr().out
    assert "共读取 10 个文件：通过 1 个，有问题 9 个" in text
    assert "c_score_edited.xlsx" in text and out.exists()
    validate_collect_report(json.loads(js.read_text("utf-8")))


def test_not_a_folder(tmp_path, capsys):
    assert main(["collect", str(tmp_path / "无此文件夹")]) == 2
    assert "不是文件夹" in capsys.readouterr().err  # errors go to stderr


def test_department_exports_are_read_back_and_rescored_by_their_own_profile(tmp_path):
    """A 部门整体 export keeps its 评分表, 基础数据 and 目标完成情况自评表 and names its profile."""
    inbox = tmp_path / "收件"
    sample = SAMPLE.parent / "seed000_部门整体支出绩效.xlsx"
    out = export_file(sample, inbox, force=True).output
    exported = openpyxl.load_workbook(out)
    assert {"评分表", "基础数据", "目标完成情况自评表"} <= set(exported.sheetnames)
    assert fp.read_properties(exported)["jx.profile_id"] == "shenzhen-yantian-2021"
    [entry] = collect(inbox, jobs=1, progress=False)["files"]
    assert entry["status"] == "unresolved_errors"  # forced: the published 6 vs computed 5 remains
    [row] = entry["forms"]
    assert row["total"] == pytest.approx(95.16)
    assert any(p.get("cell") == "J18" and "应得 5" in p["message"] for p in entry["problems"])


@pytest.mark.parametrize("seed", ["seed000", "seed002", "seed004"])
def test_department_exports_carry_no_tool_columns(seed, tmp_path):
    out = export_file(SAMPLE.parent / f"{seed}_部门整体支出绩效.xlsx", tmp_path, force=True).output
    for ws in openpyxl.load_workbook(out).worksheets:
        texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        assert not texts & {"系统计算得分", "计算说明"}, ws.title
