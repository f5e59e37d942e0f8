"""The press protocol: a host-neutral 「绩效自评」 button. A *snapshot* of the open workbook goes in, a
*plan* of what to change comes out — both plain JSON (``schemas/snapshot.schema.json``,
``schemas/plan.schema.json``, version :data:`VERSION`), so any host that can read and write cell
ranges can offer the buttons: the WPS JS add-in through ``jixiao serve``, the xlwings ribbon
button in Excel (:mod:`toolkit.excel.xl`, in the same process: :func:`score`), a page running
Python in the browser. Every host only translates::

    host reads ─snapshot→ press() / score() ─plan→ host writes, shows plan["message"]

The work is done here, once: forms found by their printed labels
(:func:`toolkit.forms.registry.names_from_sheet_labels`), the same scoring as ``jixiao score``
(:func:`toolkit.service.score_book`), values in the blocks of
:func:`toolkit.excel.writing.value_blocks`, one multi-area fill per colour and one border entry per
line style (the dashed/dotted frames ``jixiao score`` draws for black-and-white printing), notes only where they
change, the 「校验结果」 rows and the meta sheet. The xlwings host builds its snapshot from the bulk reads
it makes anyway (:mod:`toolkit.excel.reading`) and applies the plan with
:mod:`toolkit.excel.writing`, in the calls tests/test_xl_remote.py pins.

What a host cannot know in advance the engine asks for, in a reply with ``status: "needs"``: the
defined names of a sheet its labels do not settle, the number formats of the numbers the rules
read with their format. The host adds them to the same snapshot and sends it again (at most
twice). 「计算得分」 reads no file: snapshot in, plan out. This module imports no xlwings and no
openpyxl itself; the layers it shares with ``jixiao score`` (forms' templates, the service) still
import openpyxl, which is pure Python. 「导出报送」/「生成报告」 read the workbook the host saved,
and write beside it, as the Excel buttons do.

Example::

    >>> plan = press({"protocol": PROTOCOL, "version": VERSION, "action": "score",
    ...               "workbook": {"name": "空.xlsx"},
    ...               "sheets": [{"name": "Sheet1", "visible": True, "origin": [1, 1], "values": [["x"]]}]})
    >>> plan["status"], "没有可识别" in plan["message"]["text"]
    ('failed', True)
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from toolkit import __version__
from toolkit.core.problems import SEVERITY_LABELS, ToolkitError
from toolkit.excel.writing import (AREA_ADDRESS_LIMIT, CHECK_WIDTHS, HEADER_FILL, NOTE_COLUMN, ApplyStats,
                                   _cell_value, area_addresses, border_style, changed_notes, check_sheet_rows,
                                   notes_block, tool_columns, value_blocks)
from toolkit.forms import registry as kinds
from toolkit.report import two_numbers_line
from toolkit.service import assemble_book
from toolkit.workbook.edits import CHECK_LEVEL_COLUMN, KEEP, LEVEL_FILLS, EditPlan, is_header_row
from toolkit.workbook.locator import address
from toolkit.workbook.printing import notes_print_end
from toolkit.workbook.meta import (CHECK_SHEET, INSTRUCTIONS_SHEET, Registry, SheetInfo, is_meta_sheet,
                                   meta_rows, meta_rows_from_values, template_sheets_of)
from toolkit.workbook.sheets import SheetAccess, WorkbookData, resolve_reference, split_ref

PROTOCOL = "jixiao-press"
VERSION = 1
ACTIONS = ("score", "export", "report", "about")
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
EXCEL_EPOCH = _dt.datetime(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's phantom 1900-02-29 included)
TITLE = "绩效自评"
EXPORT_MISSING = "导出报送功能尚未安装/可用"
MESSAGE_LIMIT = 1800  # characters shown in one message box; the rest is in 「校验结果」


# ------------------------------------------------------------------ what a press says (every host)

@dataclass
class ScoreRun:
    """The outcome of one 「计算得分」 press: the workbook as read, the results, the engine's edit
    plan and what the plan holds and the host did (:class:`~toolkit.excel.writing.ApplyStats`)."""

    book: WorkbookData
    results: list
    plan: EditPlan
    stats: ApplyStats


def score_message(run: ScoreRun) -> str:
    """The success message: one line per form (total, grade, flags), then where to look.

    >>> from toolkit.core.results import FormResult
    >>> run = ScoreRun(WorkbookData(Path("a.xlsx"), [], {}, Registry()),
    ...                [FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {})],
    ...                EditPlan(), ApplyStats())
    >>> print(score_message(run))
    已计算 1 张自评表：
    · 项目：总分 填报 91.9，复核 91.9，一致；等级 优；错误 0，提醒 0，说明 0
    <BLANKLINE>
    标色：红 = 错误，黄 = 提醒，蓝 = 说明；全部标记及算式见「校验结果」表和右侧「计算说明」列。
    """
    lines = [f"已计算 {len(run.results)} 张自评表："]
    lines += [f"· {two_numbers_line(result)}" for result in run.results]
    for flag in run.book.flags:
        lines.append(f"[{SEVERITY_LABELS[flag.severity]}] {flag.message}")
    if run.stats.formulas_kept:
        kept = "、".join(f"{sheet}!{ref}" for sheet, ref in run.stats.formulas_kept)
        lines.append(f"[说明] 单元格 {kept} 有公式（当前显示为空），工具没有写入计算值；计算值见右侧「系统计算得分」列。")
    lines += ["", "标色：红 = 错误，黄 = 提醒，蓝 = 说明；全部标记及算式见「校验结果」表和右侧「计算说明」列。"]
    return clip("\n".join(lines))


def clip(text: str) -> str:
    """At most :data:`MESSAGE_LIMIT` characters for a message box, cut at a line.

    >>> clip("短消息")
    '短消息'
    """
    if len(text) <= MESSAGE_LIMIT:
        return text
    return text[:MESSAGE_LIMIT].rsplit("\n", 1)[0] + "\n……（其余内容见「校验结果」表）"


def unexpected(exc: BaseException, action: str) -> str:
    """The message for an error nobody foresaw; its traceback goes to a log file the message names.

    >>> "意外错误" in unexpected(RuntimeError("x"), "计算得分")
    True
    """
    log = Path(tempfile.gettempdir()) / "jixiao_excel_error.log"
    try:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {_dt.datetime.now():%Y-%m-%d %H:%M:%S} jixiao-toolkit {__version__} {action}\n")
            handle.write("".join(traceback.format_exception(exc)))
        where = f"详细信息已记录在 {log}。"
    except OSError:
        where = ""
    return (f"{action}时发生意外错误（{type(exc).__name__}：{exc}）。\n"
            f"您的工作簿未被改动或只写入了一部分计算结果，请关闭后不保存重新打开再试。{where}\n"
            "如仍出错，请把此信息和文件发给技术支持。")


# ------------------------------------------------------------------ schemas

@lru_cache(maxsize=None)
def schema(name: str) -> dict:
    """The JSON Schema ``snapshot`` or ``plan`` (package data).

    >>> schema("plan")["properties"]["version"]["const"]
    1
    """
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8"))


def schema_problems(document: dict, name: str) -> list[str]:
    """What makes ``document`` invalid against schema ``name`` ([] when valid), in JSON-path form.

    >>> schema_problems({"protocol": PROTOCOL}, "snapshot")[0]
    "$: 'version' is a required property"
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(name))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        problems.append(f"{where}: {error.message}")
    return problems


# ------------------------------------------------------------------ the snapshot, read

def cell_values(sheet: dict) -> dict[tuple[int, int], object]:
    """A snapshot sheet's values as (row, column) → value, blanks left out, 2.0 as 2 (as openpyxl).

    >>> cell_values({"origin": [2, 3], "values": [[1.0, None], ["", "x"]]})
    {(2, 3): 1, (3, 4): 'x'}
    """
    top, left = sheet.get("origin") or (1, 1)
    values = {}
    for r, row in enumerate(sheet.get("values") or []):
        for c, value in enumerate(row if isinstance(row, list) else [row]):
            if value is None or value == "":
                continue
            if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
                value = int(value)
            values[(top + r, left + c)] = value
    return values


def is_date_format(fmt: str | None) -> bool:
    """Does a number format show a date (so Value2's serial number is a date)?

    >>> is_date_format("yyyy/m/d"), is_date_format('0.00"天"'), is_date_format("0%"), is_date_format("[$-F800]dddd")
    (True, False, False, True)
    """
    if not fmt:
        return False
    bare = re.sub(r'"[^"]*"|\\.|\[(?!\$-)[^\]]*\]', "", fmt).lower()
    return bool(re.search(r"[yd年月日]", bare) or "[$-" in bare)


def as_date(serial: float) -> _dt.datetime:
    """Excel's serial date number → datetime (what openpyxl reads from a date cell).

    >>> as_date(44561)
    datetime.datetime(2021, 12, 31, 0, 0)
    """
    return EXCEL_EPOCH + _dt.timedelta(days=serial)


def format_cells(names: dict[str, str], values: dict) -> list[tuple[int, int]]:
    """The numeric cells whose number format the rules read (each kind's ``format_columns``), in
    (row, column) order: what the engine asks a host's spreadsheet for.

    >>> format_cells({}, {(1, 1): 0.95})
    []
    """
    numeric = []
    for name, offsets, end_name in kinds.format_columns():
        header = resolve_reference(names.get(name))
        if header is None:
            continue
        end = resolve_reference(names.get(end_name)) if end_name else None
        last = end[0] - 1 if end else float("inf")
        columns = {header[1] + offset for offset in offsets}
        numeric += [(row, col) for (row, col), value in values.items()
                    if col in columns and header[0] < row <= last
                    and isinstance(value, (int, float)) and not isinstance(value, bool)]
    return sorted(numeric)


def book_from_sheets(sheets: list[SheetAccess], flags: list, registry: Registry, file_name: str,
                     meta: dict[str, str], infos: list[SheetInfo]) -> WorkbookData:
    """The read workbook from its template sheets as the snapshot gave them: the forms, the flags
    met while finding them, the sheets' values.

    >>> book_from_sheets([], [], Registry(), "空.xlsx", {}, [])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    toolkit.core.problems.ToolkitError: 文件「空.xlsx」中没有可识别的自评表：...
    """
    forms = kinds.read_forms(sheets, registry, file_name, meta)
    foreign = [flag.sheet for flag in flags if flag.code == "form_without_names"]
    if not forms and foreign:  # the file path's hint needs a saved file; say what the button can do
        raise ForeignLayout(f"工作簿「{file_name}」的工作表「{'」「'.join(foreign)}」像是其他版式的自评表（没有本模板的字段名称）。"
                            "请先把工作簿保存到本机文件夹，再点「计算得分」：工具会把它导入为本模板的新工作簿并打开"
                            "（原工作簿不变）；也可以用命令 jixiao adopt 导入。", file_name, foreign)
    data = assemble_book(Path(file_name), forms, meta, registry)
    data.flags += flags
    data.sheets = infos
    data.template_sheets = [sheet.title for sheet in sheets]
    data.sheet_values = {sheet.title: sheet.values for sheet in sheets}
    return data


class ForeignLayout(ToolkitError):
    """The workbook's forms are in another layout (no field names of this template): the button
    adopts it from the saved file where the host's engine can read files."""

    def __init__(self, message: str, file_name: str, sheets: list[str]):
        super().__init__(message)
        self.file_name, self.sheets = file_name, sheets


class Needs(Exception):
    """The engine needs more of the workbook than the snapshot holds (see the module doc)."""

    def __init__(self, names=(), formats=()):
        super().__init__("needs")
        self.names, self.formats = list(names), list(formats)


def _stored_names(sheet: dict) -> dict[str, str]:
    """A snapshot sheet's defined names (as Excel's Name.Name / Name.RefersTo: "Sheet!JX_x" / "=…")."""
    names = {}
    for name, refers_to in (sheet.get("names") or {}).items():
        names[name.rsplit("!", 1)[-1]] = refers_to[1:] if refers_to.startswith("=") else refers_to
    return names


def _template_sheet(sheet: dict, values: dict, known: set[str]) -> tuple[SheetAccess | None, list]:
    """``sheet`` as a template sheet (None if it is not one) and its flags. Labels settle it without
    names when they give the whole name table and the meta sheet lists the sheet as a template sheet;
    otherwise — a copied or renamed sheet, retyped labels, a form pasted into a new sheet — the
    engine asks for the sheet's names and treats them exactly as the file readers do."""
    title = sheet["name"]
    derived = kinds.names_from_sheet_labels(values)
    if derived is not None and title in known:
        return SheetAccess(title, derived, values, {}), []
    if derived is None and title not in known and not kinds.looks_like_form(values):
        return None, []
    if "names" not in sheet:
        raise Needs(names=[title])
    access = SheetAccess(title, _stored_names(sheet), values, {})
    if not access.has_names(kinds.name_prefixes()):
        return None, ([kinds.unnamed_form_flag(title)] if kinds.looks_like_form(values) else [])
    return kinds.confirm_names(access)


def _formats(sheet: dict, access: SheetAccess) -> dict:
    """(row, column) → number format of the cells :func:`format_cells` names; a date format turns
    its serial number back into the date a file reader sees."""
    cells = format_cells(access.names, access.values)
    if not cells:
        return {}
    if "formats" not in sheet:
        top, bottom = cells[0][0], max(r for r, _ in cells)
        left, right = min(c for _, c in cells), max(c for _, c in cells)
        raise Needs(formats=[{"sheet": sheet["name"],
                              "range": f"{address(top, left)}:{address(bottom, right)}",
                              "cells": [address(r, c) for r, c in cells]}])
    given = {split_ref(ref): fmt for ref, fmt in (sheet.get("formats") or {}).items()}
    formats = {}
    for key in cells:
        fmt = given.get(key)
        if fmt and fmt != "General":
            formats[key] = fmt
            if is_date_format(fmt):
                access.values[key] = as_date(access.values[key])
    return formats


def read_snapshot(snapshot: dict):
    """The snapshot as the readers' :class:`~toolkit.workbook.sheets.WorkbookData` plus each
    sheet's values; raises :class:`Needs` (all that is missing, at once) or ToolkitError."""
    file_name = snapshot["workbook"]["name"]
    sheets = snapshot.get("sheets") or []
    values = {sheet["name"]: ({} if sheet["name"] == INSTRUCTIONS_SHEET else cell_values(sheet)) for sheet in sheets}
    infos = [SheetInfo(sheet["name"], bool(sheet.get("visible", True)), values[sheet["name"]].get((1, 1)))
             for sheet in sheets]
    meta, registry = {}, Registry()
    for info in infos:
        if is_meta_sheet(info):
            meta, registry = meta_rows_from_values(_rows(values[info.title]))
            break
    known = template_sheets_of(meta)
    accesses, flags, needs = [], [], Needs()
    for sheet, info in zip(sheets, infos):
        if info.title in (CHECK_SHEET, INSTRUCTIONS_SHEET) or is_meta_sheet(info):
            continue
        try:
            access, found = _template_sheet(sheet, values[info.title], known)
            if access is not None:
                access.formats = _formats(sheet, access)
        except Needs as more:
            needs.names += more.names
            needs.formats += more.formats
            continue
        flags += found
        if access is not None:
            accesses.append(access)
    if needs.names or needs.formats:
        raise needs
    data = book_from_sheets(accesses, flags, registry, file_name, meta, infos)
    return data, values


def _rows(values: dict) -> list[list[object]]:
    if not values:
        return []
    height, width = max(r for r, _ in values), max(c for _, c in values)
    return [[values.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]


# ------------------------------------------------------------------ the plan, written

def _serial(value: object) -> object:
    """A value ready for Excel as JSON: a date as Excel's serial number (what Value2 takes)."""
    if isinstance(value, _dt.datetime):
        delta = value - EXCEL_EPOCH
        return delta.days + delta.seconds / 86400
    return value


def _json_value(value: object) -> object:
    """A plan value as JSON: text Excel would take for a formula/number keeps its ' prefix, a date
    is its serial number.

    >>> _json_value("=1+1"), _json_value(_dt.datetime(1900, 1, 1))
    ("'=1+1", 2.0)
    """
    return _serial(_cell_value(value))


def _blocks(blocks) -> list[dict]:
    """Rectangles of :func:`value_blocks`/:func:`notes_block` (already prefixed: prefixed once only)."""
    return [{"cell": address(top, left), "rows": [[_serial(v) for v in row] for row in rows]}
            for top, left, rows in blocks]


def _fills(colours: dict[tuple[int, int], str | None]) -> list[dict]:
    by_colour: dict[str | None, list] = {}
    for key, colour in colours.items():
        by_colour.setdefault(colour, []).append(key)
    return [{"color": colour, "areas": area_addresses(cells, limit=AREA_ADDRESS_LIMIT)}
            for colour, cells in by_colour.items()]


def _borders(colours: dict[tuple[int, int], str | None]) -> list[dict]:
    """One entry per border style over the cells the tool colours or uncolours: only those cells'
    borders are the tool's (as in the file writer) — a border the clerk drew elsewhere is never touched."""
    by_style: dict[str, list] = {}
    for key, colour in colours.items():
        by_style.setdefault(border_style(colour), []).append(key)
    return [{"style": style, "areas": area_addresses(cells, limit=AREA_ADDRESS_LIMIT)}
            for style, cells in by_style.items()]


def shows_empty_text(sheet: dict) -> set[tuple[int, int]]:
    """Cells whose Value2 is "" — on a spreadsheet host, a formula that shows nothing (an empty
    cell is null): the engine never fills them, as the xlwings host leaves a clerk's formula alone.

    >>> sorted(shows_empty_text({"origin": [3, 2], "values": [["", None, 1]]}))
    [(3, 2)]
    """
    top, left = sheet.get("origin") or (1, 1)
    return {(top + r, left + c) for r, row in enumerate(sheet.get("values") or [])
            for c, value in enumerate(row if isinstance(row, list) else [row]) if value == ""}


def form_sheet_changes(name: str, edits: list, current: dict, empty_text: set, plan: EditPlan, *,
                       notes: bool, formulas=None, stats: ApplyStats | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """The plan for one form sheet and the clerk's formula cells left alone: changed values in
    blocks, the 问题说明 block whole when any line changes (and the print area reaching it), one fill
    entry per colour and one border entry per style over the same cells, notes that change. A fill
    whose note is already in place (the meta sheet's digest) is in place too — the colour and the
    border follow the note's severities — so a second press paints nothing.

    A clerk's cell the engine would fill (a missing grade or total) that shows a formula's empty
    result is left alone: ``empty_text`` holds the cells whose Value2 is "", and ``formulas(name,
    cells)`` — a host in the same process whose read gives no "" (xlwings) — says which of those
    blank ``cells`` hold a formula. ``stats`` records the blocks and fills per sheet."""
    values = {split_ref(e.ref): e.value for e in edits if e.value is not KEEP}
    block = {key: values.pop(key) for key in [split_ref(e.ref) for e in edits if (name, e.ref) in plan.notes_cells]
             if key in values}
    tools = tool_columns(current)
    blank = [key for key, value in values.items()
             if key[1] not in tools and value is not None and current.get(key) is None]
    shown_empty = set(empty_text) | (set(formulas(name, blank)) if formulas is not None and blank else set())
    kept = sorted(key for key in blank if key in shown_empty)
    for key in kept:
        del values[key]
    note_blocks = notes_block(block, current)
    blocks = value_blocks(values, current, tools) + note_blocks
    changes = {"name": name, "values": _blocks(blocks)}
    end = notes_print_end(plan, name) if note_blocks else None
    if end is not None:
        changes["print_rows_to"] = end
    colours = {split_ref(e.ref): e.fill for e in edits
               if e.fill is not KEEP and not (e.fill and notes and e.comment is not KEEP and e.comment_in_place)}
    if colours:
        changes["fills"] = _fills(colours)
        changes["borders"] = _borders(colours)
    if notes:
        changed = changed_notes(edits, stats)
        if changed:
            changes["notes"] = changed
    if stats is not None:
        stats.value_blocks[name], stats.notes_blocks[name] = len(blocks), len(note_blocks)
        stats.coloured[name] = len(colours)
    return changes, [(name, address(*key)) for key in kept]


def _last_visible(infos: list[SheetInfo]) -> str | None:
    visible = [info.title for info in infos if info.visible]
    return visible[-1] if visible else (infos[-1].title if infos else None)


def workbook_changes(plan: EditPlan, infos: list[SheetInfo]) -> list[dict]:
    """The meta sheet (cleared and written in one block, hidden when new) and the 「校验结果」 sheet
    (one block; header rows bold and grey; the 说明 column wrapped; columns sized when new: fitted to
    their content, 说明 wide)."""
    titles = {info.title for info in infos}
    after = _last_visible(infos)
    meta = next((info.title for info in infos if is_meta_sheet(info)), None)
    rows = meta_rows(plan.meta, plan.registry)
    meta_sheet = {"name": plan.meta_title, "clear": "contents"} if meta else \
        {"name": plan.meta_title, "create": True, "after": after, "hidden": True}
    if rows:
        meta_sheet["values"] = [{"cell": "A1", "rows": [[_json_value(v) for v in row] for row in rows]}]
    check_rows = check_sheet_rows(plan)
    width, height = len(check_rows[0]), len(check_rows)
    created = plan.check_title not in titles
    check = {"name": plan.check_title, "create": True, "after": after} if created else \
        {"name": plan.check_title, "clear": "all"}
    headers = [i + 1 for i, row in enumerate(plan.check_rows) if is_header_row(row)]
    # Header rows grey; each 级别 cell in its severity's colour, bold, as the file writer does (readable
    # on a black-and-white printer too): one fill call per colour, the bold with the header rows'.
    colours = {(row, col): HEADER_FILL.lstrip("#") for row in headers for col in range(1, width + 1)}
    levels = [i + 1 for i, row in enumerate(check_rows) if i + 1 > 2 and i + 1 not in headers
              and len(row) >= CHECK_LEVEL_COLUMN and row[CHECK_LEVEL_COLUMN - 1] in LEVEL_FILLS]
    colours.update({(row, CHECK_LEVEL_COLUMN): LEVEL_FILLS[check_rows[row - 1][CHECK_LEVEL_COLUMN - 1]]
                    for row in levels})
    last = max(height, 3)
    check.update(values=[{"cell": "A1", "rows": [[_serial(v) for v in row] for row in check_rows]}],
                 bold_rows=[1] + headers, width=width, fills=_fills(colours),
                 wrap=f"{address(3, NOTE_COLUMN)}:{address(last, NOTE_COLUMN)}", activate=True)
    if created:  # from row 3: not the long title
        check["autofit"] = f"{address(3, 1)}:{address(last, width)}"
        check["column_widths"] = {address(1, NOTE_COLUMN).rstrip("1"): CHECK_WIDTHS[NOTE_COLUMN - 1]}
    return [meta_sheet, check]


# ------------------------------------------------------------------ presses

def _base(snapshot: dict | None) -> dict:
    return {"protocol": PROTOCOL, "version": VERSION,
            "action": (snapshot or {}).get("action", "score") if (snapshot or {}).get("action") in ACTIONS else "score"}


def _message(text: str, title: str, *, critical: bool = False) -> dict:
    return {"title": title, "text": clip(text), "critical": critical}


def failed(text: str, title: str = TITLE, snapshot: dict | None = None) -> dict:
    """A plan that changes nothing and shows ``text`` as an error.

    >>> failed("快照不是 JSON")["message"]["critical"]
    True
    """
    return dict(_base(snapshot), status="failed", sheets=[], message=_message(text, title, critical=True))


_PRIMITIVE = (str, int, float, bool, type(None))


def snapshot_problems(snapshot) -> list[str]:
    """:func:`schema_problems` of a snapshot, its cell values checked by a plain loop (the schema
    validator takes seconds over a 50-form workbook's values; the loop, milliseconds).

    >>> snapshot_problems({"protocol": PROTOCOL, "version": VERSION, "action": "score", "workbook": {"name": "a"},
    ...                    "sheets": [{"name": "S", "visible": True, "origin": [1, 1], "values": [[{"x": 1}]]}]})
    ['$.sheets[0].values[0][0]: 不是单元格的值（文本、数字、逻辑值或空）']
    """
    if not isinstance(snapshot, dict):
        return ["$: 不是 JSON 对象"]
    sheets = snapshot.get("sheets")
    if not isinstance(sheets, list) or not all(isinstance(sheet, dict) for sheet in sheets):
        return schema_problems(snapshot, "snapshot")
    light = dict(snapshot, sheets=[dict(sheet, values=[]) if isinstance(sheet.get("values"), list) else sheet
                                   for sheet in sheets])
    problems = schema_problems(light, "snapshot")
    for index, sheet in enumerate(sheets):
        for r, row in enumerate(sheet.get("values") if isinstance(sheet.get("values"), list) else []):
            if not isinstance(row, list):
                problems.append(f"$.sheets[{index}].values[{r}]: 不是一行值（数组）")
                continue
            bad = next((c for c, value in enumerate(row) if not isinstance(value, _PRIMITIVE)), None)
            if bad is not None:
                problems.append(f"$.sheets[{index}].values[{r}][{bad}]: 不是单元格的值（文本、数字、逻辑值或空）")
    return problems


def press(snapshot: dict, *, profile=None) -> dict:
    """Answer one press of a button: the plan for ``snapshot`` (see the module doc). Never raises:
    every failure is a plan with a Chinese message."""
    problems = snapshot_problems(snapshot)
    if problems:
        return failed("工作簿快照的格式不对（插件与工具箱版本可能不一致，请重新安装 WPS 加载项）：\n"
                      + "\n".join(problems[:5]), TITLE, snapshot if isinstance(snapshot, dict) else None)
    action = snapshot.get("action", "score")
    try:
        if action == "score":
            return score_press(snapshot, profile=profile)
        if action == "about":
            return dict(_base(snapshot), status="done", sheets=[], message=_message(about_text(), f"{TITLE} - 关于"))
        return file_press(snapshot)
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary: a message, never a traceback
        label = {"score": "计算得分", "export": "导出报送", "report": "生成报告"}.get(action, "处理")
        return failed(unexpected(exc, label), f"{TITLE} - {label}", snapshot)


def score_press(snapshot: dict, *, profile=None) -> dict:
    """「计算得分」: the plan that scores the snapshot's workbook in place."""
    title = f"{TITLE} - 计算得分"
    try:
        sheets, run = score(snapshot, profile=profile)
    except Needs as needs:
        asked = {}
        if needs.names:
            asked["names"] = needs.names
        if needs.formats:
            asked["formats"] = needs.formats
        return dict(_base(snapshot), status="needs", needs=asked, sheets=[])
    except ForeignLayout as exc:
        if (snapshot.get("host") or {}).get("files") is False:  # an engine in the add-in page reads no file
            return failed(f"工作簿「{exc.file_name}」的工作表「{'」「'.join(exc.sheets)}」像是其他版式的自评表（没有本模板的字段"
                          "名称）。本加载项的计算引擎在页面内运行，不能读写文件，无法在这里导入：请在装有绩效自评工具箱的电脑上"
                          f"运行 jixiao adopt \"{exc.file_name}\"，把生成的本模板工作簿拿回来打开，再点「计算得分」。",
                          title, snapshot)
        adopted = _adopt_beside(snapshot)
        if adopted:
            return adopted_plan(snapshot, adopted)
        return failed(f"未能计算得分：\n{exc}", title, snapshot)
    except ToolkitError as exc:
        adopted = _adopt_beside(snapshot) if not getattr(exc, "flags", None) else []
        if adopted:
            return adopted_plan(snapshot, adopted)
        return failed(f"未能计算得分：\n{exc}", title, snapshot)
    return dict(_base(snapshot), status="done", sheets=sheets,
                message=_message(score_message(run), f"{TITLE} - 计算得分完成"))


def score(snapshot: dict, *, profile=None, formulas=None) -> tuple[list[dict], ScoreRun]:
    """The work of 「计算得分」 on a valid snapshot: the plan's sheets and the run (results, the
    engine's edit plan, what the plan holds in ``run.stats``). Raises :class:`Needs` when the
    snapshot must say more, ToolkitError when the workbook cannot be scored. :func:`press` answers
    with it; a host in the same process (the xlwings button) calls it directly, answering
    :class:`Needs` as the WPS add-in answers ``status: "needs"``, and passes ``formulas`` (see
    :func:`form_sheet_changes`) when its read cannot tell a formula showing "" from a blank cell."""
    from toolkit.service import resolve_profile, score_book

    data, values = read_snapshot(snapshot)
    results, plan = score_book(data, resolve_profile(data, profile))
    notes = bool((snapshot.get("host") or {}).get("notes", True))
    by_title = {sheet["name"]: sheet for sheet in snapshot["sheets"]}
    sheets, stats = [], ApplyStats(notes_supported=notes)
    for name, edits in plan.by_sheet().items():
        if name not in values:
            continue  # a sheet deleted since the last press (its registry rows are stale)
        changes, kept = form_sheet_changes(name, edits, values[name], shows_empty_text(by_title[name]), plan,
                                           notes=notes, formulas=formulas, stats=stats)
        sheets.append(changes)
        stats.formulas_kept += kept
    if not notes:  # nothing was noted: the next press on a host with notes writes every note
        plan.registry.noted.clear()
    sheets += workbook_changes(plan, data.sheets)
    return sheets, ScoreRun(book=data, results=results, plan=plan, stats=stats)


def _saved_path(snapshot: dict) -> Path | None:
    book = snapshot["workbook"]
    path = Path(book["path"]) if book.get("path") else None
    return path if path is not None and path.is_absolute() and path.exists() else None


def adopted_plan(snapshot: dict, adopted: list[Path]) -> dict:
    """The plan after a workbook in another layout was adopted beside itself: open the new ones."""
    return dict(_base(snapshot), status="done", sheets=[], open=[str(p) for p in adopted],
                message=_message("这是其他版式的自评表：已按本工具模板导入为\n" + "\n".join(map(str, adopted)) +
                                 "\n并已打开（原工作簿未改动）。请在新工作簿上再点「计算得分」。导入时每个单元格的去向见其「导入说明」表。",
                                 f"{TITLE} - 导入其他版式"))


def _adopt_beside(snapshot: dict) -> list[Path]:
    """As :func:`toolkit.excel.xl.adopt_beside`, for a workbook the host saved before sending."""
    from toolkit.forms.project.adopt import adopt_file, adoption_hint

    path = _saved_path(snapshot)
    if path is None or snapshot["workbook"].get("saved") is False:
        return []
    try:
        if not adoption_hint(path):
            return []
        outcome = adopt_file(path)
    except ToolkitError:
        return []
    return list(outcome.outputs or [outcome.output])


def file_press(snapshot: dict) -> dict:
    """「导出报送」 and 「生成报告」: the host has saved the workbook; the files go beside it, as the
    Excel buttons write them."""
    action = snapshot["action"]
    label = {"export": "导出报送", "report": "生成报告"}[action]
    title = f"{TITLE} - {label}"
    path = _saved_path(snapshot)
    if path is None:
        return failed(f"工作簿还没有保存到本机文件夹（或在网盘上）。请先「另存为」到本机文件夹，再{label}。", title, snapshot)
    if action == "report":
        from toolkit.narrative.draft import draft_report

        try:
            outcome = draft_report(path)
        except ToolkitError as exc:
            return failed(f"未能生成报告：\n{exc}", title, snapshot)
        return dict(_base(snapshot), status="done", sheets=[], files=[str(outcome.output)],
                    message=_message(f"已生成自评报告草稿：\n{outcome.output}\n\n请在 Word/WPS 中打开，把 {outcome.placeholders} "
                                     "处黄色底纹的【待填写：…】据实填写。表格修改后请重新生成。", title))
    try:
        from toolkit.submission.export import done_message, export_file
    except ImportError:
        return failed(f"{EXPORT_MISSING}：本机安装的绩效自评工具箱（{__version__}）没有导出模块。", title, snapshot)
    try:
        outcome = export_file(path, force=bool(snapshot.get("force")))
    except ToolkitError as exc:
        if not hasattr(exc, "flags"):
            return failed(f"未能导出：\n{exc}", title, snapshot)
        return dict(_base(snapshot), status="confirm", sheets=[],
                    message=_message(f"{exc}\n\n仍要导出吗？导出的文件会标记为「含未解决问题」。", title, critical=True))
    return dict(_base(snapshot), status="done", sheets=[], files=[str(outcome.output)],
                message=_message(done_message(outcome), title))


def about_text() -> str:
    """Versions and paths for IT staff (the engine side of 「关于」).

    >>> about_text().startswith("绩效自评工具箱 jixiao-toolkit")
    True
    """
    return "\n".join([f"绩效自评工具箱 jixiao-toolkit {__version__}",
                      f"Python {sys.version.split()[0]}（{sys.executable}）",
                      f"工具箱位置：{Path(__file__).resolve().parents[1]}",
                      f"按钮协议：{PROTOCOL} 第 {VERSION} 版"])
