"""Scoring the seed samples: the facts of the domain brief, computed from the seeds' own data."""

import dataclasses
import json
from pathlib import Path

import pytest

from toolkit.core.framework import Evaluator, leaves
from toolkit.core.profile import load_profile
from toolkit.service import read_workbook
from toolkit.report import validate_report
from toolkit.service import score_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def scored(seed, tmp_path):
    outcome = score_file(SAMPLES / f"{seed}_部门整体支出绩效.xlsx", tmp_path / f"{seed}.xlsx",
                         json_path=tmp_path / f"{seed}.json")
    validate_report(outcome.report)
    return outcome, outcome.results[0]


def items(result):
    return {item.label: item for item in result.items}


def codes(item):
    return [flag.code for flag in item.flags]


def test_yantian_published_items_sum_to_96_8(tmp_path):
    outcome, result = scored("seed000", tmp_path)
    assert outcome.report["profile"]["id"] == "shenzhen-yantian-2021"
    assert len(result.items) == 21
    assert round(sum(item.entered for item in result.items), 2) == 96.8
    assert result.total_entered == 96.8 and result.grade_entered == "优"


def test_yantian_public_cost_control_computes_5_not_6(tmp_path):
    _, result = scored("seed000", tmp_path)
    item = items(result)["公用经费控制率"]
    assert item.computed == 5 and item.entered == 6
    assert "score_mismatch" in codes(item)
    message = next(f.message for f in item.flags if f.code == "score_mismatch")
    assert "2.65 ÷ 7.5" in message and "136.75 ÷ 141.99 = 96.31%" in message and "填报 6" in message


def test_yantian_procurement_computes_1_80_and_matches(tmp_path):
    _, result = scored("seed000", tmp_path)
    item = items(result)["政府采购执行情况"]
    assert item.computed == 1.8 and item.entered == 1.8
    assert "score_mismatch" not in codes(item)
    assert "6.84 ÷ 8.6 = 79.53%" in item.explanation


def test_yantian_blank_base_data_is_flagged_not_guessed(tmp_path):
    _, result = scored("seed000", tmp_path)
    item = items(result)["固定资产利用率"]
    assert item.computed is None and "inputs_missing" in codes(item)
    assert result.total_computed is not None and result.total_computed < 96.8


def test_wuhua_items_sum_to_97_and_rates_checked(tmp_path):
    outcome, result = scored("seed004", tmp_path)
    assert outcome.report["profile"]["id"] == "wuhua-2023"
    assert len(result.items) == 25
    assert round(sum(item.entered for item in result.items), 2) == 97 == result.total_entered
    by = items(result)
    carry = by["结转结余率"]
    assert carry.computed == 4 and "measure_mismatch" in codes(carry)
    assert any("0.28%" in f.message and "填报 1%" in f.message for f in carry.flags)
    variance = by["财政拨款收入预决算差异率"]
    assert variance.computed == 3.5 and "score_mismatch" not in codes(variance)
    assert any("-0.99%" in f.message for f in variance.flags if f.code == "measure_mismatch")


def test_wuhua_rates_from_seed_numbers():
    profile = load_profile("wuhua-2023")
    data = json.loads((SAMPLES / "seed004_department.json").read_text("utf-8"))
    evaluator = Evaluator(data["inputs"], {i["id"]: i for i in profile["inputs"]})
    rules = {leaf.name: leaf.node["rule"] for leaf in leaves(profile.data)}
    carry = evaluator.evaluate(rules["结转结余率"], 4)
    assert carry.measure == pytest.approx(537762.26 / (1516017 + 192802080.44))
    assert round(carry.measure * 100, 2) == 0.28
    variance = evaluator.evaluate(rules["财政拨款收入预决算差异率"], 4)
    assert round(variance.measure * 100, 2) == -0.99


def test_yanzhou_items_sum_to_81(tmp_path):
    outcome, result = scored("seed002", tmp_path)
    assert outcome.report["profile"]["id"] == "yanzhou-2020-corrected"
    assert len(result.items) == 34
    assert round(sum(item.entered for item in result.items), 2) == 81 == result.total_entered
    by = items(result)
    assert by["公用经费控制率"].computed == 2 and by["“三公经费”控制率"].computed == 2
    assert "inputs_missing" in codes(by["“三公经费”变动率"])


def test_manual_judgement_below_full_needs_justification(tmp_path):
    _, result = scored("seed004", tmp_path)
    item = items(result)["社会经济环境效益"]
    assert item.method == "manual" and item.computed is None
    assert any(f.code == "reason_missing" and f.severity == "error" for f in item.flags)


def test_reader_finds_department_form():
    form = read_workbook(SAMPLES / "seed000_部门整体支出绩效.xlsx").forms[0]
    assert form.kind == "department" and form.inputs["sangong_budget"].value == 7.5
    assert form.target is not None and len(form.target.tasks) == 6


def test_target_sheet_sums_checked(tmp_path):
    outcome, _ = scored("seed000", tmp_path)
    target = outcome.results[1]
    assert target.items[0].computed == 20486523.78
    assert not [f for f in target.flags if f.code == "task_total_mismatch"]  # the published 金额合计 equals the task rows


def test_missing_base_data_sheet_is_an_error_not_a_quiet_fallback(tmp_path):
    from openpyxl import load_workbook

    from toolkit.core.profile import load_profile
    from toolkit.service import read_workbook
    from toolkit.service import score_book

    path = tmp_path / "no_base.xlsx"
    wb = load_workbook(ROOT / "samples" / "seed000_部门整体支出绩效.xlsx")
    del wb["基础数据"]
    wb.save(path)
    results, _ = score_book(read_workbook(path), load_profile("shenzhen-yantian-2021"))
    [flag] = [f for r in results for f in r.flags if f.code == "base_data_missing"]
    assert flag.severity == "error" and "基础数据" in flag.message
    assert "None" not in " ".join(f.message for r in results for f in r.flags)


def test_rescoring_a_scored_department_workbook_is_stable(tmp_path):
    first = score_file(ROOT / "samples" / "seed000_部门整体支出绩效.xlsx", tmp_path / "a.xlsx")
    second = score_file(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    summary = lambda o: [(r.sheet, r.total_computed, r.total_entered, [(f.code, f.cell) for f in r.flags])  # noqa: E731
                         for r in o.results]
    assert summary(second) == summary(first)


def test_target_grid_is_checked_by_the_shared_indicator_code(tmp_path):
    """The 目标完成情况自评表's indicator grid (no 分值) gets a status per row and the same flags
    as a project form's grid; the same pair scores the same share in both forms."""
    from openpyxl import load_workbook

    from toolkit.core.grid import GridScorer
    from toolkit.core.model import CellValue
    from toolkit.forms.project.scoring import score_form

    outcome, _ = scored("seed000", tmp_path)
    target = outcome.results[1]
    rows = {item.label: item for item in target.items if item.status}
    assert len(rows) == 20 and all(item.status == "达成" for item in rows.values())
    assert all(item.computed is None and item.weight is None for item in rows.values())  # no invented points
    codes = {(f.code, f.cell) for f in target.flags}
    assert ("over_achievement", "F21") in codes  # 宣传活动次数 5 against ≥3 (167%)
    assert ("unit_assumed", "E15") in codes  # 「20」 against 「22 次」
    assert not [f for f in target.flags if f.severity == "error"]  # no points hang on a status
    scored_wb = load_workbook(outcome.output)[target.sheet]
    assert scored_wb["I21"].value == "达成" and "5 次" in scored_wb["J21"].value  # the tool columns show it

    # One pair, two forms: a status of 未达成（完成 94.44%） here, 94.44% of the weight there.
    source = SAMPLES / "seed000_部门整体支出绩效.xlsx"
    copy = tmp_path / "copy.xlsx"
    wb = load_workbook(source)
    ws = wb["目标完成情况自评表"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == "工作人员满意度")
    assert ws.cell(row, 5).value == "大于等于90%"
    ws.cell(row, 6).value = "85%"
    wb.save(copy)
    results = score_file(copy, tmp_path / "copy_scored.xlsx").results
    item = next(i for i in results[1].items if i.label == "工作人员满意度")
    assert item.status == "未达成（完成 94.44%）"
    project = read_workbook(SAMPLES / "seed003_项目支出绩效自评表.xlsx").forms[0]
    row = project.indicators[-1]
    pair = dataclasses.replace(row, target=CellValue(row.target.ref, "大于等于90%"),
                               actual=CellValue(row.actual.ref, "85%"), score=CellValue(row.score.ref))
    points = GridScorer(project.sheet, load_profile("national")).score_indicator(pair)
    assert points.computed == round(points.weight * 85 / 90, 2)
    assert score_form(project, load_profile("national")).items  # the project form still scores
