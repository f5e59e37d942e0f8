"""The xlwings layer: the 「绩效自评」 ribbon buttons acting on the workbook open in Excel.

Same data flow as ``jixiao score``, with the workbook read and written through xlwings::

    xw.Book ─read_book→ WorkbookData ─service.score_book→ EditPlan ─apply_plan→ the same xw.Book

Reading is whole-range: per form sheet one ``used_range`` value read, its sheet-scoped names,
and number formats only of the numeric 年度指标值/实际完成值 cells (where a ``%`` format changes
the meaning). Writing is whole-range too: the plan's value edits are merged into rectangles
that contain only planned cells (so nothing the clerk typed is touched), flag colours go in one
``Range.set_colors`` call per sheet (with ``...`` = keep elsewhere), the 「校验结果」 sheet and
the ``_jx_meta`` sheet are each one ``.value = rows`` write. Notes (comments) are written where
the engine has them (desktop Excel); xlwings' remote engine has none, and the explanation
column and 「校验结果」 carry the same text anyway.

Entry points for buttons (:func:`score_active`, :func:`export_active`, :func:`about_active`)
find the active workbook (not the add-in) and never show a traceback: every failure becomes a
Chinese message box; the traceback of an unexpected error goes to a log file named in it.

Example (xlwings' remote engine, no Excel needed)::

    >>> import os
    >>> _ = os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # tests/CI set it anyway
    >>> import xlwings as xw
    >>> book = xw.Book(json={"client": "VBA", "version": xw.__version__, "names": [],
    ...     "book": {"name": "空.xlsx", "active_sheet_index": 0, "selection": "A1"},
    ...     "sheets": [{"name": "Sheet1", "values": [["x"]], "pictures": [], "tables": []}]})
    >>> score_workbook(book)
    False
    >>> book.json()["actions"][-1]["func"], "没有可识别" in book.json()["actions"][-1]["args"][0]
    ('alert', True)
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import quote_sheetname

from toolkit import __version__
from toolkit.forms.project import layout
from toolkit.workbook.edits import KEEP, EditPlan, is_header_row, summary_line
from toolkit.workbook.meta import Registry, SheetInfo, is_meta_sheet, meta_rows, meta_rows_from_values
from toolkit.core.problems import SEVERITY_LABELS, ToolkitError
from toolkit.forms import registry as kinds
from toolkit.service import assemble_book
from toolkit.workbook.sheets import SheetAccess, WorkbookData, resolve_reference, split_ref


def _excel_errors() -> tuple[type[BaseException], ...]:
    """What a call into Excel can raise: COM errors on Windows (pywintypes.com_error), xlwings'
    own errors, and what the remote engine raises for what it cannot do."""
    errors: list[type[BaseException]] = [OSError, AttributeError, ValueError, TypeError, KeyError, IndexError,
                                         NotImplementedError, RuntimeError]
    try:
        from xlwings import XlwingsError
        errors.append(XlwingsError)
    except ImportError:
        pass
    try:
        from pywintypes import com_error  # Windows only
        errors.append(com_error)
    except ImportError:
        pass
    return tuple(errors)


EXCEL_ERRORS = _excel_errors()

TITLE = "绩效自评"
EXPORT_MISSING = "导出报送功能尚未安装/可用"
MESSAGE_LIMIT = 1800  # characters shown in one message box; the rest is in 「校验结果」
CHECK_WIDTHS = (8, 22, 26, 9, 8, 24, 90)
HEADER_FILL = "#F2F2F2"


@dataclass
class ApplyStats:
    """What :func:`apply_plan` did, for tests and for measuring round-trips."""

    value_blocks: dict[str, int] = field(default_factory=dict)  # sheet → rectangles written
    coloured: dict[str, int] = field(default_factory=dict)      # sheet → cells coloured/cleared
    notes_written: int = 0
    notes_supported: bool = True


@dataclass
class XlScoreRun:
    """The outcome of :func:`run_score` on one open workbook."""

    book: WorkbookData
    results: list
    plan: EditPlan
    stats: ApplyStats


# ---------------------------------------------------------------- reading

def _plain(value: object) -> object:
    """Excel hands every number over as a float; files store 2 as 2. Match openpyxl.

    >>> _plain(2.0), _plain(2.5), _plain(True)
    (2, 2.5, True)
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _sheet_names(sheet) -> dict[str, str]:
    """Sheet-scoped names → their reference text without '=' (as openpyxl's attr_text)."""
    names = {}
    for name in sheet.names:
        refers_to = name.refers_to or ""
        names[name.name.rsplit("!", 1)[-1]] = refers_to[1:] if refers_to.startswith("=") else refers_to
    return names


def _number_format(rng) -> str | None:
    """A range's common number format, None when mixed or when the engine cannot tell."""
    try:
        fmt = rng.number_format
    except NotImplementedError:  # xlwings' remote engine reads formats only asynchronously
        return None
    return fmt if isinstance(fmt, str) else None


def _formats_needed(sheet, names: dict[str, str], values: dict) -> dict:
    """Number formats of the numeric 年度指标值/实际完成值 cells, the only ones scoring reads."""
    header = resolve_reference(names.get(layout.GRID_HEADER_NAME))
    total = resolve_reference(names.get(layout.FIELDS["total_score"].name))
    if not header or not total or total[0] <= header[0] + 1:
        return {}
    first, last = header[0] + 1, total[0] - 1
    columns = [header[1] + layout.GRID_COLUMNS.index(key) for key in ("target", "actual")]
    numeric = [(row, col) for row in range(first, last + 1) for col in columns
               if isinstance(values.get((row, col)), (int, float)) and not isinstance(values.get((row, col)), bool)]
    if not numeric:
        return {}
    common = _number_format(sheet.range((first, columns[0]), (last, columns[-1])))
    formats = {}
    for row, col in numeric:
        fmt = common if common is not None else _number_format(sheet.range((row, col)))
        if fmt and fmt != "General":
            formats[(row, col)] = fmt
    return formats


def sheet_access(sheet) -> SheetAccess | None:
    """A template sheet (project form, or a department 评分表 / 基础数据 / 目标完成情况自评表) as
    the readers' :class:`~toolkit.workbook.sheets.SheetAccess`; None for other sheets.

    One whole-range read of ``used_range`` (errors as text, like openpyxl's cached values).
    """
    names = _sheet_names(sheet)
    if not any(name.startswith(kinds.name_prefixes()) for name in names):
        return None
    used = sheet.used_range
    rows = used.options(ndim=2, err_to_str=True).value or []
    top, left = used.row, used.column
    values = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                values[(top + r, left + c)] = _plain(value)
    return SheetAccess(sheet.name, names, values, _formats_needed(sheet, names, values))


def _sheet_info(sheet) -> SheetInfo:
    """What tells the tool's own sheets from a clerk's (see toolkit.workbook.meta.tool_sheet_titles)."""
    return SheetInfo(sheet.name, _is_visible(sheet), _plain(sheet.range((1, 1)).value))


def _meta_sheet(book):
    """The tool's meta sheet: hidden and starting with the template id (never a clerk's sheet
    that is merely titled _jx_meta)."""
    return next((sheet for sheet in book.sheets if is_meta_sheet(_sheet_info(sheet))), None)


def read_book(book) -> WorkbookData:
    """Read every form of an open workbook, like :func:`toolkit.service.read_openpyxl_book`.

    Raises ToolkitError (Chinese, fit for a message box) when nothing can be used.
    """
    file_name = book.name
    meta, registry = {}, Registry()
    meta_sheet = _meta_sheet(book)
    if meta_sheet is not None:
        meta, registry = meta_rows_from_values(meta_sheet.used_range.options(ndim=2).value or [])
    sheets: list[SheetAccess] = []
    for sheet in book.sheets:
        try:
            access = sheet_access(sheet)
        except EXCEL_ERRORS as exc:  # COM errors, unexpected payloads
            raise ToolkitError(f"无法读取工作簿「{file_name}」工作表「{sheet.name}」的内容（{type(exc).__name__}：{exc}）。"
                               "请确认没有单元格处于编辑状态，然后重试。") from None
        if access is not None:
            sheets.append(access)
    forms = kinds.read_forms(sheets, registry, file_name, meta)
    data = assemble_book(Path(file_name), forms, meta, registry)
    data.sheets = [_sheet_info(sheet) for sheet in book.sheets]
    return data


# ---------------------------------------------------------------- writing

_NUMBER_LIKE = re.compile(r"^\s*[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*$")


def _cell_value(value: object) -> object:
    """A plan value as Excel must receive it: text that Excel would turn into a formula,
    number or date keeps Excel's text prefix (').

    >>> _cell_value("=1+1"), _cell_value("001"), _cell_value("—"), _cell_value(2.76)
    ("'=1+1", "'001", '—', 2.76)
    """
    if isinstance(value, str) and (value[:1] in ("=", "+", "-", "@", "'", "\t", "\r", "\n") or _NUMBER_LIKE.match(value)):
        return "'" + value
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return _dt.datetime(value.year, value.month, value.day)
    return value


def rectangles(cells: dict[tuple[int, int], object]) -> list[tuple[int, int, list[list[object]]]]:
    """Cover planned cells with rectangles made only of planned cells: (top, left, rows).

    Horizontal runs first, then runs with the same columns on consecutive rows are stacked.

    >>> rectangles({(6, 10): 1, (6, 11): "a", (7, 10): 2, (7, 11): "b", (9, 8): 3})
    [(6, 10, [[1, 'a'], [2, 'b']]), (9, 8, [[3]])]
    """
    runs: dict[int, list[tuple[int, int]]] = {}
    for row in sorted({r for r, _ in cells}):
        columns = sorted(c for r, c in cells if r == row)
        start = prev = columns[0]
        for col in columns[1:] + [None]:
            if col is not None and col == prev + 1:
                prev = col
                continue
            runs.setdefault(row, []).append((start, prev))
            if col is not None:
                start = prev = col
    blocks: list[list] = []  # [top, bottom, left, right]
    open_blocks: dict[tuple[int, int], list] = {}
    for row in sorted(runs):
        for span in runs[row]:
            block = open_blocks.get(span)
            if block and block[1] == row - 1:
                block[1] = row
            else:
                block = [row, row, span[0], span[1]]
                blocks.append(block)
                open_blocks[span] = block
    blocks.sort(key=lambda b: (b[0], b[2]))
    return [(top, left, [[cells[(r, c)] for c in range(left, right + 1)] for r in range(top, bottom + 1)])
            for top, bottom, left, right in blocks]


def _set_colors(sheet, colours: dict[tuple[int, int], str | None]) -> None:
    """Fill (or clear, None) the given cells; one call over their bounding box where possible."""
    top, bottom = min(r for r, _ in colours), max(r for r, _ in colours)
    left, right = min(c for _, c in colours), max(c for _, c in colours)
    rng = sheet.range((top, left), (bottom, right))
    if hasattr(rng, "set_colors") and (bottom - top + 1) * (right - left + 1) <= 10_000:
        rng.set_colors([[colours.get((r, c), ...) for c in range(left, right + 1)]
                        for r in range(top, bottom + 1)])
        return
    for (row, col), colour in colours.items():  # xlwings < 0.37.5
        sheet.range((row, col)).color = colour


def _set_note(rng, text: str | None) -> None:
    note = rng.note
    if text:
        if note is not None:
            note.text = text
        else:
            rng.add_note(text)
    elif note is not None:
        note.delete()


def _hyperlink(sheet: str, ref: str, text: object) -> str:
    target = f"#{quote_sheetname(sheet)}!{ref}".replace('"', '""')
    shown = str(text).replace('"', '""')
    return f'=HYPERLINK("{target}","{shown}")'


def check_sheet_rows(plan: EditPlan) -> list[list[object]]:
    """The 「校验结果」 sheet as one rectangle; linked cells become HYPERLINK formulas.

    >>> plan = EditPlan(check_rows=[["标题"], ["序号", "工作表", "项目", "单元格"], [1, "政府采购", "政府采购", "H13"]],
    ...                 check_links={2: ("政府采购", "H13")})
    >>> print(check_sheet_rows(plan)[2][3])
    =HYPERLINK("#'政府采购'!H13","H13")
    """
    width = max((len(row) for row in plan.check_rows), default=1)
    rows = [[_cell_value(v) for v in row] + [None] * (width - len(row)) for row in plan.check_rows]
    for index, (sheet, ref) in plan.check_links.items():
        column = 0 if ref == "A1" else 3
        rows[index][column] = _hyperlink(sheet, ref, plan.check_rows[index][column])
    return rows


def _add_sheet(book, name: str):
    visible = [s for s in book.sheets if _is_visible(s)]
    return book.sheets.add(name, after=(visible or list(book.sheets))[-1])


def _is_visible(sheet) -> bool:
    try:
        return bool(sheet.visible)
    except EXCEL_ERRORS:  # payloads without visibility information
        return True


def _hide(sheet) -> None:
    """Very hidden on desktop Excel (like the openpyxl writer); hidden elsewhere."""
    if sheet.book.app.engine.name == "excel" and sys.platform.startswith("win"):
        sheet.api.Visible = 2  # xlSheetVeryHidden
    else:
        sheet.visible = False


def _write_check_sheet(book, plan: EditPlan):
    for sheet in book.sheets:
        if sheet.name == plan.check_title:  # the tool's own (see toolkit.workbook.meta.tool_sheet_titles)
            sheet.delete()
            break
    sheet = _add_sheet(book, plan.check_title)
    rows = check_sheet_rows(plan)
    sheet.range((1, 1)).value = rows
    width = len(rows[0])
    headers = [i + 1 for i, row in enumerate(plan.check_rows) if is_header_row(row)]
    sheet.range((1, 1)).font.bold = True
    for row in headers:
        header = sheet.range((row, 1), (row, width))
        header.font.bold = True
        header.color = HEADER_FILL
    for column, size in enumerate(CHECK_WIDTHS[:width], start=1):
        sheet.range((1, column)).column_width = size
    sheet.range((3, width), (len(rows), width)).wrap_text = True
    return sheet


def _write_meta_sheet(book, plan: EditPlan) -> None:
    sheet = _meta_sheet(book)
    if sheet is None:
        sheet = _add_sheet(book, plan.meta_title)
        _hide(sheet)
    else:
        sheet.clear_contents()
    rows = meta_rows(plan.meta, plan.registry)
    if rows:
        sheet.range((1, 1)).value = [[_cell_value(v) for v in row] for row in rows]


def apply_plan(book, plan: EditPlan, *, notes: bool = True) -> ApplyStats:
    """Apply an :class:`~toolkit.workbook.edits.EditPlan` to an open workbook with whole-range writes.

    >>> rectangles({(13, 10): 2.76, (13, 11): "8 ÷ 29 × 10 = 2.76"})  # the kind of block written
    [(13, 10, [[2.76, '8 ÷ 29 × 10 = 2.76']])]
    """
    stats = ApplyStats(notes_supported=notes)
    app = book.app
    try:
        updating = app.screen_updating
    except EXCEL_ERRORS:  # the remote engine cannot read it
        updating = None
    if updating:
        app.screen_updating = False
    try:
        for sheet_name, edits in plan.by_sheet().items():
            sheet = book.sheets[sheet_name]
            values = {split_ref(e.ref): _cell_value(e.value) for e in edits if e.value is not KEEP}
            blocks = rectangles(values) if values else []
            for top, left, rows in blocks:
                sheet.range((top, left)).value = rows
            stats.value_blocks[sheet_name] = len(blocks)
            colours = {split_ref(e.ref): (f"#{e.fill}" if e.fill else None) for e in edits if e.fill is not KEEP}
            if colours:
                _set_colors(sheet, colours)
            stats.coloured[sheet_name] = len(colours)
            for edit in edits:
                if edit.comment is KEEP or not stats.notes_supported:
                    continue
                try:
                    _set_note(sheet.range(edit.ref), edit.comment)
                    stats.notes_written += 1
                except NotImplementedError:  # remote engine: no notes; the text is in the sheet anyway
                    stats.notes_supported = False
        _write_meta_sheet(book, plan)
        check = _write_check_sheet(book, plan)
        check.activate()
    finally:
        if updating:
            app.screen_updating = True
    return stats


# ---------------------------------------------------------------- entry points

def run_score(book, profile="national") -> XlScoreRun:
    """Read, score and write back one open workbook; raises ToolkitError on unusable input."""
    from toolkit.service import resolve_profile, score_book

    data = read_book(book)
    results, plan = score_book(data, resolve_profile(data, profile))
    stats = apply_plan(book, plan)
    return XlScoreRun(book=data, results=results, plan=plan, stats=stats)


def score_message(run: XlScoreRun) -> str:
    """The success message: one line per form (total, grade, flags), then where to look.

    >>> from toolkit.core.results import FormResult
    >>> run = XlScoreRun(WorkbookData(Path("a.xlsx"), [], {}, Registry()),
    ...                  [FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {})],
    ...                  EditPlan(), ApplyStats())
    >>> print(score_message(run))
    已计算 1 张自评表：
    · 项目：总分 91.9（填报 91.9），等级 优；错误 0，提醒 0，说明 0
    <BLANKLINE>
    标色：红 = 错误，黄 = 提醒，蓝 = 说明；全部标记及算式见「校验结果」表和右侧「计算说明」列。
    """
    lines = [f"已计算 {len(run.results)} 张自评表："]
    lines += [f"· {summary_line(result)}" for result in run.results]
    for flag in run.book.flags:
        lines.append(f"[{SEVERITY_LABELS[flag.severity]}] {flag.message}")
    lines += ["", "标色：红 = 错误，黄 = 提醒，蓝 = 说明；全部标记及算式见「校验结果」表和右侧「计算说明」列。"]
    return _clip("\n".join(lines))


def _clip(text: str) -> str:
    if len(text) <= MESSAGE_LIMIT:
        return text
    return text[:MESSAGE_LIMIT].rsplit("\n", 1)[0] + "\n……（其余内容见「校验结果」表）"


def alert(book_or_app, text: str, title: str = TITLE, *, critical: bool = False, buttons: str = "ok"):
    """Show a message box through the workbook's Excel (the remote engine records an action)."""
    app = getattr(book_or_app, "app", book_or_app)
    if app is None:
        print(text, file=sys.stderr)  # no Excel: VBA's ShowError displays stderr
        return None
    return app.alert(_clip(text), title=title, buttons=buttons, mode="critical" if critical else "info")


def _unexpected(exc: BaseException, action: str) -> str:
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


def score_workbook(book, profile="national") -> bool:
    """Button 「计算得分」 on a given workbook: score in place and report in a message box.

    Returns True on success; every failure is shown as a Chinese message box, never raised.
    (See the module example for a workbook that is not a form.)
    """
    try:
        run = run_score(book, profile)
    except ToolkitError as exc:
        adopted = adopt_beside(book) if not getattr(exc, "flags", None) else None
        if adopted is not None:
            alert(book, f"这是其他版式的自评表：已按本工具模板导入为\n{adopted}\n并已打开（原工作簿未改动）。"
                        "请在新工作簿上再点「计算得分」。导入时每个单元格的去向见其「导入说明」表。",
                  f"{TITLE} - 导入其他版式")
            return False
        alert(book, f"未能计算得分：\n{exc}", f"{TITLE} - 计算得分", critical=True)
        return False
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary: a message, never a traceback
        alert(book, _unexpected(exc, "计算得分"), f"{TITLE} - 计算得分", critical=True)
        return False
    alert(book, score_message(run), f"{TITLE} - 计算得分完成")
    return True


def adopt_beside(book) -> Path | None:
    """A workbook in another official layout (no template names, forms found by their labels):
    save it, adopt it into ``<name>_导入.xlsx`` beside it, open that and return its path; None when
    the workbook holds no such form or is not saved in a local folder."""
    from toolkit.forms.project.adopt import adopt_file, adoption_hint

    try:
        path = Path(book.fullname)
    except EXCEL_ERRORS:
        return None
    if not path.is_absolute() or not path.exists():
        return None
    try:
        book.save()
        if not adoption_hint(path):
            return None
        outcome = adopt_file(path)
        book.app.books.open(str(outcome.output))
    except (ToolkitError, *EXCEL_ERRORS):
        return None
    return outcome.output


def active_book():
    """The workbook the clerk has open in the Excel that pressed the button (never the add-in).

    >>> import xlwings as xw
    >>> try:
    ...     active_book()
    ... except ToolkitError as exc:
    ...     print(exc)  # doctest: +ELLIPSIS
    没有打开的工作簿...
    """
    import xlwings as xw

    app = None
    try:
        app = xw.Book.caller().app  # the calling Excel instance (the caller may be the add-in itself)
    except EXCEL_ERRORS:
        try:
            app = xw.apps.active
        except EXCEL_ERRORS:
            app = None
    book = None
    if app is not None:
        try:
            book = app.books.active
        except EXCEL_ERRORS:
            book = None
    if book is None or book.name.lower().endswith((".xlam", ".xla")):
        raise ToolkitError("没有打开的工作簿：请先打开要处理的自评表工作簿，再点功能区「绩效自评」上的按钮。")
    return book


def _run_button(action: str, work) -> None:
    try:
        book = active_book()
    except ToolkitError as exc:
        _fallback_alert(str(exc), action)
        return
    except EXCEL_ERRORS as exc:
        _fallback_alert(_unexpected(exc, action), action)
        return
    work(book)


def _fallback_alert(text: str, action: str, *, critical: bool = True) -> None:
    try:
        import xlwings as xw
        alert(xw.apps.active if xw.apps else None, text, f"{TITLE} - {action}", critical=critical)
    except (ImportError, *EXCEL_ERRORS):  # no Excel to show it in: the console is all there is
        print(text, file=sys.stderr)


def score_active() -> None:
    """The 「计算得分」 button: score the active workbook in place (same results as ``jixiao score``)."""
    _run_button("计算得分", score_workbook)


def _exporter():
    """``toolkit.submission.export``'s file exporter, or None when that module is not installed."""
    import importlib

    try:
        export = importlib.import_module("toolkit.submission.export")
    except ImportError:
        return None
    return export.export_file


def export_workbook(book) -> bool:
    """Button 「导出报送」 on a given workbook: save it, export the saved file beside it.

    Shows 「导出报送功能尚未安装/可用」 when :mod:`toolkit.submission.export` cannot be imported.
    """
    exporter = _exporter()
    title = f"{TITLE} - 导出报送"
    if exporter is None:
        alert(book, f"{EXPORT_MISSING}：本机安装的绩效自评工具箱（{__version__}）没有导出模块。"
                    "请联系技术支持升级工具箱（pip install -U）并重新生成加载项。", title, critical=True)
        return False
    try:
        fullname = Path(book.fullname)
        if not fullname.is_absolute() or not fullname.parent.exists():
            raise ToolkitError("工作簿还没有保存到本机文件夹（或在网盘/SharePoint 上）。请先「另存为」到本机文件夹，再导出报送。")
        book.save()
        try:
            outcome = exporter(fullname)
        except ToolkitError as exc:
            if not hasattr(exc, "flags"):
                raise
            answer = alert(book, f"{exc}\n\n仍要导出吗？导出的文件会标记为「含未解决问题」。", title,
                           critical=True, buttons="yes_no")
            if answer != "yes":
                return False
            outcome = exporter(fullname, force=True)
    except ToolkitError as exc:
        alert(book, f"未能导出：\n{exc}", title, critical=True)
        return False
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary
        alert(book, _unexpected(exc, "导出报送"), title, critical=True)
        return False
    alert(book, f"已导出报送文件：\n{outcome.output}\n\n请把该文件（不是本工作簿）发送给主管部门。", title)
    return True


def export_active() -> None:
    """The 「导出报送」 button: export the active workbook (clear message if not available)."""
    _run_button("导出报送", export_workbook)


def about_text(book=None) -> str:
    """Versions and paths for IT staff; warns when an add-in was built for another xlwings.

    >>> "jixiao-toolkit" in about_text()
    True
    """
    import xlwings as xw

    lines = [f"绩效自评工具箱 jixiao-toolkit {__version__}",
             f"xlwings {xw.__version__}（{Path(xw.__file__).parent}）",
             f"Python {sys.version.split()[0]}（{sys.executable}）",
             f"工具箱位置：{Path(__file__).resolve().parent}",
             f"导出报送：{'可用' if _exporter() else EXPORT_MISSING}"]
    if book is not None and book.app.engine.name == "excel" and sys.platform.startswith("win"):
        from toolkit.excel.addin import read_ribbon

        for name in dict.fromkeys(f"{button.addin}.xlam" for button in read_ribbon()[1]):  # every add-in
            try:
                title = str(book.app.books[name].api.BuiltinDocumentProperties("Title").Value)
            except EXCEL_ERRORS:
                lines.append(f"{name}：未加载")
                continue
            ok = f"xlwings {xw.__version__}" in title
            lines.append(f"{name}：{title}" + ("" if ok else " —— 与已安装的 xlwings 版本不一致，请重新运行 jixiao addin install"))
    return "\n".join(lines)


def about_active() -> None:
    """The 「关于」 button: show :func:`about_text` in a message box (works with no workbook open)."""
    try:
        book = active_book()
    except (ToolkitError, *EXCEL_ERRORS):
        book = None
    try:
        text = about_text(book)
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary
        text = _unexpected(exc, "显示版本信息")
    if book is not None:
        alert(book, text, f"{TITLE} - 关于")
    else:
        _fallback_alert(text, "关于", critical=False)


def report_workbook(book) -> bool:
    """Button 「生成报告」 on a given workbook: save it, draft the 自评报告 (Word) beside it and
    say where (``toolkit.narrative.draft``; an earlier draft is never overwritten)."""
    title = f"{TITLE} - 生成报告"
    try:
        outcome = _draft_beside(book)
    except Exception as exc:  # noqa: BLE001 — the button's outermost boundary: a message, never a traceback
        known = isinstance(exc, ToolkitError)
        alert(book, f"未能生成报告：\n{exc}" if known else _unexpected(exc, "生成报告"), title, critical=True)
        return False
    alert(book, f"已生成自评报告草稿：\n{outcome.output}\n\n请在 Word/WPS 中打开，把 {outcome.placeholders} 处黄色底纹的"
                "【待填写：…】据实填写。表格修改后请重新生成。", title)
    return True


def _draft_beside(book):
    from toolkit.narrative.draft import draft_report

    fullname = Path(book.fullname)
    if not fullname.is_absolute() or not fullname.parent.exists():
        raise ToolkitError("工作簿还没有保存到本机文件夹（或在网盘/SharePoint 上）。请先「另存为」到本机文件夹，再生成报告。")
    book.save()
    return draft_report(fullname)


def report_active() -> None:
    """The 「生成报告」 button: draft the 自评报告 of the active workbook beside it."""
    _run_button("生成报告", report_workbook)
