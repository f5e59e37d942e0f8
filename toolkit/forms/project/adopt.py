"""``jixiao adopt``: bring 项目支出绩效自评表 laid out by another bureau, another year or pasted
into a new sheet into this tool's template, so they can be scored.

The input (.xlsx, .xlsm — macros are not carried over — or legacy .xls, read with
python-calamine, else converted by LibreOffice) is never changed. Every sheet is searched with
the label locator (:mod:`toolkit.workbook.locator`); each form found becomes one sheet of a new
workbook built by :func:`toolkit.forms.project.template.build_workbook`, holding every value as
written (numbers stay numbers, text stays text, money stays in the form's unit). An 「导入说明」
sheet and an optional JSON map say where each value came from and list every non-blank cell
that was not taken, with the reason; a sheet that looks like a form but cannot be adopted is
listed with the reason. Adopting the adopted workbook again gives the same sheets.

Example::

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "adopted.xlsx"
    >>> outcome = adopt_file("tests/data/foreign/E_lastyear.xlsx", out)
    >>> [(form.output_sheet, form.located.name) for form in outcome.adopted]
    [('Sheet1', '社保业务公众服务经费')]
    >>> outcome.notes_sheet, outcome.output == out
    ('导入说明', True)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl.styles import Alignment

from toolkit.core.problems import ToolkitError
from toolkit.forms import registry
from toolkit.forms.project import layout
from toolkit.forms.project.template import build_workbook
from toolkit.workbook.atomic import atomic_save, atomic_write
from toolkit.workbook.io import check_file_kind, open_workbook, sniff
from toolkit.workbook.locator import (Grid, LocatedForm, SheetLocation, Unmapped, Vocabulary, address,
                                      locate_forms)
from toolkit.workbook.meta import META_SHEET, read_meta
from toolkit.workbook.sheets import resolve_reference, split_ref
from toolkit.workbook.styles import BOLD_FONT, TITLE_FONT, TOP_LEFT, style_range

NOTES_SHEET = "导入说明"
WRAP = Alignment(wrap_text=True, vertical="top")
REASON_UNCALCULATED = "公式没有计算结果（文件不是由 Excel/WPS 保存的），无法导入其值：请在 Excel/WPS 中打开、保存后再导入"
# The tool's own columns are recomputed by scoring, never imported.
VOCABULARY = Vocabulary(ignored_headers=tuple(layout.TOOL_HEADERS))
# Sheet names the output workbook already uses (the template's and the tool's own sheets).
RESERVED_SHEETS = (layout.INSTRUCTIONS_SHEET, layout.META_SHEET, layout.CHECK_SHEET)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_NUMERIC_PATHS = re.compile(r"^(funds\.|indicators\[\d+\]\.(weight|score)$|total_|project_amount$|level1_weights\.)")


@dataclass
class AdoptedForm:
    """A located form and the sheet it became."""

    located: LocatedForm
    output_sheet: str
    grid: Grid
    checks: list[str] = field(default_factory=list)  # names that disagree with labels, self-check


@dataclass
class AdoptOutcome:
    source: Path
    output: Path
    notes_sheet: str
    adopted: list[AdoptedForm]
    not_adopted: list[LocatedForm]
    sheets: list[SheetLocation]
    json_map: dict


# -- reading ----------------------------------------------------------------------------------------

@dataclass
class Source:
    """What adopt reads from the input: a grid per sheet, the values the tool itself wrote into an
    earlier scored copy of its template, and formula cells (imported as their last result)."""

    grids: list[Grid]
    filled: dict[tuple[str, str], object] = field(default_factory=dict)
    formulas: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # sheet → (row, col, formula)


def read_grids(path: str | Path) -> list[Grid]:
    """Every worksheet of the file as a :class:`~toolkit.workbook.locator.Grid` (values as last
    calculated, merges, number formats, names). Raises ToolkitError for files that are no workbook.

    >>> [grid.title for grid in read_grids("tests/data/foreign/A_offset.xls")]
    ['附表1', '附表2', '附表3']
    """
    return read_source(path).grids


def read_source(path: str | Path) -> Source:
    """The input as :class:`Source` (a legacy .xls through python-calamine or LibreOffice)."""
    path = Path(path)
    if sniff(path) == "legacy_xls":
        return Source(_read_xls(path))
    check_file_kind(path)
    wb = open_workbook(path, data_only=True, keep_vba=False)
    formula_wb = open_workbook(path, data_only=False, keep_vba=False, read_only=True)
    formulas = {}
    try:
        for ws in formula_wb.worksheets:
            found = [(cell.row, cell.column, str(cell.value)) for row in ws.iter_rows() for cell in row
                     if getattr(cell, "data_type", None) == "f"]
            if found:
                formulas[ws.title] = found
    finally:
        formula_wb.close()  # a read-only workbook keeps its file open until closed
    filled = read_meta(wb)[1].filled if META_SHEET in wb.sheetnames else {}
    return Source([Grid.from_openpyxl(ws) for ws in wb.worksheets], filled, formulas)


def _read_xls(path: Path) -> list[Grid]:
    """A legacy .xls: python-calamine when installed, else LibreOffice converts it to .xlsx."""
    try:
        import python_calamine
    except ImportError:
        return _convert_with_libreoffice(path)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        visible = {meta.name: str(meta.visible).endswith("Visible") for meta in book.sheets_metadata}
        grids = []
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            merges = [(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []]
            grids.append(Grid.from_rows(name, sheet.to_python(skip_empty_area=False), merges=merges,
                                        visible=visible.get(name, True)))
        return grids
    except Exception as exc:  # noqa: BLE001 — calamine raises its own types for damaged files
        raise ToolkitError(f"文件「{path.name}」（.xls）无法读取（{type(exc).__name__}：{exc}）。"
                           "请用 Excel/WPS 打开后另存为 .xlsx 再试。") from None


def _convert_with_libreoffice(path: Path) -> list[Grid]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise ToolkitError(f"文件「{path.name}」是旧版 .xls：读取它需要 python-calamine（pip install python-calamine）"
                           "或 LibreOffice。也可以在 Excel/WPS 中另存为 .xlsx 后再导入。")
    with tempfile.TemporaryDirectory(prefix="jx-xls-") as folder:
        # A private profile: a LibreOffice already running (the clerk's, another conversion) would
        # otherwise hold the shared one and this call would wait for it.
        profile = (Path(folder) / "profile").as_uri()
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xlsx",
                            "--outdir", folder, str(path)], check=True, capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as exc:
            raise ToolkitError(f"文件「{path.name}」（.xls）无法用 LibreOffice 转换（{exc}）。"
                               "请在 Excel/WPS 中另存为 .xlsx 后再导入。") from None
        converted = Path(folder) / f"{path.stem}.xlsx"
        if not converted.exists():
            raise ToolkitError(f"文件「{path.name}」（.xls）经 LibreOffice 转换后没有得到 .xlsx，请手工另存后再导入。")
        return read_source(converted).grids


def locate_workbook(grids: list[Grid]) -> list[SheetLocation]:
    """The forms of every sheet (the template's tool columns are recognised and skipped)."""
    return [locate_forms(grid, VOCABULARY) for grid in grids]


def adoption_hint(path: str | Path) -> str:
    """One line telling how to adopt ``path`` when it holds a form in another layout ('' otherwise,
    and never an exception: this only adds to another error message).

    >>> adoption_hint("tests/data/foreign/B_stacked.xlsx")
    '这是其他版式的自评表（工作表「项目自评表」中 3 张），可先运行：jixiao adopt tests/data/foreign/B_stacked.xlsx'
    >>> adoption_hint("/nonexistent.xlsx")
    ''
    """
    try:
        sheets = locate_workbook(read_grids(path))
    except (ToolkitError, OSError, ValueError, KeyError, TypeError):
        return ""
    found = [(sheet.sheet, len([f for f in sheet.forms if not f.problems])) for sheet in sheets]
    found = [(name, count) for name, count in found if count]
    if not found:
        return ""
    where = "、".join(f"「{name}」" for name, _ in found[:3]) + ("等" if len(found) > 3 else "")
    count = sum(count for _, count in found)
    shown = f'"{path}"' if " " in str(path) else str(path)
    return f"这是其他版式的自评表（工作表{where}中 {count} 张），可先运行：jixiao adopt {shown}"


# -- from a located form to the template ----------------------------------------------------------

def project_data(form: LocatedForm, grid: Grid, sheet: str) -> dict:
    """The project dict :func:`~toolkit.forms.project.template.build_workbook` fills in: every value
    as written. 主管部门及代码 keeps its cell's whole text (the template has no code field)."""
    values = {key: hit.value for key, hit in form.fields.items()}
    if "department_code" in form.fields:
        values["department"] = grid.get(*split_ref(form.fields["department"].cell))
    funds = {row: {column: hit.value for column, hit in columns.items()} for row, columns in form.funds.items()}
    funds.setdefault("total", {}).setdefault("weight", None)  # not stated: blank, not the default 10
    indicators = [{key: ind.cells[key].value if key in ind.cells else None
                   for key in ("level1", "level2", "level3", "target", "actual", "weight", "score", "reason")}
                  for ind in form.indicators]
    data = {key: values.get(key) for key in layout.FIELDS if key not in layout.LEVEL1_WEIGHT_FIELDS.values()}
    data.update(sheet=sheet, funds=funds, indicators=indicators or [{}],
                level1_weights={key: hit.value for key, hit in form.level1_weights.items() if hit.value is not None})
    return data


def _comparable(value):
    """A project dict without blanks, so a stated-but-empty field equals an absent one."""
    if isinstance(value, dict):
        value = {key: _comparable(item) for key, item in value.items() if key != "sheet"}
        return {key: item for key, item in value.items() if item not in (None, "", {}, [{}])}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def output_sheet_names(sheets: list[SheetLocation], forms: list[LocatedForm]) -> list[str]:
    """A sheet name per form: the source sheet's name when it holds one form, else the project name;
    unique, without the characters Excel forbids, never one of the template's own sheets.

    >>> from toolkit.workbook.locator import LocatedForm, Hit
    >>> forms = [LocatedForm("表", "project", "A1", 1, 9, {"project_name": Hit("B2", "零星/修缮")}),
    ...          LocatedForm("表", "project", "A20", 20, 29)]
    >>> output_sheet_names([SheetLocation("表", forms, [])], forms)
    ['零星修缮', '表（A20）']
    """
    per_sheet = {sheet.sheet: len([f for f in sheet.forms if f in forms]) for sheet in sheets}
    taken = set(RESERVED_SHEETS)
    names = []
    for form in forms:
        project = form.fields.get("project_name")
        if per_sheet.get(form.sheet, 0) == 1:
            base = form.sheet
        elif project is not None and project.value:
            base = str(project.value)
        else:
            base = f"{form.sheet}（{form.top_left}）"
        name = _unique(_BAD_SHEET_CHARS.sub("", base).strip("'") or "项目", taken)
        taken.add(name)
        names.append(name)
    return names


def _unique(name: str, taken: set[str]) -> str:
    """``name`` cut to Excel's 31 characters, numbered （2）, （3）… when taken.

    >>> _unique("导入说明", {"导入说明"})
    '导入说明（2）'
    """
    candidate, counter = name[:31], 1
    while candidate in taken:
        counter += 1
        suffix = f"（{counter}）"
        candidate = name[: 31 - len(suffix)] + suffix
    return candidate


def _name_disagreements(form: LocatedForm, grid: Grid) -> list[str]:
    """Where the template's defined names point elsewhere than the labels (only for values found)."""
    messages = []
    places = dict(form.fields)
    places.update({field_key: form.level1_weights[label]
                   for label, field_key in layout.LEVEL1_WEIGHT_FIELDS.items() if label in form.level1_weights})
    for key, spec in layout.FIELDS.items():
        bounds = resolve_reference(grid.names.get(spec.name))
        hit = places.get(key)
        if bounds is None or hit is None or hit.value is None or hit.containing:
            continue
        named = address(bounds[0], bounds[1])
        if named != hit.cell:
            messages.append(f"定义名称 {spec.name} 指向 {named}，按标签「{spec.label}」找到的值在 {hit.cell}；已按标签导入，请核对。")
    return messages


def _tool_values(form: LocatedForm, grid: Grid, filled: dict[tuple[str, str], object]) -> set[str]:
    """Cells of ``form`` holding values the tool itself wrote (a scored copy of the template): those
    are recomputed, not imported as the clerk's entries."""
    if not filled:
        return set()
    anchors = {f"field:{key}": hit for key, hit in form.fields.items()}
    for row, columns in form.funds.items():
        anchors.update({f"fund:{row}:{column}": hit for column, hit in columns.items()})
    seen: dict[str, int] = {}
    for ind in form.indicators:
        label = str(ind.cells["level3"].value or "").strip() if "level3" in ind.cells else ""
        seen[label] = seen.get(label, 0) + 1
        if label:
            anchors.update({f"grid:{label}#{seen[label]}:{key}": hit for key, hit in ind.cells.items()})
    anchors.update({f"field:{layout.LEVEL1_WEIGHT_FIELDS[key]}": hit for key, hit in form.level1_weights.items()})
    cells = set()
    for (sheet, key), value in filled.items():
        hit = anchors.get(key)
        cell = hit.cell if hit is not None else key
        if sheet == grid.title and grid.get(*split_ref(cell)) == value:
            cells.add(cell)
    return cells


def _without_tool_values(form: LocatedForm, tool_cells: set[str]) -> LocatedForm:
    """``form`` with the tool's own earlier values blanked (they are recomputed when scoring)."""
    if not tool_cells:
        return form

    def blank(hit):
        return replace(hit, value=None) if hit.cell in tool_cells else hit

    form.fields = {key: blank(hit) for key, hit in form.fields.items()}
    form.funds = {row: {column: blank(hit) for column, hit in columns.items()} for row, columns in form.funds.items()}
    for ind in form.indicators:
        ind.cells = {key: blank(hit) for key, hit in ind.cells.items()}
    form.level1_weights = {key: blank(hit) for key, hit in form.level1_weights.items()}
    form.notes.append(f"单元格 {'、'.join(sorted(tool_cells))} 是本工具上次计算填入的值，未作为填报内容导入（评分时重新计算）。")
    return form


# -- the command ----------------------------------------------------------------------------------

def default_output(path: Path) -> Path:
    """``单位.xls`` → ``单位_导入.xlsx`` beside the input (always .xlsx: macros are not carried over).

    >>> default_output(Path("/tmp/单位.xls")).name
    '单位_导入.xlsx'
    """
    return path.with_name(f"{path.stem}_导入.xlsx")


def adopt_file(input_path: str | Path, output_path: str | Path | None = None, *,
               json_path: str | Path | None = None) -> AdoptOutcome:
    """Adopt every project form of ``input_path`` into a new workbook (see the module docstring).

    Raises ToolkitError (exit 2) when the file is unusable or holds no form that can be adopted.
    """
    source = Path(input_path)
    output = Path(output_path) if output_path else default_output(source)
    if output.suffix.lower() != ".xlsx":
        raise ToolkitError(f"输出文件「{output}」须以 .xlsx 结尾（导入结果是本工具模板的工作簿，不带宏）。")
    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise ToolkitError(f"输出文件与输入文件相同（{source.name}）：导入从不改动原文件，请用 -o 指定其他文件名。")
    read = read_source(source)
    sheets = locate_workbook(read.grids)
    _note_formulas(sheets, read)
    by_title = {grid.title: grid for grid in read.grids}
    forms = [form for sheet in sheets for form in sheet.forms]
    adoptable = [form for form in forms if not form.problems]
    if not adoptable:
        raise ToolkitError(_nothing_to_adopt(source, sheets))
    names = output_sheet_names(sheets, adoptable)
    adopted = []
    for form, name in zip(adoptable, names):
        grid = by_title[form.sheet]
        form = _without_tool_values(form, _tool_values(form, grid, read.filled))
        adopted.append(AdoptedForm(form, name, grid, _name_disagreements(form, grid)))
    wb = build_workbook([project_data(item.located, item.grid, item.output_sheet) for item in adopted])
    for item in adopted:
        _carry_formats_and_check(wb[item.output_sheet], item)
    notes_sheet = _unique(NOTES_SHEET, set(wb.sheetnames))
    json_map = _json_map(source, output, notes_sheet, adopted, sheets)
    _write_notes_sheet(wb.create_sheet(notes_sheet, index=len(wb.worksheets) - 1), json_map)
    atomic_save(wb, output)
    if json_path:
        text = json.dumps(json_map, ensure_ascii=False, indent=2, default=str)
        atomic_write(Path(json_path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return AdoptOutcome(source, output, notes_sheet, adopted, [f for f in forms if f.problems], sheets, json_map)


def _note_formulas(sheets: list[SheetLocation], read: Source) -> None:
    """Formulas are imported as their last calculated value; one without a stored result (a file
    not saved by Excel/WPS) is listed, never dropped silently."""
    for sheet in sheets:
        cells = read.formulas.get(sheet.sheet, [])
        grid = next(grid for grid in read.grids if grid.title == sheet.sheet)
        missing = [Unmapped(address(row, col), formula, REASON_UNCALCULATED)
                   for row, col, formula in cells if grid.get(row, col) is None]
        sheet.unmapped.extend(missing)
        for form in sheet.forms:
            inside = [address(row, col) for row, col, _ in cells if form.first_row <= row <= form.last_row]
            if inside:
                form.notes.append(f"单元格 {'、'.join(inside[:10])}{'等' if len(inside) > 10 else ''} 是公式，"
                                  "按最近一次计算结果导入（不带公式）。")


def _nothing_to_adopt(source: Path, sheets: list[SheetLocation]) -> str:
    """The error when no sheet holds a project form that can be adopted, sheet by sheet."""
    reasons = []
    for sheet in sheets:
        for form in sheet.forms:
            reasons.append(f"工作表「{sheet.sheet}」{form.top_left}：{'；'.join(form.problems)}")
        if not sheet.forms:
            reasons.append(f"工作表「{sheet.sheet}」：{sheet.looks_like_form or '不是自评表'}")
    advice = ""
    if any(form.kind == "department_targets" for sheet in sheets for form in sheet.forms):
        advice = "部门整体的目标完成情况表请填入部门整体模板（jixiao template build --kind department）的「目标完成情况自评表」。"
    return (f"文件「{source.name}」中没有可以导入的项目支出绩效自评表（按标签查找「三级指标」「年度指标值」「实际完成值」"
            f"等表头）。" + "；".join(reasons) + "。" + advice)


def _carry_formats_and_check(ws, item: AdoptedForm) -> None:
    """Give numbers the source's number format (万元 amounts with 4–6 decimals, 执行率 as %), and
    check that the new sheet reads back as the same content."""
    [written] = locate_forms(Grid.from_openpyxl(ws), VOCABULARY).forms or [None]
    if written is None:
        item.checks.append(f"导入后的工作表「{ws.title}」无法重新识别，请核对。")
        return
    targets = written.cells()
    for path, ref in item.located.cells().items():
        source_format = item.grid.formats.get(split_ref(ref)) if ref else None
        value = item.grid.get(*split_ref(ref)) if ref else None
        if source_format and path in targets and _NUMERIC_PATHS.match(path) \
                and isinstance(value, (int, float)) and not isinstance(value, bool):
            ws[targets[path]].number_format = source_format
    expected = _comparable(project_data(item.located, item.grid, ws.title))
    found = _comparable(project_data(written, Grid.from_openpyxl(ws), ws.title))
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            item.checks.append(f"导入核对：字段 {key} 写入后为「{found.get(key)}」，原表为「{expected.get(key)}」。")


# -- the map --------------------------------------------------------------------------------------

def _unmapped(items: list[Unmapped]) -> list[dict]:
    return [{"cell": item.cell, "value": item.value, "reason": item.reason} for item in items]


def _form_entry(form: LocatedForm, output_sheet: str | None, checks: list[str] = ()) -> dict:
    """One form of the JSON map: field → cell, cell → fields, labels, unmapped cells, notes."""
    fields = form.cells()
    by_cell: dict[str, list[str]] = {}
    for path, ref in fields.items():
        by_cell.setdefault(ref, []).append(path)
    return {
        "sheet": form.sheet, "top_left": form.top_left, "kind": form.kind, "name": form.name,
        "adopted": output_sheet is not None, "output_sheet": output_sheet, "scored": form.scored,
        "problems": list(form.problems), "notes": list(form.notes) + list(checks),
        "fields": fields, "cells": by_cell,
        "labels": {key: hit.cell for key, hit in form.labels.items()},
        "unmapped": _unmapped(form.unmapped),
    }


def _json_map(source: Path, output: Path, notes_sheet: str, adopted: list[AdoptedForm],
              sheets: list[SheetLocation]) -> dict:
    """The map: every form (adopted or not) in sheet order, then every sheet's status and the
    cells outside all forms."""
    by_form = {id(item.located): item for item in adopted}
    forms = []
    for sheet in sheets:
        for form in sheet.forms:
            item = by_form.get(id(form))
            forms.append(_form_entry(form, item.output_sheet if item else None, item.checks if item else ()))
    other = []
    for sheet in sheets:
        status = "forms" if sheet.forms else ("form_like" if sheet.looks_like_form else "not_a_form")
        reason = {"forms": f"{len(sheet.forms)} 张表",
                  "form_like": sheet.looks_like_form,
                  "not_a_form": "不是自评表（没有绩效指标表头和表格栏目），未导入"}[status]
        if sheet.sheet == META_SHEET:
            reason = "本工具的隐藏登记表（模板标识、已填写记录），不导入"
        other.append({"sheet": sheet.sheet, "status": status, "reason": reason,
                      "unmapped": _unmapped(sheet.unmapped)})
    return {"source": source.name, "output": output.name, "notes_sheet": notes_sheet,
            "forms": forms, "sheets": other}


# -- the 导入说明 sheet -----------------------------------------------------------------------------

def _printable(value: object, limit: int = 60) -> str:
    """Text for the 导入说明 sheet, shortened. A form's title word in it would make ``jixiao score``
    take the sheet for a pasted form, so such words are shown without their last character."""
    text = "" if value is None else str(value).replace("\n", " ")
    for marker in registry.title_markers():
        text = text.replace(marker, marker[:-1] + "…")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_notes_sheet(ws, json_map: dict) -> None:
    """What was adopted from where, what was not and why (the JSON map has every detail)."""
    ws.append(["导入说明"])
    ws.append([f"来源文件「{json_map['source']}」（未改动）由 jixiao adopt 按标签识别后导入本模板；数值、文字按原样写入，"
               "金额保持原表单位。得分、执行率等由「计算得分」（jixiao score）重新计算并标出差异。"])
    ws.append([])
    headers = [_append_header(ws, ["原工作表", "位置", "名称", "导入到工作表", "说明"])]
    for entry in json_map["forms"]:
        notes = "；".join(entry["problems"] + entry["notes"]) or "—"
        ws.append([entry["sheet"], entry["top_left"], _printable(entry["name"], 40),
                   entry["output_sheet"] or "未导入", _printable(notes, 400)])
    for sheet in json_map["sheets"]:
        if sheet["status"] != "forms":
            ws.append([sheet["sheet"], "", "", "未导入", _printable(sheet["reason"], 200)])
    ws.append([])
    headers.append(_append_header(ws, ["未导入的单元格", "单元格", "原因", "内容（节选）"]))
    for entry in json_map["forms"] + json_map["sheets"]:
        for item in entry["unmapped"]:
            ws.append([entry["sheet"], item["cell"], item["reason"], _printable(item["value"])])
    for col, width in {"A": 18, "B": 10, "C": 34, "D": 28, "E": 80}.items():
        ws.column_dimensions[col].width = width
    ws["A1"].font = TITLE_FONT
    ws.merge_cells("A2:E2")
    ws["A2"].alignment = TOP_LEFT
    ws.row_dimensions[2].height = 45
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = WRAP
    for row in headers:
        style_range(ws, f"A{row}:E{row}", font=BOLD_FONT, border=None)
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _append_header(ws, values: list[str]) -> int:
    ws.append(values)
    return ws.max_row


def run_cli(args) -> int:
    """``jixiao adopt INPUT [-o OUT.xlsx] [--json MAP.json]``."""
    outcome = adopt_file(args.input, args.output, json_path=args.json)
    print(f"已导入：{args.input} → {outcome.output}（{len(outcome.adopted)} 张项目表）")
    for item in outcome.adopted:
        form = item.located
        kind = "" if form.scored else "（完成情况表，无分值）"
        print(f"  {form.sheet}!{form.top_left} {form.name}{kind} → 工作表「{item.output_sheet}」")
        for note in form.notes + item.checks:
            print(f"      {note}")
    for form in outcome.not_adopted:
        print(f"  未导入 {form.sheet}!{form.top_left}：{'；'.join(form.problems)}")
    for sheet in outcome.json_map["sheets"]:
        if sheet["status"] != "forms":
            print(f"  未导入 工作表「{sheet['sheet']}」：{sheet['reason']}")
    skipped = sum(len(entry["unmapped"]) for entry in outcome.json_map["forms"] + outcome.json_map["sheets"])
    if outcome.notes_sheet != NOTES_SHEET:
        print(f"  「{NOTES_SHEET}」已是表格的工作表名，说明写在「{outcome.notes_sheet}」。")
    print(f"  没有导入的非空单元格 {skipped} 个（占位符、填表说明等），逐个列在「{outcome.notes_sheet}」表"
          + ("和 JSON 映射中。" if args.json else "中。"))
    if args.json:
        print(f"映射：{args.json}")
    print(f"下一步：jixiao score {outcome.output}")
    return 0
