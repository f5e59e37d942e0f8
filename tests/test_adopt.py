"""`jixiao adopt`: each foreign fixture adopts and then scores to the same totals and flags as the
same form entered in our template; the .xls copy gives the same as the .xlsx; adopting the adopted
workbook changes nothing; nothing is dropped silently; `jixiao score` on a foreign workbook says
how to adopt it."""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.cli import main
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
ALL = SEED003_FIXTURES + ["C_completion.xlsx"]


def _scored(path: Path, folder: Path) -> dict:
    """Per form (by name): total computed, total entered and the set of (code, field) of its flags;
    flag cells are mapped to fields by locating the scored sheet, since addresses differ."""
    outcome = score_file(path, folder / f"{path.stem}_scored.xlsx")
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
    """The seed-003 sample (the same forms entered in our template), scored."""
    return _scored(SAMPLE, folder)


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


@pytest.mark.parametrize("name", ALL + ["F_department.xlsx"])
def test_the_map_accounts_for_every_non_blank_cell(name, folder):
    if name == "F_department.xlsx":
        assert main(["adopt", str(FOREIGN / name), "-o", str(folder / "F.xlsx"), "--json", str(folder / "F.json")]) == 2
        assert not (folder / "F.xlsx").exists()
        return
    _adopt(name, folder)
    data = json.loads((folder / f"{name.replace('.', '_')}.json").read_text("utf-8"))
    wb = load_workbook(FOREIGN / name) if name.endswith(".xlsx") else None
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
    assert all(form["adopted"] for form in data["forms"])


def test_a_workbook_without_project_forms_says_why_sheet_by_sheet(folder, capsys):
    assert main(["adopt", str(FOREIGN / "F_department.xlsx"), "-o", str(folder / "F2.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "工作表「封面」：不是自评表" in err
    assert "工作表「目标完成情况表」A1：这是部门整体支出绩效目标完成情况表" in err
    assert "Traceback" not in err


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
    assert "jixiao adopt" not in capsys.readouterr().err  # nothing there adopt could take


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
