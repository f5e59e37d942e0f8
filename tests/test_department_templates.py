"""Committed department templates and samples match the code; layout, names and validation."""

from pathlib import Path

from openpyxl import load_workbook

from toolkit.forms.department.builds import check_samples, check_templates, template_name
from toolkit.workbook.meta import read_meta

ROOT = Path(__file__).resolve().parents[1]


def test_committed_templates_do_not_drift():
    assert check_templates(ROOT / "templates") == []


def test_committed_samples_do_not_drift():
    assert check_samples(ROOT / "samples") == []


def test_template_meta_names_and_validation():
    wb = load_workbook(ROOT / "templates" / template_name("shenzhen-yantian-2021"))
    meta, _ = read_meta(wb)
    assert meta["template_id"] == "jixiao.department-self-evaluation"
    assert meta["profile_id"] == "shenzhen-yantian-2021" and meta["template_version"]
    score = wb["评分表"]
    assert {"JXD_ScoreHeader", "JXD_TotalScore", "JXD_Grade"} <= set(score.defined_names)
    headers = [score.cell(3, c).value for c in range(1, 12)]
    assert headers[5:11] == ["分值", "指标说明", "评分标准", "指标实际值", "得分", "评分说明（扣分理由）"]
    inputs = wb["基础数据"]
    ids = [inputs.cell(r, 1).value for r in range(3, inputs.max_row + 1)]
    assert "sangong_budget" in ids and "progress_q4" in ids
    row = 3 + ids.index("sangong_budget")
    assert "决算" in inputs.cell(row, 5).value and inputs.cell(row, 3).value == "万元"
    validated = {str(dv.sqref) for dv in inputs.data_validations.dataValidation}
    assert any(f"D{row}" in ref for ref in validated)
    assert "JXD_TaskHeader" in wb["目标完成情况自评表"].defined_names
