"""Issue 17, rules: the 一体化系统's one rounding (national) and Shenzhen's two-decimal rate (shenzhen),
a clerk's figure under the other common rounding convention, cost overruns inside rounding, a
completion table's status in the JSON report, and which profile a workbook is scored by."""

from __future__ import annotations

import json
import shutil

import pytest
from openpyxl import load_workbook

from toolkit.cli import main
from toolkit.core.catalogue import CATALOGUE
from toolkit.core.profile import ProfileError, load_profile
from toolkit.forms.project.scoring import score_form
from toolkit.forms.project.template import build_workbook
from toolkit.report import validate_report
from toolkit.service import read_workbook, resolve_profile, score_file
from toolkit.submission.collect import collect, validate_collect_report
from toolkit.submission.export import export_file
from toolkit.workbook.meta import read_meta

from .conftest import ROOT, SAMPLE

NATIONAL, SHENZHEN = load_profile("national"), load_profile("shenzhen")


def project(indicators, budget=250000.0, actual=215457.6, score=None):
    total = {"initial": budget, "budget": budget, "actual": actual, "weight": 10, "score": score}
    return {"sheet": "项目1", "project_name": "测试项目", "year": 2023, "money_unit": "元",
            "funds": {"total": total, "appropriation": {"budget": budget, "actual": actual}},
            "indicators": indicators}


def row(target, actual, weight, score=None, reason=None, level1="产出指标", level2="数量指标", level3="指标"):
    return {"level1": level1, "level2": level2, "level3": level3, "target": target, "actual": actual,
            "weight": weight, "score": score, "reason": reason}


def met(weight):
    return row("及时", "及时", weight, level1="满意度指标", level2="", level3="投诉回应及时")


def scored(tmp_path, data, profile=NATIONAL):
    path = tmp_path / "form.xlsx"
    build_workbook([data]).save(path)
    [form] = read_workbook(path).forms
    return score_form(form, profile)


def codes(item):
    return [(f.code, f.severity) for f in item.flags]


# -- 1/2. national rounds once at the end; shenzhen rounds the rate first ----------------------

def test_national_scores_the_execution_rate_unrounded_and_accepts_the_clerks_8_62(tmp_path):
    """215457.6 ÷ 250000 = 0.8618 → 8.62 (the 一体化系统); the clerk's 8.62 is right."""
    result = scored(tmp_path, project([met(90)], score=8.62))
    execution = result.items[0]
    assert execution.computed == 8.62 and execution.entered == 8.62
    assert execution.flags == []
    assert "0.8618 × 10 = 8.62" in execution.explanation
    assert result.execution_rate == pytest.approx(0.8618304)
    assert result.total_computed == 98.62


def test_shenzhen_rounds_the_rate_to_two_decimals_first(tmp_path):
    result = scored(tmp_path, project([met(90)], score=8.6), SHENZHEN)
    execution = result.items[0]
    assert execution.computed == 8.6 and execution.flags == []
    assert "0.8618 → 0.86；得分 = 0.86 × 10 = 8.6" in execution.explanation
    assert result.execution_rate == 0.86


# -- 3. a clerk's figure under the other common convention is an info --------------------------

def test_the_other_rounding_convention_is_an_info_naming_both(tmp_path):
    # national: 8.6 is the two-decimal convention's figure
    execution = scored(tmp_path, project([met(90)], score=8.6)).items[0]
    assert execution.computed == 8.62
    [flag] = execution.flags
    assert (flag.code, flag.severity, flag.cell) == ("rounding_convention", "info", "H6")
    assert "填报 8.6 是按「执行率先保留 2 位小数再乘分值」计算的结果" in flag.message
    assert "215,457.60 ÷ 250,000.00 = 0.8618 → 0.86 × 10 = 8.6" in flag.message
    assert "按「执行率不先舍入，得分最后保留 2 位小数」计算，应为 8.62" in flag.message
    # shenzhen: 8.62 is the unrounded convention's figure
    [flag] = scored(tmp_path, project([met(90)], score=8.62), SHENZHEN).items[0].flags
    assert flag.code == "rounding_convention" and "「执行率不先舍入" in flag.message and "应为 8.6" in flag.message
    # neither convention gives 8.5: an error, as before
    [flag] = scored(tmp_path, project([met(90)], score=8.5)).items[0].flags
    assert (flag.code, flag.severity) == ("score_mismatch", "error")
    # a profile that lists no other convention reports the 8.6 as an error
    strict = json.loads(json.dumps(NATIONAL.data))
    strict["rate_rounding_conventions"] = []
    path = tmp_path / "strict.json"
    path.write_text(json.dumps(strict, ensure_ascii=False), "utf-8")
    [flag] = scored(tmp_path, project([met(90)], score=8.6), load_profile(path)).items[0].flags
    assert flag.code == "score_mismatch"


def test_an_indicator_score_from_a_two_decimal_ratio_is_an_info(tmp_path):
    """8 ÷ 29 × 10 = 2.76; 0.28 × 10 = 2.8 is the other convention's; 2.75 is neither (seed 003's slip)."""
    data = project([row("29台", "8台", 10, score=2.8, reason="电脑由市局统筹"), met(80)], score=8.62)
    quantity = scored(tmp_path, data).items[1]
    assert quantity.computed == 2.76 and quantity.standing == 2.8
    assert codes(quantity) == [("rounding_convention", "info")]
    assert "8 ÷ 29 = 0.2759 → 0.28 × 10 = 2.8" in quantity.flags[0].message
    assert "完成比率不先舍入" in quantity.flags[0].message
    data["indicators"][0]["score"] = 2.75
    assert codes(scored(tmp_path, data).items[1]) == [("score_mismatch", "error")]


def test_ratio_decimals_is_a_knob_for_indicators(tmp_path):
    """quantitative.ratio_decimals = 2: 8 ÷ 29 = 0.2759 → 0.28 × 10 = 2.8; the unrounded 2.76 is then the other convention."""
    data = json.loads(json.dumps(NATIONAL.data))
    data["quantitative"]["ratio_decimals"] = 2
    path = tmp_path / "ratio2.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    rows = [row("29台", "8台", 10, score=2.76, reason="电脑由市局统筹"), met(80)]
    quantity = scored(tmp_path, project(rows, score=8.62), load_profile(path)).items[1]
    assert quantity.computed == 2.8 and "8 ÷ 29 = 0.2759 → 0.28 × 10 = 2.8" in quantity.explanation
    assert codes(quantity) == [("rounding_convention", "info")]
    assert "「完成比率不先舍入" in quantity.flags[0].message


def test_the_rounding_convention_code_is_catalogued_as_an_info():
    assert CATALOGUE["rounding_convention"].severity == "info"
    assert CATALOGUE["ceiling_exceeded"].severity == "warning"


# -- 4. a cost overrun is always flagged ------------------------------------------------------

def test_a_cost_overrun_inside_rounding_is_a_warning_with_the_amount(tmp_path):
    """38000 ÷ 38012 × 10 = 9.9968 → 10: full marks by the rule, yet 12 元 over the ceiling."""
    data = project([row("38000.00元", "38012元", 10, score=10, level2="成本指标", level3="单位成本"), met(80)],
                   score=8.62)
    cost = scored(tmp_path, data).items[1]
    assert cost.computed == 10 and cost.method == "reverse_ratio"
    exceeded = [f for f in cost.flags if f.code == "ceiling_exceeded"]
    assert [(f.severity, f.cell) for f in exceeded] == [("warning", "F13")]
    message = exceeded[0].message
    assert "超出 12元" in message and "100.03%" in message and "仍为满分 10" in message
    assert "说明超出的原因" in message
    # within the ceiling: no flag
    data["indicators"][0]["actual"] = "37990元"
    assert not [f for f in scored(tmp_path, data).items[1].flags if f.code == "ceiling_exceeded"]


def test_a_percent_ceiling_overrun_is_stated_in_points(tmp_path):
    cost = scored(tmp_path, project([row("≤100%", "105%", 10, score=9.52, reason="材料涨价", level2="成本指标",
                                         level3="成本控制率"), met(80)], score=8.62)).items[1]
    assert cost.computed == 9.52
    [flag] = [f for f in cost.flags if f.code == "ceiling_exceeded"]
    assert "超出 5 个百分点" in flag.message and "满分" not in flag.message


def test_a_completion_table_overrun_is_not_met_and_flagged(tmp_path):
    """No 分值 at all: 38012 元 against a ceiling of 38000.00 元 is 未达成 and flagged; 38001 元 (a
    completion of 99.997 %, 100 % once rounded, which used to read 达成) too."""
    data = project([row("38000.00元", "38012元", None, level2="成本指标", level3="单位成本"),
                    row("≥95%", "97%", None, level1="满意度指标", level2="服务对象满意度指标", level3="满意度")])
    data["funds"]["total"]["weight"] = None
    path = tmp_path / "completion.xlsx"
    build_workbook([data]).save(path)
    outcome = score_file(path, tmp_path / "out.xlsx", json_path=tmp_path / "report.json")
    [result] = outcome.results
    assert result.completion_only
    cost, satisfaction = result.items[1], result.items[2]
    assert (cost.status_code, cost.status) == ("not_met", "未达成（完成 99.97%，超出上限 12元）")
    assert [(f.code, f.severity) for f in cost.flags if f.code == "ceiling_exceeded"] == [("ceiling_exceeded", "warning")]
    assert (satisfaction.status_code, satisfaction.status) == ("met", "达成")
    data["indicators"][0]["actual"] = "38001元"
    build_workbook([data]).save(tmp_path / "close.xlsx")
    close = score_file(tmp_path / "close.xlsx", tmp_path / "close_out.xlsx").results[0].items[1]
    assert (close.status_code, close.status) == ("not_met", "未达成（超出上限 1元）")
    assert any(f.code == "ceiling_exceeded" and "超出 1元" in f.message for f in close.flags)

    # -- 5. the status is a field of the JSON report
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    validate_report(report)
    items = report["forms"][0]["items"]
    assert items[0]["status"] is None  # the 预算执行率 line has a rate, not a completion status
    assert items[1]["status"] == {"code": "not_met", "label": "未达成", "text": "未达成（完成 99.97%，超出上限 12元）"}
    assert items[2]["status"] == {"code": "met", "label": "达成", "text": "达成"}


def test_report_statuses_of_the_department_target_table_and_none_for_scored_rows(tmp_path):
    outcome = score_file(ROOT / "samples" / "seed000_部门整体支出绩效.xlsx", tmp_path / "out.xlsx")
    validate_report(outcome.report)
    statuses = [item["status"] for form in outcome.report["forms"] for item in form["items"]]
    found = [s for s in statuses if s is not None]
    assert found and {s["code"] for s in found} <= {"met", "not_met", "judgement", "not_applicable"}
    assert all(s["label"] in s["text"] for s in found)
    projects = score_file(SAMPLE, tmp_path / "p.xlsx").report
    assert all(item["status"] is None for form in projects["forms"] for item in form["items"])


# -- which profile a workbook is scored by -----------------------------------------------------

def test_the_sample_records_shenzhen_and_the_template_national():
    meta, _ = read_meta(load_workbook(SAMPLE))
    assert meta["profile_id"] == "shenzhen"
    meta, _ = read_meta(load_workbook(ROOT / "templates" / "项目支出绩效自评表.xlsx"))
    assert meta["profile_id"] == "national"


def test_explicit_profile_beats_the_recorded_one_which_beats_the_default(tmp_path, capsys):
    book = read_workbook(SAMPLE)
    assert resolve_profile(book).id == "shenzhen"
    assert resolve_profile(book, "national").id == "national"
    # a department profile does not score project forms: the recorded one does
    assert resolve_profile(book, "wuhua-2023").id == "shenzhen"
    unrecorded = tmp_path / "none.xlsx"
    build_workbook([project([met(90)])]).save(unrecorded)  # a workbook that names no profile
    assert resolve_profile(read_workbook(unrecorded)).id == "national"
    assert main(["score", str(SAMPLE), "-o", str(tmp_path / "a.xlsx")]) == 0
    assert "（规则：shenzhen）" in capsys.readouterr().out
    assert main(["score", str(SAMPLE), "-o", str(tmp_path / "b.xlsx"), "--profile", "national"]) == 0
    assert "（规则：national）" in capsys.readouterr().out


def test_a_recorded_profile_that_is_not_built_in_says_to_name_it(tmp_path):
    path = tmp_path / "custom.xlsx"
    shutil.copy(SAMPLE, path)
    wb = load_workbook(path)
    meta = wb["_jx_meta"]
    row = next(r for r in meta.iter_rows() if r[0].value == "profile_id")
    row[1].value = "hubei-2022"
    for other in meta.iter_rows():  # a workbook made before profiles travelled in full: only the id
        if str(other[0].value).startswith(("profile_json", "profile_sha256")):
            other[0].value = other[1].value = None
    wb.save(path)
    with pytest.raises(ProfileError, match="工作簿记录的规则配置「hubei-2022」不是内置配置"):
        score_file(path, tmp_path / "out.xlsx")
    assert score_file(path, tmp_path / "out.xlsx", profile="national").report["profile"]["id"] == "national"


def test_export_and_collect_follow_the_recorded_profile(tmp_path):
    inbox = tmp_path / "inbox"
    exported = export_file(SAMPLE, inbox, force=True)
    props = {p.name: str(p.value) for p in load_workbook(exported.output).custom_doc_props}
    assert props["jx.profile_id"] == "shenzhen" and props["jx.profile_sha256"] == SHENZHEN.sha256
    own = collect(inbox, jobs=1, progress=False)
    validate_collect_report(own)
    assert own["profile"] is None
    [entry] = own["files"]
    assert "profile_mismatch" not in {p["code"] for p in entry["problems"]}
    bureau = collect(inbox, profile="national", jobs=1, progress=False)
    validate_collect_report(bureau)
    assert bureau["profile"]["id"] == "national"
    [entry] = bureau["files"]
    [problem] = [p for p in entry["problems"] if p["code"] == "profile_mismatch"]
    assert "「shenzhen」" in problem["message"] and "本局为「national」" in problem["message"]
