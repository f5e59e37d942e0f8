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
from toolkit.exits import EXIT_COMPONENT_MISSING
from toolkit.submission.export import export_file

from .conftest import corrected_copy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"




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
    assert wb.sheetnames == ["汇总说明", "项目汇总", "单位汇总", "文件清单", "问题清单", "复核意见", "图表"]
    ws = wb["项目汇总"]
    assert ws.auto_filter.ref and ws.max_row == len(report["projects"]) + 1 == 9  # the 8 counted forms only
    assert [c.value for c in ws[1]][:6] == ["年度", "表的种类", "组内排名", "单位", "主管部门", "项目"]
    problems = wb["问题清单"]
    cells = {(r[0].value, r[5].value) for r in problems.iter_rows(min_row=2)}
    assert ("c_score_edited.xlsx", "H13") in cells
    assert len(wb["图表"]._charts) == 3
    files = [r[0].value for r in wb["文件清单"].iter_rows(min_row=2)]
    assert len(files) == 10 and files[0] == "子文件夹/f_说明.txt" and files[-1] == "a_good.xlsx"  # worst first
    assert wb["文件清单"]["B11"].fill.fgColor.rgb.endswith("C6EFCE")  # 通过: green
    assert fp.read_properties(wb)["jx.generated_by"] == "collect_summary"  # what a later collect ignores it by


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


# -- issue 18: the summary counts each submission once -------------------------------------------

@pytest.fixture(scope="module")
def seed003_inbox(tmp_path_factory):
    """The published seed-003 sample exported (forced: its published errors remain), an identical
    copy of the export and a hand-edited copy of it: the reproduction of issue 18."""
    work = tmp_path_factory.mktemp("seed003")
    inbox = work / "收件"
    export = export_file(SAMPLE, inbox, force=True).output
    shutil.copy(export, inbox / "copy.xlsx")
    wb = openpyxl.load_workbook(export)
    wb["政府采购"]["H13"] = 5
    wb.save(inbox / "edited.xlsx")
    return inbox


def test_an_export_its_copy_and_an_edited_copy_count_once(seed003_inbox, tmp_path):
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    assert main(["collect", str(seed003_inbox), "-o", str(out), "--json", str(js), "-q", "--jobs", "1"]) == 6
    report = json.loads(js.read_text("utf-8"))
    validate_collect_report(report)
    [unit] = report["units"]
    assert unit["projects"] == 8 and unit["budget"] == pytest.approx(14_013_800)
    assert [p["rank"] for p in report["projects"]] == list(range(1, 9))
    assert {p["file"] for p in report["projects"]} == {"copy.xlsx"}  # the first in path order
    assert sum(report["grades"].values()) == 8
    assert report["summary"]["counted_forms"] == 8 and report["summary"]["excluded_files"] == 2
    wb = openpyxl.load_workbook(out)
    units = wb["单位汇总"]
    header = [c.value for c in units[1]]
    assert units.max_row == 2
    assert units.cell(2, header.index("表数") + 1).value == 8
    assert units.cell(2, header.index("全年预算数") + 1).value == pytest.approx(14_013_800)
    overview = "\n".join(str(c.value) for row in wb["汇总说明"].iter_rows() for c in row if c.value)
    assert "得分被手改 1 个" in overview and "重复报送 1 个" in overview and "「edited.xlsx」" in overview
    assert "无法知道哪些单位应报送而未报送" in overview


def test_the_unit_figure_and_the_recheck_stand_side_by_side(seed003_inbox):
    """98 filled (a deliberate, explained 2-point deduction) and 100 re-checked: both shown, the
    difference stated as accepted; 政府采购 2.75 → 2.76 is a disagreement."""
    report = collect(seed003_inbox, jobs=1, progress=False)
    rows = {p["project"]: p for p in report["projects"]}
    transfer = rows["社会保险转移接续工作外包服务"]
    assert (transfer["total_entered"], transfer["total"], transfer["difference"]) == (98.0, 100.0, -2.0)
    assert transfer["difference_accepted"] and "人工扣分" in transfer["difference_note"]
    purchase = rows["政府采购"]
    assert (purchase["total_entered"], purchase["total"], purchase["difference"]) == (83.95, 83.96, -0.01)
    assert not purchase["difference_accepted"] and "H13" in purchase["difference_note"]


def test_the_summary_sheet_shows_both_totals_and_colours_the_difference(seed003_inbox, tmp_path):
    wb = openpyxl.load_workbook(write_summary(collect(seed003_inbox, jobs=1, progress=False), tmp_path / "汇总.xlsx"))
    ws = wb["项目汇总"]
    header = [c.value for c in ws[1]]
    assert {"填报总分", "复核总分", "差额（填报−复核）", "填报等级", "复核等级"} <= set(header)
    rows = {r[header.index("项目")].value: r for r in ws.iter_rows(min_row=2)}
    diff = header.index("差额（填报−复核）")
    transfer, purchase, repair = rows["社会保险转移接续工作外包服务"], rows["政府采购"], rows["零星修缮"]
    assert transfer[header.index("填报总分")].value == 98 and transfer[header.index("复核总分")].value == 100
    assert transfer[diff].fill.fgColor.rgb.endswith("DDEBF7")  # accepted: blue
    assert purchase[diff].fill.fgColor.rgb.endswith("FFC7CE")  # disagreement: red
    assert repair[diff].value == 0 and repair[diff].fill.fill_type is None


def test_a_roster_lists_missing_and_unexpected(seed003_inbox, tmp_path, capsys):
    roster = tmp_path / "单位名单.xlsx"
    wb = openpyxl.Workbook()
    for row in (["序号", "单位名称", "项目名称"], [1, "深圳市社会保险基金管理局", "政府采购"], [2, None, "零星修缮"],
                [3, None, "不存在的项目"], [4, "某未报送单位", None]):
        wb.active.append(row)
    wb.save(roster)
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    main(["collect", str(seed003_inbox), "-o", str(out), "--json", str(js), "--roster", str(roster), "-q", "--jobs", "1"])
    report = json.loads(js.read_text("utf-8"))
    validate_collect_report(report)
    missing = {(m["unit"], m["project"]) for m in report["roster"]["missing"]}
    assert missing == {("某未报送单位", None), ("深圳市社会保险基金管理局", "不存在的项目")}
    unexpected = {u["project"] for u in report["roster"]["unexpected"]}
    assert len(unexpected) == 6 and "政府采购" not in unexpected
    wb = openpyxl.load_workbook(out)
    assert {"未报送", "多报"} <= set(wb.sheetnames)
    assert "某未报送单位" in [c.value for c in wb["未报送"]["A"]]
    assert "未报送 2 项" in capsys.readouterr().out


def test_a_roster_in_the_inbox_is_not_a_submission(seed003_inbox, tmp_path):
    inbox = tmp_path / "收件"
    shutil.copytree(seed003_inbox, inbox)
    (inbox / "名单.csv").write_text("单位\n深圳市社会保险基金管理局\n", encoding="utf-8")
    js = tmp_path / "报告.json"
    main(["collect", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--json", str(js), "--roster",
          str(inbox / "名单.csv"), "-q", "--jobs", "1"])
    report = json.loads(js.read_text("utf-8"))
    assert [i["path"] for i in report["ignored"]] == ["名单.csv"] and len(report["files"]) == 3
    assert report["roster"]["missing"] == [] and report["roster"]["unexpected"] == []


def test_notices_per_unit_in_plain_words(seed003_inbox, tmp_path):
    notices = tmp_path / "复核意见"
    main(["collect", str(seed003_inbox), "-o", str(tmp_path / "汇总.xlsx"), "--notices", str(notices), "-q",
          "--jobs", "1"])
    [path] = list(notices.iterdir())
    assert path.name == "复核意见_深圳市社会保险基金管理局.xlsx"
    wb = openpyxl.load_workbook(path)
    texts = [str(c.value) for row in wb["复核意见"].iter_rows() for c in row if c.value is not None]
    joined = "\n".join(texts)
    assert "edited.xlsx" in joined and "单元格 H13" in joined and "导出后的文件不能再改动" in joined
    assert not any(code in joined for code in ("score_edited", "duplicate_file", "forced_export", "score_mismatch"))
    assert "SHA-256" not in joined
    # the identical copy repeats the export's findings: each finding is said once, for the file counted
    items = [(r[1].value, r[2].value, r[3].value) for r in wb["复核意见"].iter_rows() if isinstance(r[0].value, int)]
    findings = [(where, problem) for _file, where, problem in items if not problem.startswith("重复报送")]
    assert len(findings) == len(set(findings))
    assert ("copy.xlsx", "工作表「政府采购」单元格 H13") in {(f, w) for f, w, _ in items}


def test_collect_ignores_what_it_wrote_and_refuses_to_write_into_the_inbox(seed003_inbox, tmp_path, capsys,
                                                                             monkeypatch):
    inbox = tmp_path / "收件"
    shutil.copytree(seed003_inbox, inbox)
    received = inbox / "copy.xlsx"
    before = received.read_bytes()
    for args in (["-o", str(received)], ["-o", str(inbox / "汇总.xlsx")], ["--json", str(inbox / "报告.json")],
                 ["--notices", str(inbox / "意见")], ["-o", str(tmp_path / "x.xlsx"), "--json", str(tmp_path / "x.xlsx")]):
        assert main(["collect", str(inbox), "-q", *args]) == 2
        err = capsys.readouterr().err
        assert "收件文件夹" in err or "同一个文件" in err
    assert received.read_bytes() == before and sorted(p.name for p in inbox.iterdir()) == sorted(
        p.name for p in seed003_inbox.iterdir())
    # an earlier summary and report left in the inbox (under any name) are recognised and not checked
    out, js = tmp_path / "汇总.xlsx", tmp_path / "报告.json"
    first = main(["collect", str(inbox), "-o", str(out), "--json", str(js), "--notices", str(tmp_path / "意见"), "-q",
                  "--jobs", "1"])
    shutil.copy(out, inbox / "某单位_2021.xlsx")
    shutil.copy(js, inbox / "报告.json")
    shutil.copy(next((tmp_path / "意见").iterdir()), inbox / "意见.xlsx")
    again = tmp_path / "again.json"
    assert main(["collect", str(inbox), "-o", str(tmp_path / "b.xlsx"), "--json", str(again), "-q", "--jobs", "1"]) == first
    report = json.loads(again.read_text("utf-8"))
    assert sorted(i["path"] for i in report["ignored"]) == sorted(["报告.json", "意见.xlsx", "某单位_2021.xlsx"])
    assert len(report["files"]) == 3 and "wrong_template" not in report["summary"]["by_status"]
    # run inside the inbox without -o: the summary goes beside it, never into it
    monkeypatch.chdir(inbox)
    main(["collect", ".", "-q", "--jobs", "1"])
    assert (tmp_path / "收件_汇总.xlsx").exists() and not (inbox / "汇总.xlsx").exists()


def test_collect_without_pandas_says_a_component_is_missing(seed003_inbox, tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas → ImportError
    out = tmp_path / "汇总.xlsx"
    assert main(["collect", str(seed003_inbox), "-o", str(out), "-q"]) == EXIT_COMPONENT_MISSING == 7
    err = capsys.readouterr().err
    assert "pandas" in err and "jixiao-toolkit[bureau]" in err and "输入文件没有问题" in err
    assert not out.exists()


def test_a_blank_department_template_beside_a_real_one_gives_a_report(tmp_path):
    """Issue 18: a real department export and an exported blank template (a unit named, nothing
    scored: no grade) ended with 意外错误（KeyError）."""
    inbox = tmp_path / "收件"
    export_file(SAMPLE.parent / "seed000_部门整体支出绩效.xlsx", inbox, force=True)
    template = openpyxl.load_workbook(ROOT / "templates" / "部门整体支出绩效_shenzhen-yantian-2021.xlsx")
    for ws in template.worksheets:
        if "JXD_Department" in ws.defined_names:
            ref = ws.defined_names["JXD_Department"].attr_text.split("!")[1].replace("$", "")
            ws[ref] = "某空白单位"
    template.save(tmp_path / "blank.xlsx")
    export_file(tmp_path / "blank.xlsx", inbox, force=True)
    export_file(ROOT / "templates" / "部门整体支出绩效_wuhua-2023.xlsx", inbox, force=True)  # no unit at all
    js = tmp_path / "报告.json"
    assert main(["collect", str(inbox), "-o", str(tmp_path / "汇总.xlsx"), "--json", str(js), "-q", "--jobs", "1"]) == 6
    report = json.loads(js.read_text("utf-8"))
    validate_collect_report(report)
    units = {u["unit"]: u for u in report["units"]}
    assert units["某空白单位"]["average_total"] is None and units["深圳市社会保险基金管理局盐田分局"]["average_total"]
    assert len(report["files"]) == 3
    assert any("未填单位" in line for line in report["summary"]["statement"])


def test_a_bureau_profile_of_its_own_still_counts_each_submission_once(seed003_inbox, tmp_path):
    """Another (custom) rule profile: the intact export is 规则不同, re-scored by the bureau's, still counted once."""
    custom = json.loads((ROOT / "toolkit" / "profiles" / "national.json").read_text("utf-8"))
    custom["id"] = "bureau-2021"
    path = tmp_path / "本局.json"
    path.write_text(json.dumps(custom, ensure_ascii=False), encoding="utf-8")
    report = collect(seed003_inbox, profile=str(path), jobs=1, progress=False)
    validate_collect_report(json.loads(json.dumps(report)))
    assert {f["path"]: f["status"] for f in report["files"]}["copy.xlsx"] == "profile_mismatch"
    assert report["summary"]["counted_forms"] == 8 and report["units"][0]["budget"] == pytest.approx(14_013_800)
    notice = "\n".join(i["problem"] for n in report["notices"] for i in n["items"])
    assert "评分规则与本局复核所用的规则不同" in notice and "SHA-256" not in notice
