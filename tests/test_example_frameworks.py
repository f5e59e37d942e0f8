"""The four example profiles of issue 19, built from published frameworks (tests/data/frameworks/),
scored on their sample workbooks: every score is compared with the arithmetic written here by
hand, from the figures in samples/example_*_department.json — never with the tool's own output.

A second department with other 「部门特性指标」 rows scores, exports and is collected under the
same bureau profile as the first.
"""

import copy
import json
from pathlib import Path

import pytest

from toolkit.core.profile import load_profile
from toolkit.forms.department.builds import sample_name
from toolkit.forms.department.template import build_department_workbook
from toolkit.report import validate_report
from toolkit.service import score_file
from toolkit.cli import main
from toolkit.submission.collect import validate_collect_report
from toolkit.submission.export import export_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
FRAMEWORKS = ROOT / "tests" / "data" / "frameworks"
EXAMPLES = ["dazhou-undated", "anonymous-2022", "sichuan-2017", "yueyang-2018"]


def sample_data(profile_id):
    return json.loads((SAMPLES / f"example_{profile_id}_department.json").read_text("utf-8"))


def score_sample(profile_id, tmp_path):
    outcome = score_file(SAMPLES / sample_name(f"example_{profile_id}"), tmp_path / "scored.xlsx",
                         json_path=tmp_path / "report.json")
    validate_report(outcome.report)
    return outcome.results[0]


def score_data(data, tmp_path, name="filled.xlsx"):
    """Build a workbook from sample-shaped ``data`` (the way a clerk fills the template) and score it."""
    path = tmp_path / name
    build_department_workbook(load_profile(data["profile"]), data).save(path)
    outcome = score_file(path, tmp_path / f"scored_{name}", json_path=tmp_path / f"{name}.json")
    validate_report(outcome.report)
    return outcome.results[0]


def by_label(result):
    return {item.label: item for item in result.items}


def final(item):
    """The score the total counts: the computed one, or the evaluator's for a judgement row."""
    return item.computed if item.computed is not None else item.entered


def codes(item):
    return [flag.code for flag in item.flags]


@pytest.mark.parametrize("profile_id", EXAMPLES)
def test_example_profiles_name_their_published_source(profile_id):
    profile = load_profile(profile_id)
    assert "http" in profile["source"] and "tests/data/frameworks/" in profile["source"]
    transcription = profile["source"].split("tests/data/frameworks/")[1].split()[0].rstrip("。")
    assert (FRAMEWORKS / transcription).is_file()


def test_dazhou_department_rows_score_by_hand_arithmetic(tmp_path):
    items = by_label(score_sample("dazhou-undated", tmp_path))
    # published (省级版 2017): 部门决策 5 + 5 + 5 + 2 + 4 = 21 of 25
    assert sum(final(items[n]) for n in ("相关性", "明确性", "合理性", "测算依据", "目标管理")) == 21
    # 部门特性指标 under 履职成效 (20): 531万亩 vs ≥520万亩 → capped at 100% of 8; 25.2 vs ≥28 → 90% of 6; manual 6
    assert items["农作物播种面积"].computed == 8
    assert items["高标准农田建设"].computed == round(6 * 25.2 / 28, 2) == 5.4
    assert final(items["农产品质量安全抽检合格率"]) == 6
    assert "531万亩 ÷ 520万亩" in items["农作物播种面积"].explanation and "封顶 100%" in items["农作物播种面积"].explanation
    # the published 2 and 4 carry no reason in the excerpt: flagged, not accepted silently
    assert "reason_missing" in codes(items["测算依据"]) and "reason_missing" in codes(items["目标管理"])
    assert round(sum(final(item) for item in items.values()), 2) == 21 + 30 + (8 + 5.4 + 6) + (5 + 5 + 4) + (3 + 3 + 4)


def test_anonymous_2022_proportional_score_with_banded_over_achievement_deduction(tmp_path):
    result = score_sample("anonymous-2022", tmp_path)
    items = by_label(result)
    assert items["预算执行率（资金总体）"].computed == 20 * min((535.5 + 0 + 0) / (535.5 + 0 + 0), 1) == 20
    assert items["指标1"].computed == 30 * min(20 / 20, 1) == 30  # published 30
    assert items["群众办事满意度"].computed == 15 * min(96 / 90, 1) == 15
    # 7000 vs ≥2000 人次: (7000 − 2000) ÷ 2000 = 250% ∈ [200%, 300%) → capped 15, less 10% of 15
    over = items["宣传活动覆盖人次"]
    assert over.computed == 15 * min(7000 / 2000, 1) - 15 * 0.10 == 13.5
    assert "超额 250%，属 [200%, 300%) 档，扣分值的 10%" in over.explanation
    assert result.total_computed == 20 + 30 + 15 + 13.5 + 18


@pytest.mark.parametrize("actual,target,expected,said", [
    ("600人次", "≥100人次", 15 - 15 * 0.30, "超额 500%，属 [500%, +∞) 档"),   # 500 % included in the top band
    ("400人次", "≥100人次", 15 - 15 * 0.20, "超额 300%，属 [300%, 500%) 档"),  # 300 % included in the middle band
    ("300人次", "≥100人次", 15 - 15 * 0.10, "超额 200%，属 [200%, 300%) 档"),  # 200 % included in the first band
    ("290人次", "≥100人次", 15.0, "实际 ÷ 预期 = 290人次 ÷ 100人次"),            # 190 %: below every band
    ("40万元", "≤50万元", 15.0, "反向「不高于 ≤」：预期 ÷ 实际 = 50万元 ÷ 40万元 = 125%，封顶 100%"),
    ("0万元", "≤50万元", 15.0, "反向「不高于 ≤」：实际 0万元 不超过预期 50万元 → 100%"),
    ("60万元", "≤50万元", round(15 * 50 / 60, 2), "反向「不高于 ≤」：预期 ÷ 实际 = 50万元 ÷ 60万元"),
])
def test_anonymous_2022_bands_are_real_limits_and_reverse_is_target_over_actual(tmp_path, actual, target, expected, said):
    data = sample_data("anonymous-2022")
    data["targets"][2]["target"], data["targets"][2]["actual"] = target, actual
    item = by_label(score_data(data, tmp_path))["宣传活动覆盖人次"]
    assert item.computed == expected and said in item.explanation


def test_sichuan_2017_groups_and_optional_items_by_hand_arithmetic(tmp_path):
    result = score_sample("sichuan-2017", tmp_path)
    items = by_label(result)
    # the six optional 效益 items are six rows sharing 40: 社会效益 and 使用效率 chosen at 100 % → 40 ÷ 2 each
    assert items["社会效益(可选项)"].computed == items["使用效率(可选项)"].computed == 40 / 2 * 1.0 == 20
    for unchosen in ("经济效益(可选项)", "生态效益(可选项)", "可持续效益(可选项)", "公平效率(可选项)"):
        assert (items[unchosen].weight, items[unchosen].computed) == (0, 0) and not items[unchosen].flags
        assert "未选用" in items[unchosen].explanation
    assert "40 ÷ 2 = 每项 20 分" in items["社会效益(可选项)"].explanation
    # 共性 30 = 项目决策 20 + 项目管理 10; 特性 70 = 项目绩效 20 + 项目效益 50 (the published 40 for the block)
    assert result.total_computed == (5 + 5 + 5 + 5) + (3 + 4 + 2) + (5 + 4 + 5 + 5) + (20 + 20) + 10 == 98
    common, special = (5 + 5 + 5 + 5) + (3 + 4 + 2), (5 + 4 + 5 + 5) + 40 + 10
    assert f"（共性指标 {common} / 30；特性指标 {special} / 70）" in result.total_explanation


def test_sichuan_2017_unchosen_item_with_a_rate_is_flagged_and_not_counted(tmp_path):
    """The issue's example: three items chosen at 100 %, 100 %, 80 % (40 ÷ 3 each); a fourth,
    not chosen, carries 100 % and a typed score — counting it would give 40 ÷ 4 × 3.8 = 38."""
    data = sample_data("sichuan-2017")
    data["inputs"].update({"economic_applies": "是", "economic_rate": 1.0, "social_rate": 1.0, "use_rate": 0.8,
                           "ecological_applies": "否", "ecological_rate": 1.0})
    data["scores"] = {key: value for key, value in data["scores"].items() if key not in ("social", "use")}
    data["scores"]["ecological"] = {"score": 10}
    result = score_data(data, tmp_path)
    items = by_label(result)
    share = round(40 / 3, 2)
    assert [items[name].computed for name in ("经济效益(可选项)", "社会效益(可选项)", "使用效率(可选项)")] == \
        [share, share, round(40 / 3 * 0.8, 2)] == [13.33, 13.33, 10.67]
    unchosen = items["生态效益(可选项)"]
    assert unchosen.computed == 0 and codes(unchosen) == ["unchosen_item_value"]
    assert "得分 10" in unchosen.flags[0].message and "生态效益（可选项）完成率" in unchosen.flags[0].message
    assert "不计入" in unchosen.flags[0].message
    assert result.total_computed == round(98 - 40 + 13.33 + 13.33 + 10.67, 2) == 95.33


@pytest.mark.parametrize("choice, why", [
    ({}, "只选用了 0 项"),
    ({"social_applies": None}, "未填"),
])
def test_sichuan_2017_unreadable_or_empty_choice_leaves_the_total_open(tmp_path, choice, why):
    data = sample_data("sichuan-2017")
    data["inputs"].update({"social_applies": "否", "use_applies": "否"})
    data["inputs"].update(choice)
    data["inputs"] = {key: value for key, value in data["inputs"].items() if value is not None}
    result = score_data(data, tmp_path)
    flagged = [flag for item in result.items for flag in item.flags if flag.code in ("inputs_missing", "inputs_invalid")]
    assert len(flagged) == 1 and why in flagged[0].message and "效益(可选项)" in flagged[0].message
    assert result.total_computed is None


def test_sichuan_2017_typed_share_must_match_the_choice(tmp_path):
    data = sample_data("sichuan-2017")
    path = tmp_path / "typed.xlsx"
    build_department_workbook(load_profile("sichuan-2017"), data).save(path)
    import openpyxl
    book = openpyxl.load_workbook(path)
    sheet = book["评分表"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 5).value == "社会效益(可选项)")
    assert sheet.cell(row, 6).value is None  # the template leaves an optional row's 分值 to the choice
    sheet.cell(row, 6).value = 30
    sheet.cell(row + 4, 6).value = 40  # 使用效率: the group's shared 40, as the published form prints it
    book.save(path)
    result = score_file(path, tmp_path / "out.xlsx").results[0]
    [wrong] = [f for f in by_label(result)["社会效益(可选项)"].flags if f.code == "weight_mismatch"]
    assert wrong.severity == "error" and "每项应为 20" in wrong.message
    [shared] = [f for f in by_label(result)["使用效率(可选项)"].flags if f.code == "weight_mismatch"]
    assert shared.severity == "warning" and "共用的分值" in shared.message and "每项 20 计分" in shared.message
    assert result.total_computed == 98


def test_yueyang_2018_published_scores_by_hand_arithmetic(tmp_path):
    items = by_label(score_sample("yueyang-2018", tmp_path))
    hand = {
        "财政供养人员控制率": 5,                      # 21 ÷ 21 = 100% ≤ 100%
        "“三公经费”变动率": 5,                        # (8.2 − 9.5) ÷ 9.5 < 0
        "重点支出安排率": 5,                          # 1200 ÷ 1300 = 92.3% ≥ 90%
        "预算调整率": 3,                              # |0 ÷ 2000| = 0
        "支付进度": 3 - 0 * 0.5,
        "资金结余": 2,                                # 0 < 12.5 ≤ 20: 有结余，但不超过上年结转 (published 2)
        "“三公经费”控制率": 6,                        # 8.2 ÷ 10 = 82% ≤ 100%
        "管理制度健全性": 1 + 1 + 1,
        "资金使用合规性": 3 - 0 * 1,
    }
    for label, score in hand.items():
        assert items[label].computed == score, label
        assert "score_mismatch" not in codes(items[label]), label
    assert "属「有结余，但不超过上年结转」→ 2 分" in items["资金结余"].explanation
    assert round(sum(final(item) for item in items.values()), 2) == sum(hand.values()) + 8 + 10 + 43


@pytest.mark.parametrize("inputs,label,expected,said", [
    ({"balance_this": 0, "carryover_last": 0}, "资金结余", 3, "属「无结余」"),           # 0 and 0: declared
    ({"balance_this": 20, "carryover_last": 20}, "资金结余", 2, "≤ 上年结转"),          # 不超过 includes equal
    ({"balance_this": 25, "carryover_last": 20}, "资金结余", 0, "属「结余超过上年结转」"),
    ({"balance_this": 5, "carryover_last": 0}, "资金结余", 0, "属「结余超过上年结转」"),
    ({"budget_adjusted": -150}, "预算调整率", 2, "取绝对值 7.5%"),                       # |−7.5%| ∈ (0, 10%]
    ({"budget_adjusted": 200}, "预算调整率", 2, "(0%, 10%]"),                           # 10% exactly: upper included
    ({"budget_adjusted": 201}, "预算调整率", 1, "(10%, 20%]"),
    ({"key_spending": 1170}, "重点支出安排率", 5, "[90%, +∞)"),                         # 90% exactly: lower included
    ({"key_spending": 1040}, "重点支出安排率", 4, "[80%, 90%)"),
    ({"staff_actual": 23}, "财政供养人员控制率", round(5 - 0.5 * (23 / 21 - 1) * 100, 2), "个百分点"),
    ({"public3_this": 10.3}, "“三公经费”控制率", 6 - 1 * 3, "个百分点"),
])
def test_yueyang_2018_rules_at_their_limits(tmp_path, inputs, label, expected, said):
    data = sample_data("yueyang-2018")
    data["inputs"].update(inputs)
    data["scores"].pop(next(k for k, v in _ids("yueyang-2018").items() if v == label), None)
    item = by_label(score_data(data, tmp_path))[label]
    assert item.computed == expected and said in item.explanation


def test_yueyang_2018_negative_balance_is_flagged_never_silently_zero(tmp_path):
    data = sample_data("yueyang-2018")
    data["inputs"]["balance_this"] = -3
    item = by_label(score_data(data, tmp_path))["资金结余"]
    assert item.computed is None and item.entered == 2  # the clerk's 2 is kept and checked as a judgement
    flag = next(f for f in item.flags if f.code == "value_outside_rule")
    assert flag.severity == "error" and "不属于评分标准所列的任何情形" in flag.message


def _ids(profile_id):
    from toolkit.core.framework import leaves
    return {leaf.node["id"]: leaf.name for leaf in leaves(load_profile(profile_id).data)}


# -- two departments, one bureau profile ------------------------------------------------------------

def second_department():
    """Another bureau under the same 达州 profile, with its own 部门特性指标 (two rows, not three)."""
    data = sample_data("dazhou-undated")
    data["department"] = "达州市某畜牧站（示例）"
    data["scores"]["basis"]["justification"] = "（示例）测算依据不充分。"
    data["scores"]["target_management"]["justification"] = "（示例）目标未分解到季度。"
    data["department_rows"] = {"duties": [
        {"name": "动物疫病强制免疫密度", "weight": 12, "criteria": "按目标完成情况计分"},
        {"name": "畜产品质量安全监测合格率", "weight": 8, "score": 7, "justification": "（示例）抽检 1 批次不合格。"},
    ]}
    data["targets"] = [
        {"level1": "产出指标", "level2": "质量指标", "level3": "动物疫病强制免疫密度", "target": "≥90%", "actual": "95%"},
    ]
    return data


def first_department():
    data = sample_data("dazhou-undated")
    data["scores"]["basis"]["justification"] = "（示例）测算依据不充分。"
    data["scores"]["target_management"]["justification"] = "（示例）目标未分解到季度。"
    return data


def test_a_second_department_with_other_rows_scores_under_the_same_profile(tmp_path):
    first = by_label(score_data(first_department(), tmp_path, "甲.xlsx"))
    second_result = score_data(second_department(), tmp_path, "乙.xlsx")
    second = by_label(second_result)
    assert "农作物播种面积" in first and "农作物播种面积" not in second
    assert second["动物疫病强制免疫密度"].computed == 12 * min(95 / 90, 1) == 12
    assert final(second["畜产品质量安全监测合格率"]) == 7
    assert not [f for f in second_result.flags if f.code in ("indicator_unknown", "indicator_missing")]
    assert second_result.total_computed == 21 + 30 + (12 + 7) + 14 + 10


def test_department_rows_must_add_up_to_the_fixed_subtotal(tmp_path):
    data = second_department()
    data["department_rows"]["duties"][1]["weight"] = 6  # 12 + 6 = 18, not 20
    result = score_data(data, tmp_path)
    flag = next(f for f in result.flags if f.code == "department_rows_total")
    assert "12 + 6 = 18" in flag.message and "应等于 20" in flag.message
    assert flag.severity == "error"


def test_two_departments_are_collected_under_one_bureau_profile(tmp_path):
    inbox = tmp_path / "收件"
    for name, data in (("甲.xlsx", first_department()), ("乙.xlsx", second_department())):
        build_department_workbook(load_profile("dazhou-undated"), data).save(tmp_path / name)
        assert export_file(tmp_path / name, inbox).output.exists()
    js = tmp_path / "报告.json"
    assert main(["collect", str(inbox), "--profile", "dazhou-undated", "-o", str(tmp_path / "汇总.xlsx"),
                 "--json", str(js), "-q", "--jobs", "1"]) == 0
    report = json.loads(js.read_text("utf-8"))
    validate_collect_report(report)
    totals = {form["unit"]: form["total"] for entry in report["files"] for form in entry["forms"]}
    assert totals == {"某部门（原文未见名称）": pytest.approx(21 + 30 + 19.4 + 14 + 10),
                      "达州市某畜牧站（示例）": pytest.approx(21 + 30 + 19 + 14 + 10)}
    assert {entry["status"] for entry in report["files"]} == {"accepted"}


def test_blank_template_leaves_rows_for_the_department(tmp_path):
    wb = build_department_workbook(load_profile("dazhou-undated"))
    ws = wb["评分表"]
    labels = [ws.cell(row, 3).value for row in range(4, ws.max_row + 1)]
    start = labels.index("履职成效") + 4
    blank = [row for row in range(start, start + 4) if ws.cell(row, 5).value is None]
    assert len(blank) == 4  # the 4 blank rows of the published table, under the merged 履职成效 label
    assert "各行分值之和须为 20" in ws.cell(start, 8).value


@pytest.mark.parametrize("profile_id", EXAMPLES)
def test_the_excel_button_scores_the_examples_like_the_command_line(profile_id, tmp_path, monkeypatch):
    """The button path (xlwings remote engine) reads group header rows and department-defined rows
    as the file reader does, and writes the same scores and flags."""
    import xlwings as xw
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    try:
        xw.engines["remote"]
    except (KeyError, xw.LicenseError):
        from xlwings.pro import _xlremote
        xw.engines.add(xw.Engine(impl=_xlremote.engine))
    from tests.test_xl_remote import run_button_and_compare

    _, _, replay, outcome = run_button_and_compare(SAMPLES / sample_name(f"example_{profile_id}"), tmp_path)
    assert outcome.results[0].total_computed is not None
    assert str(outcome.results[0].total_computed).rstrip("0").rstrip(".") in replay.alerts[0][0]
