"""Reading the workbook open in Excel: one bulk read per sheet, forms found by their labels.

Same result as :func:`toolkit.service.read_openpyxl_book` on the saved file, with the calls
into Excel kept to what the clerk can wait for:

* each sheet: its name, then one read of its used range (address and values, errors as text);
* template sheets are recognised and their defined names rebuilt from the printed labels
  (:mod:`toolkit.workbook.anchors`); a sheet the hidden meta sheet lists as a template sheet
  costs nothing more. Names are read (two or three calls each) only for a sheet the labels do
  not settle — copied or renamed since the tool last wrote, labels retyped, a form pasted into
  a new sheet — and then treated exactly as the file readers treat them;
* number formats only of numeric 年度指标值/实际完成值 cells (a ``%`` format changes what 0.95
  means): one call per form that has such numbers;
* visibility only of a sheet that could be the tool's hidden meta sheet.

Example (xlwings' remote engine, no Excel needed)::

    >>> import os
    >>> _ = os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # tests/CI set it anyway
    >>> import xlwings as xw
    >>> book = xw.Book(json={"client": "VBA", "version": xw.__version__, "names": [],
    ...     "book": {"name": "空.xlsx", "active_sheet_index": 0, "selection": "A1"},
    ...     "sheets": [{"name": "Sheet1", "values": [["项目名称", "零星修缮"]], "pictures": [], "tables": []}]})
    >>> bulk_read(book.sheets[0]).values
    {(1, 1): '项目名称', (1, 2): '零星修缮'}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.core.problems import ToolkitError
from toolkit.excel.engine import EXCEL_ERRORS, is_desktop, is_visible
from toolkit.forms import registry as kinds
from toolkit.service import assemble_book
from toolkit.workbook.meta import (CHECK_SHEET, INSTRUCTIONS_SHEET, META_FIRST_KEY, META_SHEET, Registry, SheetInfo,
                                   is_meta_sheet, meta_rows_from_values, template_sheets_of)
from toolkit.workbook.sheets import SheetAccess, WorkbookData, resolve_reference


def _plain(value: object) -> object:
    """Excel hands every number over as a float; files store 2 as 2. Match openpyxl.

    >>> _plain(2.0), _plain(2.5), _plain(True)
    (2, 2.5, True)
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _sheet_names(sheet) -> dict[str, str]:
    """Sheet-scoped names → their reference text without '=' (as openpyxl's attr_text).

    Two or three COM calls per name: read only for a sheet whose labels do not settle it (see
    :func:`read_book`)."""
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


def format_cells(names: dict[str, str], values: dict) -> list[tuple[int, int]]:
    """The numeric cells whose number format the rules read (each kind's ``format_columns``), in
    (row, column) order: what a host asks its spreadsheet for (the xlwings button, the WPS add-in).

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


def _formats_needed(sheet, names: dict[str, str], values: dict, *, desktop: bool) -> dict:
    """Number formats of the numbers the rules read with their format (a ``%`` format changes
    what 0.95 means; the kinds' ``format_columns``: 年度指标值/实际完成值, 指标实际值, 基础数据的数值).
    One call over those numbers when the sheet has any; cell by cell only where their formats
    differ, and only on desktop Excel (other engines cannot tell)."""
    numeric = format_cells(names, values)
    if not numeric:
        return {}
    top, bottom = min(r for r, _ in numeric), max(r for r, _ in numeric)
    left, right = min(c for _, c in numeric), max(c for _, c in numeric)
    common = _number_format(sheet.range((top, left), (bottom, right)))
    if common is None and not desktop:
        return {}  # an engine without formats: nothing more to ask
    formats = {}
    for row, col in numeric:
        fmt = common if common is not None else _number_format(sheet.range((row, col)))
        if fmt and fmt != "General":
            formats[(row, col)] = fmt
    return formats


@dataclass
class SheetRead:
    """One sheet as the button reads it: one bulk read of its used range."""

    sheet: object  # the xlwings Sheet
    title: str
    values: dict  # (row, column) → value, blanks left out


def bulk_read(sheet) -> SheetRead:
    """Every value of ``sheet`` in one read of its used range (errors as text, like openpyxl's
    cached values); the range's address places it. The template's 填表说明 sheet is only named:
    it holds no form, and its text is long."""
    title = sheet.name
    if title == INSTRUCTIONS_SHEET:
        return SheetRead(sheet, title, {})
    used = sheet.used_range
    top, left = _origin(used.address)
    rows = used.options(ndim=2, err_to_str=True).value or []
    values = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                values[(top + r, left + c)] = _plain(value)
    return SheetRead(sheet, title, values)


def _origin(address: str) -> tuple[int, int]:
    """'$B$2:$K$30' → (2, 2).

    >>> _origin("$B$2:$K$30"), _origin("$A$1")
    ((2, 2), (1, 1))
    """
    bounds = resolve_reference(address)
    return (bounds[0], bounds[1]) if bounds else (1, 1)


def _sheet_info(read: SheetRead) -> SheetInfo:
    """What tells the tool's own sheets from a clerk's (see toolkit.workbook.meta.tool_sheet_titles).
    Visibility costs a call and matters only for a sheet that could be the tool's meta sheet."""
    first = read.values.get((1, 1))
    candidate = first == META_FIRST_KEY and read.title.startswith(META_SHEET)
    return SheetInfo(read.title, is_visible(read.sheet) if candidate else True, first)


def _template_sheet(read: SheetRead, known: set[str]) -> tuple[SheetAccess | None, list]:
    """``read`` as a template sheet (None if it is not one) and the flags its names raise.

    Labels settle it without reading names when they give the whole name table and the meta
    sheet lists the sheet as a template sheet. Otherwise — a copied or renamed sheet, retyped
    labels, a form pasted into a new sheet — the sheet's names are read (the slow path) and
    treated exactly as the file readers treat them.
    """
    derived = kinds.names_from_sheet_labels(read.values)
    if derived is not None and read.title in known:
        return SheetAccess(read.title, derived, read.values, {}), []
    if derived is None and read.title not in known and not kinds.looks_like_form(read.values):
        return None, []
    stored = _sheet_names(read.sheet)
    access = SheetAccess(read.title, stored, read.values, {})
    if not access.has_names(kinds.name_prefixes()):
        return None, ([kinds.unnamed_form_flag(read.title)] if kinds.looks_like_form(read.values) else [])
    return kinds.confirm_names(access)


@dataclass
class OpenBook:
    """An open workbook as read by :func:`read_open_book`: the readers' data and each sheet's bulk read."""

    data: WorkbookData
    reads: dict[str, SheetRead]  # title → bulk read

    def meta_sheet(self):
        """The tool's meta sheet (hidden, starting with the template id), None when absent."""
        return next((self.reads[info.title].sheet for info in self.data.sheets if is_meta_sheet(info)), None)


def read_book(book) -> WorkbookData:
    """Read every form of an open workbook, like :func:`toolkit.service.read_openpyxl_book`.

    Raises ToolkitError (Chinese, fit for a message box) when nothing can be used.
    """
    return read_open_book(book).data


def read_open_book(book) -> OpenBook:
    """Read an open workbook with one bulk read per sheet; forms are found by their printed
    labels (:mod:`toolkit.workbook.anchors`), defined names read only where labels do not settle
    it (see :func:`_template_sheet`)."""
    file_name = book.name
    reads: list[SheetRead] = []
    for sheet in book.sheets:
        try:
            reads.append(bulk_read(sheet))
        except EXCEL_ERRORS as exc:  # COM errors, unexpected payloads
            raise ToolkitError(f"无法读取工作簿「{file_name}」工作表「{sheet.name}」的内容（{type(exc).__name__}：{exc}）。"
                               "请确认没有单元格处于编辑状态，然后重试。") from None
    infos = [_sheet_info(read) for read in reads]
    meta, registry = {}, Registry()
    for read, info in zip(reads, infos):
        if is_meta_sheet(info):
            meta, registry = meta_rows_from_values(_rows(read.values))
            break
    known = template_sheets_of(meta)
    desktop = is_desktop(book)
    sheets: list[SheetAccess] = []
    flags: list = []
    for read, info in zip(reads, infos):
        if read.title in (CHECK_SHEET, INSTRUCTIONS_SHEET) or is_meta_sheet(info):
            continue
        try:
            access, found = _template_sheet(read, known)
            if access is not None:
                access.formats = _formats_needed(read.sheet, access.names, access.values, desktop=desktop)
        except EXCEL_ERRORS as exc:
            raise ToolkitError(f"无法读取工作簿「{file_name}」工作表「{read.title}」的定义名称或格式"
                               f"（{type(exc).__name__}：{exc}）。请确认没有单元格处于编辑状态，然后重试。") from None
        flags += found
        if access is not None:
            sheets.append(access)
    data = book_from_sheets(sheets, flags, registry, file_name, meta, infos)
    return OpenBook(data, {read.title: read for read in reads})


def book_from_sheets(sheets: list[SheetAccess], flags: list, registry: Registry, file_name: str,
                     meta: dict[str, str], infos: list[SheetInfo]) -> WorkbookData:
    """The read workbook from its template sheets as a host read them (the xlwings button, the
    press protocol): the forms, the flags met while finding them, the sheets' values.

    >>> book_from_sheets([], [], Registry(), "空.xlsx", {}, [])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    toolkit.core.problems.ToolkitError: 文件「空.xlsx」中没有可识别的自评表：...
    """
    forms = kinds.read_forms(sheets, registry, file_name, meta)
    foreign = [flag.sheet for flag in flags if flag.code == "form_without_names"]
    if not forms and foreign:  # the file path's hint needs a saved file; say what the button can do
        raise ToolkitError(f"工作簿「{file_name}」的工作表「{'」「'.join(foreign)}」像是其他版式的自评表（没有本模板的字段名称）。"
                           "请先把工作簿保存到本机文件夹，再点「计算得分」：工具会把它导入为本模板的新工作簿并打开"
                           "（原工作簿不变）；也可以用命令 jixiao adopt 导入。")
    data = assemble_book(Path(file_name), forms, meta, registry)
    data.flags += flags
    data.sheets = infos
    data.template_sheets = [sheet.title for sheet in sheets]
    data.sheet_values = {sheet.title: sheet.values for sheet in sheets}
    return data


def _rows(values: dict) -> list[list[object]]:
    """(row, column) → value as rows from A1 (the meta sheet's reader takes rows).

    >>> _rows({(1, 1): "a", (2, 2): 3})
    [['a', None], [None, 3]]
    """
    if not values:
        return []
    height, width = max(r for r, _ in values), max(c for _, c in values)
    return [[values.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]
