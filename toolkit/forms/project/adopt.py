"""``jixiao adopt``: bring self-evaluation forms laid out by another bureau, another year or
pasted into a new sheet into this tool's templates, so they can be scored.

The input (.xlsx, .xlsm — macros are not carried over — or legacy .xls, read with
python-calamine, else converted by LibreOffice) is never changed. Every sheet is searched with
the label locator (:mod:`toolkit.workbook.locator`). Each 项目支出绩效自评表 found becomes one
sheet of a new workbook built by :func:`toolkit.forms.project.template.build_workbook`, holding
every value as written (numbers stay numbers, text stays text, money stays in the form's unit).
Forms of other kinds go to the kind's adopt hook (:class:`~toolkit.forms.kind.AdoptHook`, listed
by :func:`toolkit.forms.registry.adopt_hooks`): the department's 目标完成情况表 becomes a
department workbook (:mod:`toolkit.forms.department.adopt`). A source holding several kinds
gives one workbook per kind: ``<name>_导入.xlsx`` for the project forms and
``<name>_部门_导入.xlsx`` beside it (with ``-o OUT.xlsx``: ``OUT.xlsx`` and ``OUT_部门.xlsx``),
since each template is a workbook of its own with its own meta sheet.

An 「导入说明」 sheet in every new workbook and an optional JSON map say where each value came
from and list every non-blank cell that was not taken, with the reason; a sheet that looks like
a form but cannot be adopted is listed with the reason. Adopting the adopted workbook again
gives the same sheets.

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
from toolkit.forms.kind import AdoptedForm, AdoptHook, AdoptOptions
from toolkit.forms.project import layout
from toolkit.forms.project.folding import fold_target, fund_amount
from toolkit.forms.project.template import build_workbook
from toolkit.workbook.atomic import atomic_save, atomic_write
from toolkit.workbook.io import check_file_kind, open_workbook, sniff
from toolkit.workbook.printing import NOTES_KEY
from toolkit.workbook.locator import (Grid, LocatedForm, SheetLocation, Unmapped, Vocabulary, address,
                                      locate_forms)
from toolkit.workbook.meta import META_SHEET, embedded_profile, read_meta
from toolkit.workbook.outputs import check_outputs
from toolkit.workbook.sheets import resolve_reference, split_ref
from toolkit.workbook.styles import BOLD_FONT, TITLE_FONT, TOP_LEFT, style_range, text_lines

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
class AdoptOutcome:
    """What ``adopt_file`` did: ``output`` and ``notes_sheet`` are the first workbook's (the only
    one unless the source holds forms of several kinds); ``outputs`` lists every workbook written."""

    source: Path
    output: Path
    notes_sheet: str
    adopted: list[AdoptedForm]
    not_adopted: list[LocatedForm]
    sheets: list[SheetLocation]
    json_map: dict
    outputs: list[Path] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------------------

@dataclass
class Source:
    """What adopt reads from the input: a grid per sheet, the values the tool itself wrote into an
    earlier scored copy of its template, and formula cells (imported as their last result)."""

    grids: list[Grid]
    filled: dict[tuple[str, str], object] = field(default_factory=dict)
    formulas: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # sheet → (row, col, formula)
    meta: dict[str, str] = field(default_factory=dict)  # the tool's _jx_meta (template and profile ids)


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
    meta, tool_registry = read_meta(wb) if META_SHEET in wb.sheetnames else ({}, None)
    filled = tool_registry.filled if tool_registry is not None else {}
    return Source([Grid.from_openpyxl(ws) for ws in wb.worksheets], filled, formulas, meta)


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
    sheets = _assessed(path)
    found = [(sheet.sheet, len([f for f in sheet.forms if not f.problems])) for sheet in sheets]
    found = [(name, count) for name, count in found if count]
    if not found:
        return ""
    where = "、".join(f"「{name}」" for name, _ in found[:3]) + ("等" if len(found) > 3 else "")
    count = sum(count for _, count in found)
    shown = f'"{path}"' if " " in str(path) else str(path)
    return f"这是其他版式的自评表（工作表{where}中 {count} 张），可先运行：jixiao adopt {shown}"


def adoption_obstacle(path: str | Path) -> str:
    """Why a file that looks like a self-evaluation form cannot be adopted, sheet by sheet ('' when
    nothing in it looks like a form; never an exception) — for the message of ``jixiao score``.

    >>> adoption_obstacle("README.md")
    ''
    """
    reasons = []
    for sheet in _assessed(path):
        reasons += [f"工作表「{sheet.sheet}」{form.top_left}：{'；'.join(form.problems)}" for form in sheet.forms
                    if form.problems]
        if not sheet.forms and sheet.looks_like_form:
            reasons.append(f"工作表「{sheet.sheet}」{sheet.looks_like_form}")
    return "；".join(reasons)


def _assessed(path: str | Path) -> list[SheetLocation]:
    """The located and assessed sheets of ``path`` ([] when it cannot be read)."""
    try:
        sheets = locate_workbook(read_grids(path))
        assess(sheets)
    except (ToolkitError, OSError, ValueError, KeyError, TypeError):
        return []
    return sheets


# -- from a located form to the template ----------------------------------------------------------

INDICATOR_KEYS = ("level1", "level2", "level3", "target", "actual", "weight", "score", "reason")
FUND_KEYS = tuple(key for key in layout.FUND_COLUMNS if key != "label")


def project_data(form: LocatedForm, grid: Grid, sheet: str) -> dict:
    """The project dict :func:`~toolkit.forms.project.template.build_workbook` fills in: every value
    as written, with what the template has no cell for folded in (:mod:`.folding`: 指标性质 /
    度量单位 into the target, «800万元» as 800 in the form's money unit). 主管部门及代码 keeps its
    cell's whole text (the template has no code field)."""
    values = {key: hit.value for key, hit in form.fields.items()}
    if "department_code" in form.fields:
        values["department"] = grid.get(*split_ref(form.fields["department"].cell))
    funds, money_unit, _ = _fund_values(form)
    if money_unit:
        values["money_unit"] = money_unit
    indicators = []
    for ind in form.indicators:
        cells = {key: hit.value for key, hit in ind.cells.items()}
        cells["target"], cells["actual"], _ = fold_target(cells)
        indicators.append({key: cells.get(key) for key in INDICATOR_KEYS})
    data = {key: values.get(key) for key in layout.FIELDS if key not in layout.LEVEL1_WEIGHT_FIELDS.values()}
    data.update(sheet=sheet, funds=funds, indicators=indicators or [{}],
                level1_weights={key: hit.value for key, hit in form.level1_weights.items() if hit.value is not None})
    return data


def _fund_values(form: LocatedForm) -> tuple[dict, str | None, list[str]]:
    """The fund block as the template holds it (its columns only; amounts written with a unit as
    numbers), the money unit, and what was converted."""
    money_unit = form.fields["money_unit"].value if "money_unit" in form.fields else None
    funds, converted = {}, []
    for row, columns in form.funds.items():
        funds[row] = {}
        for column, hit in columns.items():
            if column not in FUND_KEYS:
                continue
            value = hit.value
            if column in ("initial", "budget", "actual"):
                value, money_unit = fund_amount(value, money_unit)
                if value != hit.value:
                    converted.append(f"{hit.cell}「{hit.value}」→ {value:g}")
            funds[row][column] = value
    funds.setdefault("total", {}).setdefault("weight", None)  # not stated: blank, not the default 10
    return funds, money_unit, converted


def adoption_notes(form: LocatedForm) -> list[str]:
    """What adopting ``form`` folded or left out that the template has no place for, said once."""
    notes = []
    _, money_unit, converted = _fund_values(form)
    if converted:
        notes.append(f"金额连同单位写在单元格中，按数值导入（金额单位 {money_unit}）：" + "；".join(converted) + "。")
    left = sorted({column for columns in form.funds.values() for column in columns if column not in FUND_KEYS})
    if left:
        names = {"arrived": "到位数", "reason": "原因"}
        notes.append("资金块的「" + "」「".join(names.get(c, c) for c in left) + "」栏本模板没有，未导入（见原表）。")
    folded = []
    for ind in form.indicators:
        cells = {key: hit.value for key, hit in ind.cells.items()}
        _, _, lines = fold_target(cells)
        folded += [f"第 {ind.row} 行：{line}" for line in lines]
    if folded:
        notes.append("；".join(folded) + "。")
    side = [key for key in form.grid_columns if key in ("completion", "weighted", "method", "description")]
    if side:
        names = {"completion": "完成情况", "weighted": "折算得分", "method": "得分计算方法", "description": "指标说明"}
        notes.append("绩效指标表的「" + "」「".join(names[key] for key in side)
                     + "」栏本模板没有，未导入；得分由「计算得分」按规则重新计算（原表此栏见原文件）。")
    if form.placeholders:
        notes.append(f"模板占位行 {len(form.placeholders)} 行（" + "、".join(
            f"{hit.cell}「{hit.value}」" for hit in form.placeholders[:8]) + ("等" if len(form.placeholders) > 8 else "")
            + "）没有指标值、完成值和分值，不是指标，未导入。")
    if form.detail_rows:
        notes.append(f"「其中…」明细行 {len(form.detail_rows)} 行（" + "、".join(
            f"{hit.cell}「{hit.value}」" for hit in form.detail_rows[:8]) + ("等" if len(form.detail_rows) > 8 else "")
            + "）是上一指标的分项，没有分值和得分，未作为单独的指标导入。")
    return notes


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
        cell = hit.cell if hit is not None else key.removeprefix(NOTES_KEY)  # a line of the tool's 问题说明
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


def build_project_workbook(items: list[AdoptedForm], options: AdoptOptions):
    """The project workbook holding ``items``, one sheet each (named by :func:`output_sheet_names`);
    values the tool itself wrote into a scored copy are left out (recomputed when scoring)."""
    forms = [item.located for item in items]
    by_sheet = {form.sheet: [] for form in forms}
    for form in forms:
        by_sheet[form.sheet].append(form)
    names = output_sheet_names([SheetLocation(sheet, found, []) for sheet, found in by_sheet.items()], forms)
    for item, name in zip(items, names):
        item.located = _without_tool_values(item.located, _tool_values(item.located, item.grid, options.filled))
        item.output_sheet = name
        item.checks.extend(_name_disagreements(item.located, item.grid))
        item.located.notes.extend(adoption_notes(item.located))
    carried = embedded_profile(options.meta, "原文件")  # an earlier output's own profile travels on
    wb = build_workbook([project_data(item.located, item.grid, item.output_sheet) for item in items],
                        profile=carried if carried is not None and carried["kind"] == "project" else None)
    for item in items:
        _carry_formats_and_check(wb[item.output_sheet], item)
    return wb


# The project kind's own adoption. Its kind module cannot name it (this module asks the registry
# for the other kinds' hooks: an import cycle), so it is listed here, first.
PROJECT_ADOPTION = AdoptHook(located_kind="project", what="项目支出绩效自评表", count_word="项目表", output_tag="项目",
                             problems=lambda form: list(form.problems), build=build_project_workbook)


def adoption_hooks() -> list[AdoptHook]:
    """How each kind of located form is adopted: the project forms here, the other kinds by their
    hooks in the registry.

    >>> [(hook.located_kind, hook.output_tag) for hook in adoption_hooks()]
    [('project', '项目'), ('department_targets', '部门')]
    """
    return [PROJECT_ADOPTION, *registry.adopt_hooks()]


def assess(sheets: list[SheetLocation]) -> list[tuple[AdoptHook, list[LocatedForm]]]:
    """Each hook with the forms it adopts, in sheet order. Every located form's ``problems`` is
    set to why it cannot be adopted ([] = it is): its kind's judgement, or that one workbook of its
    kind takes no more of them, or that no kind adopts it."""
    hooks = adoption_hooks()
    by_kind = {hook.located_kind: hook for hook in hooks}
    taken: dict[str, list[LocatedForm]] = {hook.located_kind: [] for hook in hooks}
    for sheet in sheets:
        for form in sheet.forms:
            hook = by_kind.get(form.kind)
            if hook is None:
                form.problems = list(form.problems) or [f"本工具不导入这种表（{form.kind}）"]
                continue
            form.problems = hook.problems(form)
            group = taken[hook.located_kind]
            if not form.problems and hook.per_workbook is not None and len(group) >= hook.per_workbook:
                first = group[0]
                form.problems = [f"一个工作簿只能放 {hook.per_workbook} 张{hook.what}：已导入工作表「{first.sheet}」"
                                 f"{first.top_left} 的表，本表未导入（可把它复制到单独的文件后再导入）"]
            if not form.problems:
                group.append(form)
    return [(hook, taken[hook.located_kind]) for hook in hooks]


def output_paths(source: Path, output: Path, explicit: bool, hooks: list[AdoptHook]) -> list[Path]:
    """The workbook each kind's forms go to: the first kind's to ``output``; another kind's beside
    it, named by its tag (``<name>_部门_导入.xlsx``, or ``OUT_部门.xlsx`` when ``-o OUT.xlsx``).

    >>> [p.name for p in output_paths(Path("/tmp/单位.xls"), Path("/tmp/单位_导入.xlsx"), False, adoption_hooks())]
    ['单位_导入.xlsx', '单位_部门_导入.xlsx']
    >>> [p.name for p in output_paths(Path("/tmp/单位.xls"), Path("/tmp/out.xlsx"), True, adoption_hooks())]
    ['out.xlsx', 'out_部门.xlsx']
    """
    paths = [output]
    for hook in hooks[1:]:
        name = f"{output.stem}_{hook.output_tag}.xlsx" if explicit else f"{source.stem}_{hook.output_tag}_导入.xlsx"
        paths.append(output.with_name(name))
    return paths


def adopt_file(input_path: str | Path, output_path: str | Path | None = None, *,
               json_path: str | Path | None = None, profile: str | None = None) -> AdoptOutcome:
    """Adopt every form of ``input_path`` into new workbooks (see the module docstring): one per
    kind of form found. ``profile`` is the rule profile of kinds whose template depends on one
    (the department's 评分表; by default the one the source names, else the kind's default).

    Raises ToolkitError (exit 2) when the file is unusable or holds no form that can be adopted.
    """
    source = Path(input_path)
    output = Path(output_path) if output_path else default_output(source)
    if output.suffix.lower() != ".xlsx":
        raise ToolkitError(f"输出文件「{output}」须以 .xlsx 结尾（导入结果是本工具模板的工作簿，不带宏）。")
    check_outputs([source], {"-o": output, "--json": Path(json_path) if json_path else None})  # first: names too long
    _refuse_overwriting_source(source, output)
    read = read_source(source)
    sheets = locate_workbook(read.grids)
    _note_formulas(sheets, read)
    by_title = {grid.title: grid for grid in read.grids}
    forms = [form for sheet in sheets for form in sheet.forms]
    groups = [(hook, group) for hook, group in assess(sheets) if group]
    if not groups:
        raise ToolkitError(_nothing_to_adopt(source, sheets))
    paths = output_paths(source, output, output_path is not None, [hook for hook, _ in groups])
    for path in paths[1:]:
        _refuse_overwriting_source(source, path)
    options = AdoptOptions(meta=dict(read.meta), filled=dict(read.filled), profile=profile)
    built = []
    for (hook, group), path in zip(groups, paths):
        items = [AdoptedForm(form, "", by_title[form.sheet], output=path) for form in group]
        built.append((path, hook, hook.build(items, options), items))
    notes = {path: _unique(NOTES_SHEET, set(wb.sheetnames)) for path, _, wb, _ in built}
    adopted = [item for _, _, _, items in built for item in items]
    json_map = _json_map(source, [(path, hook, notes[path]) for path, hook, _, _ in built], adopted, sheets, by_title)
    for path, _, wb, _ in built:
        _write_notes_sheet(wb.create_sheet(notes[path], index=len(wb.worksheets) - 1), json_map, path.name)
        atomic_save(wb, path)
    if json_path:
        text = json.dumps(json_map, ensure_ascii=False, indent=2, default=str)
        atomic_write(Path(json_path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return AdoptOutcome(source, paths[0], notes[paths[0]], adopted, [f for f in forms if f.problems], sheets,
                        json_map, paths)


def _refuse_overwriting_source(source: Path, output: Path) -> None:
    if output.exists() and source.exists() and output.resolve() == source.resolve():
        raise ToolkitError(f"输出文件与输入文件相同（{source.name}）：导入从不改动原文件，请用 -o 指定其他文件名。")


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
    """The error when no sheet holds a form that can be adopted, sheet by sheet."""
    reasons = []
    for sheet in sheets:
        for form in sheet.forms:
            reasons.append(f"工作表「{sheet.sheet}」{form.top_left}：{'；'.join(form.problems)}")
        if not sheet.forms:
            reasons.append(f"工作表「{sheet.sheet}」：{sheet.looks_like_form or '不是自评表'}")
    whats = "、".join(hook.what for hook in adoption_hooks())
    return (f"文件「{source.name}」中没有可以导入的自评表（{whats}；按标签查找「三级指标」「年度指标值/预期指标值」"
            f"「实际完成值」等表头）。" + "；".join(reasons) + "。")


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


def _form_entry(form: LocatedForm, item: AdoptedForm | None) -> dict:
    """One form of the JSON map: field → cell, cell → fields, labels, unmapped cells, notes."""
    fields = form.cells()
    by_cell: dict[str, list[str]] = {}
    for path, ref in fields.items():
        by_cell.setdefault(ref, []).append(path)
    checks = item.checks if item is not None else []
    return {
        "sheet": form.sheet, "top_left": form.top_left, "kind": form.kind, "name": form.name,
        "adopted": item is not None, "output": item.output.name if item is not None else None,
        "output_sheet": item.output_sheet if item is not None else None, "scored": form.scored,
        "problems": list(form.problems), "notes": list(form.notes) + list(checks),
        "fields": fields, "cells": by_cell,
        "labels": {key: hit.cell for key, hit in form.labels.items()},
        "unmapped": _unmapped(form.unmapped),
    }


def _json_map(source: Path, outputs: list[tuple[Path, AdoptHook, str]], adopted: list[AdoptedForm],
              sheets: list[SheetLocation], grids: dict[str, Grid]) -> dict:
    """The map: the workbooks written (file, kind, notes sheet), every form (adopted or not) in
    sheet order, then every sheet's status and the cells outside all forms."""
    by_form = {id(item.located): item for item in adopted}
    forms = []
    for sheet in sheets:
        for form in sheet.forms:
            forms.append(_form_entry(form, by_form.get(id(form))))
    written = [{"file": path.name, "kind": hook.located_kind, "what": hook.what, "notes_sheet": notes,
                "forms": sum(1 for item in adopted if item.output == path)} for path, hook, notes in outputs]
    other = []
    for sheet in sheets:
        status = "forms" if sheet.forms else ("form_like" if sheet.looks_like_form else "not_a_form")
        reason = {"forms": f"{len(sheet.forms)} 张表",
                  "form_like": sheet.looks_like_form,
                  "not_a_form": "不是自评表（没有绩效指标表头和表格栏目），未导入"}[status]
        if sheet.sheet == META_SHEET:
            reason = "本工具的隐藏登记表（模板标识、已填写记录），不导入"
        elif status != "forms" and _template_sheet(grids.get(sheet.sheet)):
            reason = ("本工具模板的工作表（带模板的定义名称）：新工作簿按模板重新生成此表，表中填写的内容未导入"
                      "（原文件已是本工具的模板，可直接计算得分）")
        other.append({"sheet": sheet.sheet, "status": status, "reason": reason,
                      "unmapped": _unmapped(sheet.unmapped)})
    return {"source": source.name, "output": outputs[0][0].name, "notes_sheet": outputs[0][2], "outputs": written,
            "forms": forms, "sheets": other}


def _template_sheet(grid: Grid | None) -> bool:
    """A sheet of one of this tool's templates (it carries a kind's defined names)."""
    return grid is not None and any(name.startswith(registry.name_prefixes()) for name in grid.names)


# -- the 导入说明 sheet -----------------------------------------------------------------------------

def _printable(value: object, limit: int = 60) -> str:
    """Text for the 导入说明 sheet, shortened. A form's title word in it would make ``jixiao score``
    take the sheet for a pasted form, so such words are shown without their last character."""
    text = "" if value is None else str(value).replace("\n", " ")
    for marker in registry.title_markers():
        text = text.replace(marker, marker[:-1] + "…")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _write_notes_sheet(ws, json_map: dict, output_name: str) -> None:
    """What was adopted from where, what was not and why (the JSON map has every detail); in a
    workbook beside another, forms that went to the other one name its file."""
    ws.append(["导入说明"])
    others = [entry for entry in json_map["outputs"] if entry["file"] != output_name]
    beside = ("原文件含多种表，已分别导入：" + "、".join(f"「{entry['file']}」（{entry['what']}）"
                                                   for entry in json_map["outputs"]) + "。") if others else ""
    ws.append([f"来源文件「{json_map['source']}」（未改动）由 jixiao adopt 按标签识别后导入本模板；数值、文字按原样写入，"
               f"金额保持原表单位。得分、执行率等由「计算得分」（jixiao score）重新计算并标出差异。{_printable(beside, 300)}"])
    ws.append([])
    headers = [_append_header(ws, ["原工作表", "位置", "名称", "导入到工作表", "说明"])]
    for entry in json_map["forms"]:
        notes = "；".join(entry["problems"] + entry["notes"]) or "—"
        target = entry["output_sheet"] or "未导入"
        if entry["output"] and entry["output"] != output_name:
            target = f"{target}（在「{entry['output']}」中）"
        ws.append([entry["sheet"], entry["top_left"], _printable(entry["name"], 40),
                   _printable(target, 80), _printable(notes, 400)])
    for sheet in json_map["sheets"]:
        if sheet["status"] != "forms":
            ws.append([sheet["sheet"], "", "", "未导入", _printable(sheet["reason"], 200)])
    ws.append([])
    headers.append(_append_header(ws, ["未导入的单元格", "单元格", "原因", "内容（节选）"]))
    for entry in json_map["forms"] + json_map["sheets"]:
        for item in entry["unmapped"]:
            ws.append([entry["sheet"], item["cell"], item["reason"], _printable(item["value"])])
    widths = {"A": 18, "B": 10, "C": 34, "D": 28, "E": 80}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws["A1"].font = TITLE_FONT
    ws.merge_cells("A2:E2")
    ws["A2"].alignment = TOP_LEFT
    ws.row_dimensions[2].height = 45
    for row in ws.iter_rows(min_row=3):
        lines = 1
        for cell in row:
            cell.alignment = WRAP
            if cell.value is not None and cell.column_letter in widths:
                lines = max(lines, text_lines(str(cell.value), widths[cell.column_letter]))
        if lines > 1:  # a wrapped note is shown whole, not cut at one line
            ws.row_dimensions[row[0].row].height = min(lines * 13.5 + 4, 400)
    for row in headers:
        style_range(ws, f"A{row}:E{row}", font=BOLD_FONT, border=None)
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _append_header(ws, values: list[str]) -> int:
    ws.append(values)
    return ws.max_row


def run_cli(args) -> int:
    """``jixiao adopt INPUT [-o OUT.xlsx] [--json MAP.json]`` (and ``--profile P`` where the
    command line offers it: the department 评分表's framework)."""
    outcome = adopt_file(args.input, args.output, json_path=args.json, profile=getattr(args, "profile", None))
    hooks = {hook.located_kind: hook for hook in adoption_hooks()}
    for entry in outcome.json_map["outputs"]:
        path = next(path for path in outcome.outputs if path.name == entry["file"])
        items = [item for item in outcome.adopted if item.output == path]
        hook = hooks[entry["kind"]]
        print(f"已导入：{args.input} → {path}（{len(items)} 张{hook.count_word}）")
        for item in items:
            form = item.located
            kind = "（完成情况表，无分值）" if hook is PROJECT_ADOPTION and not form.scored else ""
            print(f"  {form.sheet}!{form.top_left} {form.name}{kind} → 工作表「{item.output_sheet}」")
            for note in form.notes + item.checks:
                print(f"      {note}")
        if entry["notes_sheet"] != NOTES_SHEET:
            print(f"  「{NOTES_SHEET}」已是表格的工作表名，说明写在「{entry['notes_sheet']}」。")
    for form in outcome.not_adopted:
        print(f"  未导入 {form.sheet}!{form.top_left}：{'；'.join(form.problems)}")
    for sheet in outcome.json_map["sheets"]:
        if sheet["status"] != "forms":
            print(f"  未导入 工作表「{sheet['sheet']}」：{sheet['reason']}")
    skipped = sum(len(entry["unmapped"]) for entry in outcome.json_map["forms"] + outcome.json_map["sheets"])
    where = "、".join(f"「{entry['file']}」的「{entry['notes_sheet']}」表" for entry in outcome.json_map["outputs"]) \
        if len(outcome.outputs) > 1 else f"「{outcome.notes_sheet}」表"
    print(f"  没有导入的非空单元格 {skipped} 个（占位符、填表说明等），逐个列在{where}"
          + ("和 JSON 映射中。" if args.json else "中。"))
    if args.json:
        print(f"映射：{args.json}")
    for entry in outcome.json_map["outputs"]:
        path = next(path for path in outcome.outputs if path.name == entry["file"])
        step = hooks[entry["kind"]].next_step
        print(f"下一步：jixiao score {path}" + (f"（{step}）" if step else ""))
    return 0
