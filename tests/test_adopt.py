"""`jixiao adopt`: each foreign fixture adopts and then scores to the same totals and flags as the
same form entered in our template; the .xls copy gives the same as the .xlsx; adopting the adopted
workbook changes nothing; nothing is dropped silently; `jixiao score` on a foreign workbook says
how to adopt it. The department's 目标完成情况表 (fixture F) becomes a department workbook whose
target grid scores as seed 000 typed into the department template; a source holding both kinds
gives one workbook per kind."""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.cli import main
from toolkit.core.problems import ToolkitError
from toolkit.core.profile import load_profile
from toolkit.forms.department.template import build_department_workbook
from toolkit.forms.project.adopt import NOTES_SHEET, VOCABULARY, adopt_file
from toolkit.forms.project.template import build_workbook
from toolkit.service import score_file
from toolkit.workbook.locator import Grid, address, locate_forms
from toolkit.workbook.meta import META_SHEET
from toolkit.workbook.sheets import split_ref

from .conftest import ROOT, SAMPLE

FOREIGN = ROOT / "tests" / "data" / "foreign"
EXPECTED = json.loads((FOREIGN / "expected.json").read_text("utf-8"))
SEED003_FIXTURES = ["A_offset.xlsx", "A_offset.xls", "B_stacked.xlsx", "D_eight.xlsx", "E_lastyear.xlsx",
                    "E_lastyear.xls"]
ALL = SEED003_FIXTURES + ["C_completion.xlsx", "F_department.xlsx"]
SEED000 = json.loads((ROOT / "samples" / "seed000_department.json").read_text("utf-8"))
DEPARTMENT_SAMPLE = ROOT / "samples" / "seed000_部门整体支出绩效.xlsx"  # seed 000 typed into our template
TARGET_SHEET, SCORE_SHEET, INPUT_SHEET = "目标完成情况自评表", "评分表", "基础数据"


def _scored(path: Path, folder: Path, profile: str | None = None) -> dict:
    """Per form (by name): total computed, total entered and the set of (code, field) of its flags;
    flag cells are mapped to fields by locating the scored sheet, since addresses differ."""
    outcome = score_file(path, folder / f"{path.stem}_scored.xlsx", profile=profile)
    wb = load_workbook(outcome.output, data_only=True)
    results = {}
    for result in outcome.results:
        [form] = locate_forms(Grid.from_openpyxl(wb[result.sheet]), VOCABULARY).forms
        field_of = {cell: path for path, cell in form.cells().items()}
        flags = {(flag.code, field_of.get(flag.cell, flag.cell)) for flag in result.flags}
        results[result.name] = (result.total_computed, result.total_entered, flags)
    return results


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("adopt")


@pytest.fixture(scope="module")
def reference(folder) -> dict:
    """The seed-003 sample (the same forms entered in our template), scored by the profile an adopted
    workbook is scored by: it records none, so national (the sample itself records shenzhen)."""
    return _scored(SAMPLE, folder, profile="national")


@lru_cache(maxsize=None)
def _adopt(name: str, folder: Path):
    return adopt_file(FOREIGN / name, folder / f"{name.replace('.', '_')}.xlsx",
                      json_path=folder / f"{name.replace('.', '_')}.json")


def _content(path: Path) -> dict:
    """Every sheet but the 导入说明 and the hidden one: cell values, merges and defined names."""
    wb = load_workbook(path)
    return {ws.title: ({cell.coordinate: cell.value for row in ws.iter_rows() for cell in row if cell.value is not None},
                       sorted(str(rng) for rng in ws.merged_cells.ranges),
                       {name: dn.attr_text for name, dn in ws.defined_names.items()})
            for ws in wb.worksheets if ws.title not in (NOTES_SHEET, META_SHEET)}


@pytest.mark.parametrize("name", SEED003_FIXTURES)
def test_adopted_forms_score_as_the_same_forms_in_our_template(name, folder, reference):
    before = hashlib.sha256((FOREIGN / name).read_bytes()).hexdigest()
    outcome = _adopt(name, folder)
    assert hashlib.sha256((FOREIGN / name).read_bytes()).hexdigest() == before, "the input must never change"
    assert not any(item.checks for item in outcome.adopted), [item.checks for item in outcome.adopted]
    scored = _scored(outcome.output, folder)
    assert len(scored) == len(EXPECTED["fixtures"][EXPECTED["fixtures"][name].get("copy_of", name)]["forms"])
    for project, result in scored.items():
        assert result == reference[project], (name, project)


def test_completion_only_forms_adopt_with_blank_points_and_score_as_typed_into_the_template(folder):
    outcome = _adopt("C_completion.xlsx", folder)
    wb = load_workbook(outcome.output)
    ws = wb[outcome.adopted[0].output_sheet]
    assert ws["G2"].value == "万元" and ws["F6"].value is None and ws["D6"].value == 20
    assert [ws.cell(row, 7).value for row in range(13, 21)] == [None] * 8  # 分值 blank, nothing invented
    assert ws["B13"].value == "产出指标"  # 完成指标, the rules' name
    # The same two forms typed into the template by hand (expected.json's content):
    projects = []
    for form in EXPECTED["fixtures"]["C_completion.xlsx"]["forms"]:
        funds = {row: dict(values, **({"weight": None} if row == "total" else {})) for row, values in form["funds"].items()}
        projects.append(dict(sheet=form["sheet"], year=form["year"], money_unit=form["money_unit"],
                             project_name=form["project_name"], department=form["department"],
                             implementer=form["implementer"] or None, funds=funds, level1_weights={},
                             goal_expected=form["goal_expected"], goal_actual=form["goal_actual"],
                             indicators=[{k: v for k, v in item.items() if k != "level1_raw"}
                                         for item in form["indicators"]]))
    typed = folder / "C_typed.xlsx"
    build_workbook(projects).save(typed)
    assert _scored(outcome.output, folder) == _scored(typed, folder)


@pytest.mark.parametrize("stem", ["A_offset", "E_lastyear"])
def test_xls_gives_the_same_as_xlsx(stem, folder):
    assert _content(_adopt(f"{stem}.xls", folder).output) == _content(_adopt(f"{stem}.xlsx", folder).output)


@pytest.mark.parametrize("name", ALL)
def test_adopting_the_adopted_workbook_changes_nothing(name, folder):
    first = _adopt(name, folder).output
    second = adopt_file(first, folder / f"again_{first.name}").output
    assert _content(second) == _content(first)


def test_adopting_our_own_sample_gives_the_sample(folder):
    adopted = adopt_file(SAMPLE, folder / "sample_adopted.xlsx").output
    assert _content(adopted) == _content(SAMPLE)


@pytest.mark.parametrize("name", ALL)
def test_the_map_accounts_for_every_non_blank_cell(name, folder):
    _adopt(name, folder)
    data = json.loads((folder / f"{name.replace('.', '_')}.json").read_text("utf-8"))
    _assert_map_accounts_for(FOREIGN / name, data)
    assert all(form["adopted"] for form in data["forms"])


def _assert_map_accounts_for(source: Path, data: dict) -> None:
    """Every non-blank cell of ``source`` is a mapped value, a label or listed with a reason."""
    wb = load_workbook(source) if source.suffix == ".xlsx" else None
    name = source.name
    for sheet in data["sheets"]:
        listed = {item["cell"] for item in sheet["unmapped"]}
        for form in data["forms"]:
            if form["sheet"] == sheet["sheet"]:
                listed |= set(form["cells"]) | set(form["labels"].values()) | {i["cell"] for i in form["unmapped"]}
                assert all(set(paths) and cell for cell, paths in form["cells"].items())
        if wb is not None:
            ws = wb[sheet["sheet"]]
            non_blank = {cell.coordinate for row in ws.iter_rows() for cell in row
                         if cell.value is not None and str(cell.value).strip()}
            assert non_blank <= listed, (name, sheet["sheet"], non_blank - listed)


def test_a_workbook_without_forms_to_adopt_says_why_sheet_by_sheet(folder, capsys):
    source = folder / "F_no_rows.xlsx"
    wb = load_workbook(FOREIGN / "F_department.xlsx")
    for row in wb["目标完成情况表"]["D6:F27"]:  # 三级指标, 预期指标值, 实际完成指标值 of every row
        for cell in row:
            cell.value = None
    wb.save(source)
    assert main(["adopt", str(source), "-o", str(folder / "F2.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "工作表「封面」：不是自评表" in err
    assert "工作表「目标完成情况表」A1：目标完成情况表的绩效指标栏没有填写任何指标行" in err
    assert "Traceback" not in err and not (folder / "F2.xlsx").exists()
    assert main(["score", str(source), "-o", str(folder / "never_written.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "可先运行" not in err  # nothing there adopt could take: it is not proposed, and why is said
    assert "无法用 jixiao adopt 导入" in err and "绩效指标栏没有填写任何指标行" in err


def test_the_notes_sheet_lists_everything_and_is_not_taken_for_a_form(folder):
    outcome = _adopt("D_eight.xlsx", folder)
    wb = load_workbook(outcome.output)
    assert wb.sheetnames[-2:] == [NOTES_SHEET, META_SHEET]
    notes = wb[NOTES_SHEET]
    texts = [str(cell.value) for row in notes.iter_rows() for cell in row if cell.value is not None]
    assert "项目1" in texts and "A30" in texts and any("填表说明" in text for text in texts)
    scored = score_file(outcome.output, folder / "D_scored_for_notes.xlsx")
    assert "form_without_names" not in {flag.code for flag in scored.book.flags}


def test_a_clerk_sheet_named_like_the_notes_sheet_keeps_its_name(folder, capsys):
    source = folder / "named.xlsx"
    wb = load_workbook(FOREIGN / "E_lastyear.xlsx")
    wb["Sheet1"].title = NOTES_SHEET
    wb.save(source)
    assert main(["adopt", str(source), "-o", str(folder / "named_out.xlsx")]) == 0
    out = capsys.readouterr().out
    assert f"说明写在「{NOTES_SHEET}（2）」" in out
    assert load_workbook(folder / "named_out.xlsx").sheetnames[1:3] == [NOTES_SHEET, f"{NOTES_SHEET}（2）"]


def test_score_on_a_foreign_workbook_says_how_to_adopt_it(capsys):
    assert main(["score", str(FOREIGN / "B_stacked.xlsx"), "-o", "/tmp/never_written.xlsx"]) == 2
    err = capsys.readouterr().err
    assert "可先运行：jixiao adopt" in err and "B_stacked.xlsx" in err and err.count("\n") == 1
    assert main(["score", str(FOREIGN / "F_department.xlsx"), "-o", "/tmp/never_written.xlsx"]) == 2
    err = capsys.readouterr().err
    assert "工作表「目标完成情况表」中 1 张" in err and "可先运行：jixiao adopt" in err


def test_values_stay_as_written(folder):
    """Numbers stay numbers, text stays text, money in the form's unit, with the form's number format."""
    outcome = _adopt("A_offset.xlsx", folder)
    ws = load_workbook(outcome.output)["附表1"]
    assert (ws["G2"].value, ws["B2"].value, ws["B4"].value) == ("万元", 2021, "深圳市社会保险基金管理局（101001）")
    assert ws["E6"].value == 233.9996 and ws["E6"].number_format == "0.00####"
    assert ws["F16"].value == "100%" and isinstance(load_workbook(outcome.output)["附表2"]["F14"].value, int)
    d = load_workbook(_adopt("D_eight.xlsx", folder).output)["项目1"]
    assert d["G6"].value == 1 and d["G6"].number_format == "0.00%"


def test_tool_values_of_a_scored_copy_are_not_taken_for_the_clerks(folder):
    scored = score_file(SAMPLE, folder / "sample_scored.xlsx").output
    again = adopt_file(scored, folder / "sample_scored_adopted.xlsx")
    assert _content(again.output) == _content(SAMPLE)
    assert any("本工具上次计算填入的值" in note for item in again.adopted for note in item.located.notes)


def test_names_that_disagree_with_labels_are_reported(folder):
    source = folder / "moved_name.xlsx"
    wb = load_workbook(SAMPLE)
    ws = wb["政府采购"]
    ws.defined_names["JX_ProjectName"].attr_text = "'政府采购'!$B$4"
    wb.save(source)
    outcome = adopt_file(source, folder / "moved_name_out.xlsx")
    [item] = [item for item in outcome.adopted if item.output_sheet == "政府采购"]
    assert item.checks == ["定义名称 JX_ProjectName 指向 B4，按标签「项目名称」找到的值在 B3；已按标签导入，请核对。"]


def test_unusable_inputs_are_refused_with_exit_2(folder, capsys):
    text = folder / "not.xlsx"
    text.write_text("not a workbook")
    assert main(["adopt", str(text)]) == 2
    assert main(["adopt", str(FOREIGN / "A_offset.xlsx"), "-o", str(folder / "x.xlsm")]) == 2
    macro = folder / "macro.xlsm"
    shutil.copy(FOREIGN / "E_lastyear.xlsx", macro)
    assert main(["adopt", str(macro)]) == 0 and (folder / "macro_导入.xlsx").exists()
    err = capsys.readouterr().err
    assert "不是 Excel 工作簿" in err and ".xlsx 结尾" in err and "Traceback" not in err


def test_every_recorded_address_holds_the_recorded_value(folder):
    """The map's addresses point at the cells the values came from (merged: the range's first cell)."""
    outcome = _adopt("B_stacked.xlsx", folder)
    for item in outcome.adopted:
        containing = set(item.located.cells_containing())
        model = item.located
        for path, ref in model.cells().items():
            value = _value_at(model, path)
            if value is None or path in containing or path.endswith(".level1"):
                continue
            assert item.grid.get(*split_ref(ref)) == value, (path, ref)


def _value_at(form, path: str):
    if "." not in path:
        return form.fields[path].value
    head, rest = path.split(".", 1)
    if head == "funds":
        row, column = rest.split(".")
        return form.funds[row][column].value
    if head.startswith("indicators["):
        return form.indicators[int(head[11:-1])].cells[rest].value
    return form.level1_weights[rest].value


def test_address_helper_matches_openpyxl():
    from openpyxl.utils import get_column_letter
    assert all(address(7, col) == f"{get_column_letter(col)}7" for col in range(1, 800))


def test_xls_without_calamine_is_converted_by_libreoffice(libreoffice, folder, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import fails: the fallback runs
    converted = adopt_file(FOREIGN / "E_lastyear.xls", folder / "E_via_soffice.xlsx").output
    assert _content(converted) == _content(_adopt("E_lastyear.xlsx", folder).output)


# -- the department's 目标完成情况表 ------------------------------------------------------------------

def _sheet(path: Path, title: str) -> tuple:
    """One sheet's cell values, merges and defined names (what :func:`_content` holds per sheet)."""
    return _content(path)[title]


def _target_rows(path: Path, folder: Path) -> list[tuple]:
    """The scored target grid, row by row: label, status, explanation (the share when not met)
    and every flag's code, severity and message; cells are left out (positions may differ)."""
    outcome = score_file(path, folder / f"{path.stem}_targets_scored.xlsx")
    [result] = [result for result in outcome.results if result.sheet == TARGET_SHEET]
    return [(item.label, item.status, item.explanation, [(f.code, f.severity, f.message) for f in item.flags])
            for item in result.items if item.status is not None]


def test_department_targets_adopt_into_the_department_template_verbatim(folder):
    outcome = _adopt("F_department.xlsx", folder)
    [item] = outcome.adopted
    assert (item.output_sheet, item.checks, item.located.problems) == (TARGET_SHEET, [], [])
    wb = load_workbook(outcome.output)
    assert wb.sheetnames == ["填表说明", TARGET_SHEET, SCORE_SHEET, INPUT_SHEET, NOTES_SHEET, META_SHEET]
    ws = wb[TARGET_SHEET]
    assert (ws["C2"].value, ws["G2"].value) == (SEED000["department"], 2021)
    assert (ws["B13"].value, ws["E13"].value) == (SEED000["goal_expected"], SEED000["goal_actual"])
    keys = ("level1", "level2", "level3", "target", "actual")
    grid = [[ws.cell(row, col).value for col in range(2, 7)] for row in range(15, 15 + len(SEED000["targets"]))]
    assert grid == [[target.get(key) for key in keys] for target in SEED000["targets"]]  # 22 rows, 「产出」 as printed
    assert ws.cell(15 + len(SEED000["targets"]), 4).value is None
    assert all(cell.value is None for row in ws["B5:H11"] for cell in row if cell.coordinate != "B11")  # no tasks
    meta = {row[0].value: row[1].value for row in wb[META_SHEET].iter_rows()}
    assert meta["profile_id"] == "shenzhen-yantian-2021"
    blank = folder / "department_blank.xlsx"  # the template as it comes, with the form's name and year
    build_department_workbook(load_profile("shenzhen-yantian-2021"),
                              {"department": SEED000["department"], "year": 2021}).save(blank)
    for title in (SCORE_SHEET, INPUT_SHEET, "填表说明"):
        assert _sheet(outcome.output, title) == _sheet(blank, title), title
    notes = [str(cell.value) for row in wb[NOTES_SHEET].iter_rows() for cell in row if cell.value is not None]
    assert any("按规则配置 shenzhen-yantian-2021 的模板生成" in text for text in notes)


def test_adopted_department_grid_scores_as_seed_000_typed_into_the_template(folder):
    adopted = _adopt("F_department.xlsx", folder).output
    mine, typed = _target_rows(adopted, folder), _target_rows(DEPARTMENT_SAMPLE, folder)
    assert mine == typed
    assert len(mine) == 20 and {status for _, status, _, _ in mine} == {"达成"}  # 22 rows, 2 printed empty
    codes = sorted(code for *_, flags in mine for code, _, _ in flags)
    assert codes == ["direction_inferred"] + ["over_achievement"] * 5 + ["unit_assumed"] * 2


def test_the_empty_score_sheet_is_flagged_never_scored(folder, capsys):
    adopted = _adopt("F_department.xlsx", folder).output
    assert main(["score", str(adopted), "-o", str(folder / "F_cli_scored.xlsx")]) == 0
    assert "Traceback" not in capsys.readouterr().err
    outcome = score_file(adopted, folder / "F_scored.xlsx")
    [result] = [result for result in outcome.results if result.sheet == SCORE_SHEET]
    assert (result.total_computed, result.total_entered, result.grade) == (None, None, None)
    assert len(result.items) == 21 and all(i.computed is None and i.entered is None for i in result.items)
    assert all("judgement_required" in {flag.code for flag in i.flags} for i in result.items)
    codes = {flag.code for flag in result.flags}
    assert codes == {"judgement_required", "inputs_missing", "total_incomplete"}
    ws = load_workbook(outcome.output)[SCORE_SHEET]
    assert [ws.cell(row, 10).value for row in range(4, 27)] == [None] * 23  # no score, total or grade written


def test_adopting_the_adopted_department_workbook_keeps_its_framework(folder):
    first = adopt_file(FOREIGN / "F_department.xlsx", folder / "F_wuhua.xlsx", profile="wuhua-2023")
    second = adopt_file(first.output, folder / "F_wuhua_again.xlsx")
    assert _content(second.output) == _content(first.output)
    for path in (first.output, second.output):
        meta = {row[0].value: row[1].value for row in load_workbook(path)[META_SHEET].iter_rows()}
        assert meta["profile_id"] == "wuhua-2023"
    reasons = {sheet["sheet"]: sheet["reason"] for sheet in second.json_map["sheets"]}
    assert "本工具模板的工作表" in reasons[SCORE_SHEET] and "本工具模板的工作表" in reasons[INPUT_SHEET]
    with pytest.raises(ToolkitError, match="不是部门整体支出绩效的配置"):
        adopt_file(FOREIGN / "F_department.xlsx", folder / "F_national.xlsx", profile="national")


def test_our_own_department_sample_gives_its_target_sheet_tasks_included(folder):
    outcome = adopt_file(DEPARTMENT_SAMPLE, folder / "seed000_adopted.xlsx", json_path=folder / "seed000_adopted.json")
    assert _sheet(outcome.output, TARGET_SHEET) == _sheet(DEPARTMENT_SAMPLE, TARGET_SHEET)
    data = json.loads((folder / "seed000_adopted.json").read_text("utf-8"))
    _assert_map_accounts_for(DEPARTMENT_SAMPLE, data)
    [form] = data["forms"]
    assert form["fields"]["tasks[1].budget_fiscal"] == "F6" and form["fields"]["task_total.actual_total"] == "G11"
    assert [item["reason"] for item in form["unmapped"]] == ["工具列（系统计算得分、计算说明）：评分时重新计算，不导入"] * 2
    total = [item for result in score_file(outcome.output, folder / "seed000_adopted_scored.xlsx").results
             for item in result.items if item.label == "金额合计"]
    assert [(item.computed, item.entered, item.flags) for item in total] == [(20486523.78, 20486523.78, [])]


def test_a_task_block_in_another_layout_is_adopted_as_written(folder):
    source = folder / "tasks_wan.xlsx"
    wb = load_workbook(FOREIGN / "F_department.xlsx")
    ws = wb.create_sheet("目标表")
    for row in [["2021年度部门整体支出绩效目标完成情况表"], ["单位名称", "某区社保分局", None, "金额单位：万元"],
                ["主要任务", "任务内容", "完成情况", "预算数", "执行数"],
                ["基本支出", "人员经费", "完成", 1367.888478, 1314.621376],
                ["办公设备采购", "更新设备", "完成", 8.6, 6.84],
                ["合计", None, None, 1376.488478, 1321.461376],
                ["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值", "分值"],
                ["产出指标", "数量", "培训人次", "45", "82", 10]]:
        ws.append(row)
    ws["D4"].number_format = "0.000000"
    del wb["目标完成情况表"]
    wb.save(source)
    outcome = adopt_file(source, folder / "tasks_wan_out.xlsx", json_path=folder / "tasks_wan.json")
    target = load_workbook(outcome.output)[TARGET_SHEET]
    assert [[target.cell(row, col).value for col in range(2, 9)] for row in (5, 6, 7)] == [
        ["基本支出", "人员经费", "完成", 1367.888478, None, 1314.621376, None],
        ["办公设备采购", "更新设备", "完成", 8.6, None, 6.84, None],
        ["金额合计", None, None, 1376.488478, None, 1321.461376, None]]
    assert target["E5"].number_format == "0.000000"
    [item] = outcome.adopted
    assert "原表金额单位为万元，模板的任务金额以元为单位：金额按原表数值导入，请换算成元。" in item.located.notes
    data = json.loads((folder / "tasks_wan.json").read_text("utf-8"))
    _assert_map_accounts_for(source, data)
    unmapped = {entry["cell"]: entry["reason"] for entry in data["forms"][0]["unmapped"]}
    assert set(unmapped) == {"D2", "F8"} and "金额单位为元" in unmapped["D2"] and "没有此栏" in unmapped["F8"]


def _mixed_source(folder: Path) -> Path:
    """Fixture F with fixture E's project form pasted into a third sheet (values and merges)."""
    source = folder / "mixed.xlsx"
    wb = load_workbook(FOREIGN / "F_department.xlsx")
    project = load_workbook(FOREIGN / "E_lastyear.xlsx")["Sheet1"]
    ws = wb.create_sheet("项目表")
    for row in project.iter_rows():
        for cell in row:
            if cell.value is not None:
                ws[cell.coordinate] = cell.value
                ws[cell.coordinate].number_format = cell.number_format
    for merged in project.merged_cells.ranges:
        ws.merge_cells(str(merged))
    wb.save(source)
    return source


def test_a_source_holding_both_kinds_gives_one_workbook_per_kind(folder, reference, capsys):
    source = _mixed_source(folder)
    assert main(["adopt", str(source), "--json", str(folder / "mixed.json")]) == 0
    out = capsys.readouterr().out
    project, department = folder / "mixed_导入.xlsx", folder / "mixed_部门_导入.xlsx"
    assert f"→ {project}（1 张项目表）" in out and f"→ {department}（1 张部门目标完成情况表）" in out
    data = json.loads((folder / "mixed.json").read_text("utf-8"))
    assert [(entry["file"], entry["forms"]) for entry in data["outputs"]] == [(project.name, 1), (department.name, 1)]
    assert [(form["sheet"], form["output"], form["output_sheet"]) for form in data["forms"]] == [
        ("目标完成情况表", department.name, TARGET_SHEET), ("项目表", project.name, "项目表")]
    _assert_map_accounts_for(source, data)
    assert load_workbook(project).sheetnames == ["填表说明", "项目表", NOTES_SHEET, META_SHEET]
    scored = _scored(project, folder)
    assert list(scored) == ["社保业务公众服务经费"] and scored["社保业务公众服务经费"] == reference["社保业务公众服务经费"]
    assert _content(department) == _content(_adopt("F_department.xlsx", folder).output)
    for path, other in ((project, department.name), (department, project.name)):
        notes = [str(cell.value) for row in load_workbook(path)[NOTES_SHEET].iter_rows() for cell in row
                 if cell.value is not None]
        assert any(f"（在「{other}」中）" in text for text in notes), path  # the form that went to the other file
    explicit = adopt_file(source, folder / "both.xlsx")
    assert [path.name for path in explicit.outputs] == ["both.xlsx", "both_部门.xlsx"]


def test_a_second_department_table_in_one_source_is_listed_not_adopted(folder):
    source = folder / "two_departments.xlsx"
    wb = load_workbook(FOREIGN / "F_department.xlsx")
    wb.copy_worksheet(wb["目标完成情况表"]).title = "另一张"
    wb.save(source)
    outcome = adopt_file(source, folder / "two_departments_out.xlsx")
    assert [item.located.sheet for item in outcome.adopted] == ["目标完成情况表"]
    [other] = outcome.not_adopted
    assert other.sheet == "另一张" and "已导入工作表「目标完成情况表」A1 的表，本表未导入" in other.problems[0]
