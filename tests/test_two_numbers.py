"""Issue 18, two numbers: the unit's figure (填报) beside the re-check (复核) in the JSON score
report and on the console, with the difference and whether the tool accepts it."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from toolkit.cli import main
from toolkit.core.problems import Flag
from toolkit.core.profile import load_profile
from toolkit.core.results import FormResult, ItemResult
from toolkit.forms.project.scoring import score_form
from toolkit.forms.project.template import build_workbook
from toolkit.report import form_report, two_numbers_line, validate_report
from toolkit.service import read_workbook

from .conftest import ROOT, SAMPLE

OUTSOURCING = "社会保险转移接续工作外包服务"  # seed 003: unit 98, re-check 100 (an explained 2-point deduction)


@pytest.fixture(scope="module")
def seed003(tmp_path_factory):
    """``jixiao score`` of the seed-003 sample: (console output, JSON report)."""
    folder = tmp_path_factory.mktemp("two-numbers")
    report = folder / "报告.json"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["score", str(SAMPLE), "-o", str(folder / "评分.xlsx"), "--json", str(report)]) == 0
    return buffer.getvalue(), json.loads(report.read_text("utf-8"))


def form(report: dict, name: str) -> dict:
    [found] = [f for f in report["forms"] if f["name"] == name]
    return found


def test_report_keeps_both_totals_and_accepts_the_explained_deduction(seed003):
    _, report = seed003
    validate_report(report)
    outsourcing = form(report, OUTSOURCING)
    total = outsourcing["total"]
    assert (total["entered"], total["shown"], total["computed"]) == (98, 98, 100)  # existing keys kept
    assert (total["difference"], total["accepted"], total["note"], total["residual"]) == (-2, True, "人工扣分，已说明", 0)
    assert total["causes"] == [{"cell": "H20", "label": "参保人对转移的数据录入基本满意", "difference": -2.0,
                                "accepted": True, "note": "人工扣分，已说明"}]
    [item] = [i for i in outsourcing["items"] if i["cell"] == "H20"]
    assert (item["entered"], item["computed"], item["difference"], item["accepted"]) == (18, 20, -2, True)
    assert [f["code"] for f in item["flags"]] == ["manual_deduction"]
    assert all(i["difference"] == 0 and i["accepted"] for i in outsourcing["items"] if i["cell"] != "H20")
    assert outsourcing["grade_check"] == {"shown": "优", "computed": "优", "same": True, "accepted": True}


def test_report_marks_disagreements_and_accepted_parts_apart(seed003):
    _, report = seed003
    purchase = form(report, "政府采购")["total"]  # 2.75 for 2.76: an error
    assert (purchase["difference"], purchase["accepted"], purchase["note"]) == (-0.01, False, "不一致，见 H13")
    public = form(report, "社保业务公众服务经费")  # an error in H6, an explained deduction in H16, a total row off by 0.01
    assert (public["total"]["difference"], public["total"]["accepted"]) == (-1.49, False)
    assert public["total"]["residual"] == 0.01
    assert public["total"]["note"] == "不一致，见 H6、H19；其中 H16 人工扣分，已说明"
    by_cell = {i["cell"]: i for i in public["items"]}
    assert (by_cell["H6"]["difference"], by_cell["H6"]["accepted"], by_cell["H6"]["note"]) == (-0.1, False, "不一致")
    assert (by_cell["H16"]["difference"], by_cell["H16"]["accepted"]) == (-1.4, True)
    # a deduction without a reason is a warning, not accepted
    purchases = form(report, "零星购置费")
    assert (purchases["total"]["difference"], purchases["total"]["accepted"]) == (-0.1, False)
    # a manual score within its tier is the score: no difference
    repairs = form(report, "零星修缮")
    [h16] = [i for i in repairs["items"] if i["cell"] == "H16"]
    assert (h16["difference"], h16["accepted"], repairs["total"]["note"]) == (0, True, "一致")


def test_console_prints_both_numbers_and_the_difference(seed003):
    out, _ = seed003
    assert f"{OUTSOURCING}：总分 填报 98，复核 100，相差 2（人工扣分，已说明）；等级 优；错误 0，提醒 0，说明 2" in out
    assert "政府采购：总分 填报 83.95，复核 83.96，相差 0.01（不一致，见 H13）；等级 良" in out
    assert "案件调查取证费：总分 填报 91.9，复核 91.9，一致；等级 优" in out


def test_report_time_is_beijing_time(seed003):
    _, report = seed003
    assert report["generated_at"].endswith("+08:00")


def test_department_items_the_tool_cannot_score_are_not_compared(tmp_path):
    report = tmp_path / "部门.json"
    assert main(["score", str(ROOT / "samples" / "seed000_部门整体支出绩效.xlsx"), "-o", str(tmp_path / "o.xlsx"),
                 "--json", str(report)]) == 0
    data = json.loads(report.read_text("utf-8"))
    validate_report(data)
    scores = data["forms"][0]
    assert (scores["total"]["entered"], scores["total"]["computed"]) == (96.8, 95.16)
    assert (scores["total"]["difference"], scores["total"]["accepted"]) == (1.64, False)
    assert [c["cell"] for c in scores["total"]["causes"]] == ["J18", "J19"]
    j4 = next(i for i in scores["items"] if i["cell"] == "J4")
    assert (j4["difference"], j4["accepted"], j4["note"]) == (None, None, "工具无法复核，采用填报值")


def test_another_rounding_convention_is_accepted(tmp_path):
    """national: the clerk's 8.6 is the two-decimal convention's execution score (re-check 8.62)."""
    total = {"initial": 250000.0, "budget": 250000.0, "actual": 215457.6, "weight": 10, "score": 8.6}
    met = {"level1": "满意度指标", "level2": "", "level3": "投诉回应及时", "target": "及时", "actual": "及时",
           "weight": 90, "score": 90, "reason": None}
    data = {"sheet": "项目1", "project_name": "测试项目", "year": 2023, "money_unit": "元", "total_weight": 100, "total_score": 98.6,
            "funds": {"total": total, "appropriation": {"budget": 250000.0, "actual": 215457.6}},
            "indicators": [met]}
    path = tmp_path / "form.xlsx"
    build_workbook([data]).save(path)
    [read] = read_workbook(path).forms
    result = score_form(read, load_profile("national"))
    report = form_report(result)
    execution = report["items"][0]
    assert (execution["entered"], execution["computed"], execution["difference"]) == (8.6, 8.62, -0.02)
    assert execution["accepted"] and execution["note"] == "按另一常见舍入口径，已说明"
    assert report["total"]["accepted"] is True
    assert "相差 0.02（按另一常见舍入口径，已说明）" in two_numbers_line(result)


def test_grades_stand_side_by_side():
    deduction = ItemResult("indicator", "满意度", 20, 20.0, 8.0, "H20", "qualitative", "", "", "",
                           flags=[Flag("manual_deduction", "info", "H20", "…")])
    accepted = FormResult("s", "项目", "project", [deduction], 100.0, 88.0, "优", None, 1.0, deduction.flags, {},
                          total_shown=88.0, grade_shown="良")
    assert form_report(accepted)["grade_check"] == {"shown": "良", "computed": "优", "same": False, "accepted": True}
    assert "等级 填报 良，复核 优（随总分差异，已接受）" in two_numbers_line(accepted)
    error = ItemResult("indicator", "数量", 20, 20.0, 8.0, "H13", "ratio", "", "", "",
                       flags=[Flag("score_mismatch", "error", "H13", "…")])
    disputed = FormResult("s", "项目", "project", [error], 100.0, 88.0, "优", None, 1.0, error.flags, {},
                          total_shown=88.0, grade_shown="良")
    check = form_report(disputed)["grade_check"]
    assert (check["same"], check["accepted"]) == (False, False)
    assert "总分 填报 88，复核 100，相差 12（不一致，见 H13）；等级 填报 良，复核 优；" in two_numbers_line(disputed)


def test_a_total_whose_difference_is_all_accepted_is_an_info_not_a_warning():
    # seed 003 社会保险转移接续工作外包服务: 98 against 100, the 2 points a deduction with its reason.
    from toolkit.service import score_file
    import tempfile, pathlib
    outcome = score_file(SAMPLE, pathlib.Path(tempfile.mkdtemp()) / "out.xlsx")
    [form] = [result for result in outcome.results if result.name == OUTSOURCING]
    [total] = [flag for flag in form.flags if flag.code == "total_mismatch"]
    assert total.severity == "info" and "填报值保留" in total.message
    [other] = [result for result in outcome.results if result.name == "政府采购"]
    assert [flag.severity for flag in other.flags if flag.code == "total_mismatch"] == ["warning"]
