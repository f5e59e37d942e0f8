"""The 自评报告 states the unit's figures, the re-check beside them only where it differs (issue 18).

Two numbers, never one replacing the other: the 自评结论 states the total and grade the form
holds (填报总分 / 填报等级; for a department the total of the 评分表), and the re-check (按规则复核)
appears as a sentence only where it differs, naming the cells that cause the difference. A
difference the tool accepts (a manual deduction with a reason, another common rounding
convention) is stated as kept, not as a disagreement. Tables show the unit's score and the
re-check only where it differs.

Facts (the real samples): seed 003 社会保险转移接续工作外包服务 — the unit 98, the rule 100, a
deliberate and explained 2-point deduction on 满意度 (H20); seed 000 盐田 — the unit 96.8, the
rule 95.16, differing in 公用经费控制率 (J18, 6 vs 5) and 预算执行率 (J19, 6 vs 5.36).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.test_narrative import appendix_text, blocks, chapter_sections
from toolkit.narrative.draft import draft_report
from toolkit.narrative.figures import form_figures
from toolkit.narrative.formats import score

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
DEPARTMENT = ROOT / "samples" / "seed000_部门整体支出绩效.xlsx"
OUTSOURCING = "社会保险转移接续工作外包服务"
REASON = "该项目未收到投诉，基本满意，所以酌情扣分。"
ACCEPTED = ("manual_deduction", "rounding_convention", "manual_score_accepted")
TOL = 0.005


def _report(folder: Path, workbook: Path, profile: str | None = None):
    out = folder / f"{workbook.stem}_{profile or 'recorded'}.docx"
    outcome = draft_report(workbook, out, profile=profile)
    return Document(str(out)), outcome


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    return _report(tmp_path_factory.mktemp("figures"), PROJECTS)


@pytest.fixture(scope="module")
def projects_national(tmp_path_factory):
    """seed 003 scored by ``national``: the forms' 2-decimal execution scores are another convention."""
    return _report(tmp_path_factory.mktemp("figures"), PROJECTS, "national")


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    return _report(tmp_path_factory.mktemp("figures"), DEPARTMENT)


# ------------------------------------------------------------------ reading the report back

def project_sections(doc, heading: str) -> dict[str, list[str]]:
    """The paragraphs under every project's level-3 ``heading`` (自评结论 …), by project name."""
    found: dict[str, list[str]] = {}
    project, inside = "", False
    for style, text, _ in blocks(doc):
        if style == "Heading 1":
            project, inside = "", False
        elif style == "Heading 2":
            project, inside = re.sub(r"^（.+?）", "", text), False
        elif style == "Heading 3":
            inside = text.endswith(heading) and project != ""
            if inside:
                found[project] = []
        elif inside and text:
            found[project].append(text)
    return found


def chapter_paragraphs(doc, word: str) -> list[str]:
    """The non-empty paragraphs (not tables) directly under the level-1 heading containing ``word``."""
    found, inside = [], False
    for style, text, item in blocks(doc):
        if style.startswith("Heading"):
            if style == "Heading 1":
                inside = word in text
            continue
        if inside and text and not hasattr(item, "rows"):
            found.append(text)
    return found


def tables_with(doc, header: list[str]) -> list[list[list[str]]]:
    """Every table whose header row is ``header``, as rows of cell texts (header excluded)."""
    return [[[cell.text for cell in row.cells] for row in table.rows[1:]]
            for table in doc.tables if [cell.text for cell in table.rows[0].cells] == header]


def differences(report_form: dict) -> dict[str, bool]:
    """The oracle: cells whose entered score differs from the rule's → accepted (an info flag of
    an accepted kind and no error on the item), read from the JSON score report."""
    found = {}
    for item in report_form["items"]:
        entered, computed = item["entered"], item["computed"]
        if entered is None or computed is None or abs(entered - computed) <= TOL:
            continue
        codes = {(flag["code"], flag["severity"]) for flag in item["flags"]}
        errors = any(severity == "error" for _, severity in codes)
        found[item["cell"]] = not errors and any((code, "info") in codes for code in ACCEPTED)
    return found


# ------------------------------------------------------------------ the facts of the issue

def test_the_outsourcing_project_states_the_units_98_and_keeps_the_explained_deduction(projects):
    doc, _ = projects
    lines = project_sections(doc, "自评结论")[OUTSOURCING]
    text = "\n".join(lines)
    assert lines[0] == "单位自评总分为 98.00 分，等级为「优」（表中未填等级，按自评总分所在档次）。"
    assert "自评总分为 100.00" not in text and "不一致" not in text and "核定" not in text
    assert "各项按规则计算合计 100.00 分" in text and "复核予以接受，自评总分和等级不变" in text
    deduction = next(line for line in lines if "（H20）" in line)
    assert deduction == (f"「参保人对转移的数据录入基本满意」（H20）目标已达成，按规则应得 20.00 分，单位评 18.00 分"
                         f"（人工扣 2.00 分），扣分理由：「{REASON.rstrip('。')}」，予以保留。")
    # the accepted difference is no problem: 满意度 is 达成 at full marks by the rule, the deduction explained;
    # the project (100% spent, every target met) is neither in 存在的问题 nor in the appendix checklist
    problems = chapter_sections(doc, "存在的问题")["存在的问题及原因分析"]
    assert OUTSOURCING not in problems and "参保人对转移的数据录入基本满意" not in problems
    assert OUTSOURCING not in appendix_text(doc)


def test_the_department_states_the_units_96_8_and_the_recheck_95_16_with_the_cells(department):
    doc, _ = department
    lines = chapter_paragraphs(doc, "评分情况")  # 盐田's published outline: the result opens 四、…评分情况
    text = "\n".join(lines)
    assert lines[0] == "单位自评总分为 96.80 分，自评等级为「优」。"
    assert "自评总分为 95.16" not in text
    assert lines[1].startswith("按评分规则复核，总分为 95.16 分") and "与自评总分不同" in lines[1]
    assert sorted(re.findall(r"（(J\d+)）", text)) == ["J18", "J19"]  # the cells that differ, and only those
    assert any(line.startswith("「公用经费控制率」（J18）单位评 6.00 分，按规则复核为 5.00 分") for line in lines)
    assert any(line.startswith("「预算执行率」（J19）单位评 6.00 分，按规则复核为 5.36 分") for line in lines)
    assert "予以保留" not in text  # both differences are disputed: the unit has to check them


def test_the_explanation_missing_makes_the_deduction_a_disagreement(tmp_path):
    source = tmp_path / "无扣分理由.xlsx"
    shutil.copy(PROJECTS, source)
    wb = load_workbook(source)
    assert wb[OUTSOURCING]["I20"].value == REASON
    wb[OUTSOURCING]["I20"].value = None
    wb.save(source)
    doc, _ = _report(tmp_path, source)
    lines = project_sections(doc, "自评结论")[OUTSOURCING]
    assert lines[0].startswith("单位自评总分为 98.00 分")  # still the unit's figure
    assert lines[1].startswith("按评分规则复核，总分为 100.00 分") and "与自评总分不同" in lines[1]
    deduction = next(line for line in lines if "（H20）" in line)
    assert "未写扣分理由" in deduction and "予以保留" not in deduction


def test_another_rounding_convention_is_stated_as_accepted(projects_national):
    doc, _ = projects_national
    lines = project_sections(doc, "自评结论")["案件调查取证费"]
    assert lines[0].startswith("单位自评总分为 91.90 分")
    assert "各项按规则计算合计 91.94 分" in lines[1] and "复核予以接受" in lines[1]
    assert lines[2].startswith("「预算执行率」（H6）单位评 1.90 分，按规则为 1.94 分，是另一种常见舍入口径的结果")
    assert lines[2].endswith("予以保留。") and "不一致" not in "\n".join(lines)


# ------------------------------------------------------------------ every form, every table

@pytest.mark.parametrize("which", ["projects", "projects_national"])
def test_every_conclusion_states_the_unit_and_the_recheck_only_where_it_differs(which, request):
    doc, outcome = request.getfixturevalue(which)
    draft = outcome.draft
    conclusions = project_sections(doc, "自评结论")
    kinds = set()
    for form, report_form in zip(draft.book.forms, draft.report["forms"]):
        result = draft.result(form.sheet)
        lines = conclusions[form.name]
        text = "\n".join(lines)
        assert lines[0].startswith(f"单位自评总分为 {score(result.total_shown)} 分"), form.name
        diffs = differences(report_form)
        same_total = abs(result.total_shown - result.total_computed) <= TOL
        if not diffs and same_total:
            kinds.add("same")
            assert lines[1:] == ["按评分规则复核，各项得分、总分和等级均与自评一致。"], form.name
            continue
        assert score(result.total_computed) in lines[1], form.name
        cells = re.findall(r"^「[^」]+」（([A-Z]+\d+)）", text, flags=re.M)
        assert sorted(cells) == sorted(diffs), form.name
        for cell, accepted in diffs.items():
            line = next(line for line in lines if f"（{cell}）" in line)
            kinds.add("accepted" if accepted else "disputed")
            assert ("予以保留" in line) == accepted and ("按规则复核为" in line) != accepted, (form.name, cell)
        everything_kept = all(diffs.values()) and abs(result.total_shown - (
            result.total_computed + sum(item["entered"] - item["computed"] for item in report_form["items"]
                                        if item["cell"] in diffs))) <= TOL
        assert ("复核予以接受" in lines[1]) == everything_kept, form.name
        assert ("请单位核实" in lines[-1]) != everything_kept, form.name
    assert kinds == {"same", "accepted", "disputed"}  # the samples exercise every case


def test_the_indicator_tables_show_the_units_score_and_the_recheck_where_it_differs(projects):
    doc, outcome = projects
    draft = outcome.draft
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "复核得分", "完成情况"]
    grids = tables_with(doc, header)
    assert len(grids) == len(draft.book.forms) == 8
    assert sum(len(grid) for grid in grids) < sum(len(form.indicators) for form in draft.book.forms)
    for form, grid, report_form in zip(draft.book.forms, grids, draft.report["forms"]):
        items = {item["cell"]: item for item in report_form["items"]}
        diffs = differences(report_form)
        # rows marked 不适用 without points are left out, as real reports do (counted in the overview)
        shown = [ind for ind in form.indicators if not ("不适用" in (ind.level3.text, ind.target.text)
                                                        and not ind.weight.value)]
        for ind, row in zip(shown, grid, strict=True):
            item = items[ind.score_ref]
            assert row[2] == ind.label and row[6] == score(item["entered"]), (form.name, ind.label)
            expected = "" if ind.score_ref not in diffs else score(item["computed"]) + (
                "\n（保留自评）" if diffs[ind.score_ref] else "")
            assert row[7] == expected, (form.name, ind.label)
    summary = {row[0]: row[5:] for row in tables_with(doc, ["项目名称", "年初预算数", "全年预算数", "全年执行数",
                                                            "预算执行率", "自评总分", "自评等级", "复核总分"])[0]}
    for form in draft.book.forms:
        figures = form_figures(draft.result(form.sheet))
        assert summary[form.name][0] == score(figures.unit_total)
        assert (summary[form.name][2] == "") == (figures.agreement == "same"), form.name
    assert summary[OUTSOURCING] == ["98.00", "优", "100.00\n（保留自评）"]
    assert summary["社保业务公众服务经费"] == ["96.10", "优", "97.59"]
    assert summary["案件调查取证费"] == ["91.90", "优", ""]


def test_the_department_scoring_table_shows_the_unit_and_the_recheck_where_it_differs(department):
    doc, outcome = department
    header = ["一级指标", "二级指标", "三级指标", "分值", "自评得分", "复核得分", "指标实际值"]
    table = tables_with(doc, header)[0]
    rows = {row[2]: row for row in table}
    assert rows["公用经费控制率"][4:6] == ["6.00", "5.00"]
    assert rows["预算执行率"][4:6] == ["6.00", "5.36"]
    assert rows["预算编制合理性"][4:6] == ["4.00", ""]  # 基础数据 not filled: the unit's score stands
    assert [row[5] for row in table[:-1] if row[5]] == ["5.00", "5.36"]
    assert table[-1][0] == "合计" and table[-1][4:6] == ["96.80", "95.16"]


def test_the_funds_paragraph_states_the_units_execution_score(projects):
    doc, _ = projects
    funds = project_sections(doc, "资金投入和使用情况")["社保业务公众服务经费"]
    assert ("全年预算数 444.80万元，全年执行数 386.67万元，预算执行率为 86.93%（表中填为 0.86），"
            "执行率自评得分 8.60 分（分值 10 分）。") in funds[0]
    assert any(line.startswith("按规则复核，执行率得分为 8.70 分（填报得分与按规则计算不符）") for line in funds)
    same = project_sections(doc, "资金投入和使用情况")[OUTSOURCING]
    assert not any("复核" in line for line in same)


@pytest.mark.parametrize("which", ["projects", "projects_national", "department"])
def test_the_report_and_the_json_score_report_classify_alike(which, request):
    _, outcome = request.getfixturevalue(which)
    draft = outcome.draft
    compared = 0
    for result, report_form in zip(draft.results, draft.report["forms"]):
        total = report_form["total"]
        if "accepted" not in total or result.completion_only:
            continue
        figures = form_figures(result)
        if figures.agreement != "unchecked":
            assert total["accepted"] == (figures.agreement in ("same", "accepted")), result.name
            compared += 1
        mine = {d.item.cell: d.accepted for d in figures.differences}
        theirs = {item["cell"]: item["accepted"] for item in report_form["items"] if item.get("difference")}
        assert mine == theirs, result.name
    if not compared:
        pytest.skip("the JSON score report does not classify differences (no total.accepted)")
