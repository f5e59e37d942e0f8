"""The xlwings host's half of the press protocol, reading: the workbook open in Excel as a
snapshot (:mod:`toolkit.excel.protocol`), with the calls into Excel kept to what the clerk can
wait for:

* each sheet: its name, then one read of its used range (address and values, errors as text);
  the template's 填表说明 sheet is only named (it holds no form, and its text is long);
* visibility only of a sheet that could be the tool's hidden meta sheet;
* what the engine asks for (:class:`~toolkit.excel.protocol.Needs`), answered as the WPS add-in
  answers ``status: "needs"``: the defined names of a sheet its labels do not settle (copied or
  renamed since the tool last wrote, labels retyped, a form pasted into a new sheet; two or three
  calls per name); the number formats of the numbers the rules read with their format (a ``%``
  format changes what 0.95 means): one call over them, cell by cell only where they differ and
  only on desktop Excel (other engines cannot tell).

Value2 hands a date over as its serial number, xlwings as a datetime: the snapshot holds the
serial, and a cell the engine asks the format of that xlwings read as a date is answered with a
date format, so the engine reads the date the file readers see.

Example (xlwings' remote engine, no Excel needed)::

    >>> import os
    >>> _ = os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # tests/CI set it anyway
    >>> import xlwings as xw
    >>> book = xw.Book(json={"client": "VBA", "version": xw.__version__, "names": [],
    ...     "book": {"name": "空.xlsx", "active_sheet_index": 0, "selection": "A1"},
    ...     "sheets": [{"name": "Sheet1", "values": [["项目名称", "零星修缮"]], "pictures": [], "tables": []}]})
    >>> bulk_read(book.sheets[0]).values
    {(1, 1): '项目名称', (1, 2): '零星修缮'}
    >>> open_book(book).snapshot["sheets"]
    [{'name': 'Sheet1', 'visible': True, 'origin': [1, 1], 'values': [['项目名称', '零星修缮']]}]
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from toolkit.core.problems import ToolkitError
from toolkit.excel.engine import EXCEL_ERRORS, is_desktop, is_visible
from toolkit.excel.protocol import EXCEL_EPOCH, PROTOCOL, VERSION, Needs, format_cells, read_snapshot
from toolkit.workbook.locator import address
from toolkit.workbook.meta import INSTRUCTIONS_SHEET, META_FIRST_KEY, META_SHEET
from toolkit.workbook.sheets import WorkbookData, resolve_reference, split_ref

DATE_FORMAT = "yyyy/m/d"  # the answer for a cell xlwings read as a date (any date format reads alike)
ROUNDS = 3  # snapshots sent per press: values, then names, then the formats of the sheets just named


def _plain(value: object) -> object:
    """Excel hands every number over as a float; files store 2 as 2. Match openpyxl.

    >>> _plain(2.0), _plain(2.5), _plain(True)
    (2, 2.5, True)
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _value2(value: object) -> object:
    """A value as Value2 gives it (what the snapshot holds): a date or time as its serial number.

    >>> _value2(_dt.datetime(2021, 12, 31)), _value2(_dt.datetime(1900, 1, 1, 12)), _value2("x")
    (44561.0, 2.5, 'x')
    """
    if isinstance(value, _dt.datetime):
        return (value.replace(tzinfo=None) - EXCEL_EPOCH).total_seconds() / 86400
    if isinstance(value, _dt.date):
        return float((value - EXCEL_EPOCH.date()).days)
    if isinstance(value, _dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / 86400
    return value


def _number_format(rng) -> str | None:
    """A range's common number format, None when mixed or when the engine cannot tell."""
    try:
        fmt = rng.number_format
    except NotImplementedError:  # xlwings' remote engine reads formats only asynchronously
        return None
    return fmt if isinstance(fmt, str) else None


def read_formats(sheet, cells: list[tuple[int, int]], *, desktop: bool) -> dict:
    """Number formats of ``cells`` (not General): one call over them, cell by cell only where
    their formats differ, and only on desktop Excel (other engines cannot tell)."""
    if not cells:
        return {}
    top, bottom = min(r for r, _ in cells), max(r for r, _ in cells)
    left, right = min(c for _, c in cells), max(c for _, c in cells)
    common = _number_format(sheet.range((top, left), (bottom, right)))
    if common is None and not desktop:
        return {}  # an engine without formats: nothing more to ask
    formats = {}
    for row, col in cells:
        fmt = common if common is not None else _number_format(sheet.range((row, col)))
        if fmt and fmt != "General":
            formats[(row, col)] = fmt
    return formats


def _formats_needed(sheet, names: dict[str, str], values: dict, *, desktop: bool) -> dict:
    """Number formats of the numbers the rules read with their format (the kinds' ``format_columns``:
    年度指标值/实际完成值, 指标实际值, 基础数据的数值) on a sheet with these names and values: the
    cells the engine asks for (:func:`toolkit.excel.protocol.format_cells`), read by :func:`read_formats`."""
    return read_formats(sheet, format_cells(names, values), desktop=desktop)


@dataclass
class SheetRead:
    """One sheet as the button reads it: one bulk read of its used range."""

    sheet: object  # the xlwings Sheet
    title: str
    values: dict  # (row, column) → value, blanks left out
    origin: tuple[int, int] = (1, 1)
    rows: list = field(default_factory=lambda: [[None]])  # the used range as Value2 gives it (the snapshot's)
    dates: set = field(default_factory=set)  # cells xlwings read as dates


def bulk_read(sheet) -> SheetRead:
    """Every value of ``sheet`` in one read of its used range (errors as text, like openpyxl's
    cached values); the range's address places it. The template's 填表说明 sheet is only named."""
    title = sheet.name
    if title == INSTRUCTIONS_SHEET:
        return SheetRead(sheet, title, {})
    used = sheet.used_range
    top, left = _origin(used.address)
    rows = used.options(ndim=2, err_to_str=True).value or []
    values, dates = {}, set()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                values[(top + r, left + c)] = _plain(value)
                if isinstance(value, (_dt.date, _dt.time)):
                    dates.add((top + r, left + c))
    snapshot_rows = [[_value2(value) for value in row] for row in rows] or [[None]]
    return SheetRead(sheet, title, values, (top, left), snapshot_rows, dates)


def _origin(address_text: str) -> tuple[int, int]:
    """'$B$2:$K$30' → (2, 2).

    >>> _origin("$B$2:$K$30"), _origin("$A$1")
    ((2, 2), (1, 1))
    """
    bounds = resolve_reference(address_text)
    return (bounds[0], bounds[1]) if bounds else (1, 1)


def _visible(read: SheetRead) -> bool:
    """Visibility costs a call and matters only for a sheet that could be the tool's meta sheet."""
    candidate = read.values.get((1, 1)) == META_FIRST_KEY and read.title.startswith(META_SHEET)
    return is_visible(read.sheet) if candidate else True


@dataclass
class OpenBook:
    """An open workbook as the xlwings host read it: the snapshot it sends, each sheet's bulk read,
    and — once the engine has read the snapshot (:func:`read_open_book`) — the readers' data."""

    snapshot: dict
    reads: dict[str, SheetRead]  # title → bulk read
    desktop: bool  # desktop Excel: formats cell by cell where a range's differ
    data: WorkbookData | None = None

    def sheets(self) -> dict:
        """Title → xlwings Sheet (what the plan's sheet names refer to)."""
        return {title: read.sheet for title, read in self.reads.items()}


def open_book(book) -> OpenBook:
    """The snapshot of an open workbook: one bulk read per sheet (see the module doc)."""
    file_name = book.name
    reads: list[SheetRead] = []
    for sheet in book.sheets:
        try:
            reads.append(bulk_read(sheet))
        except EXCEL_ERRORS as exc:  # COM errors, unexpected payloads
            raise ToolkitError(f"无法读取工作簿「{file_name}」工作表「{sheet.name}」的内容（{type(exc).__name__}：{exc}）。"
                               "请确认没有单元格处于编辑状态，然后重试。") from None
    sheets = [{"name": read.title, "visible": _visible(read), "origin": list(read.origin), "values": read.rows}
              for read in reads]
    snapshot = {"protocol": PROTOCOL, "version": VERSION, "action": "score", "workbook": {"name": file_name},
                "sheets": sheets}
    return OpenBook(snapshot, {read.title: read for read in reads}, is_desktop(book))


def answer(opened: OpenBook, needs: Needs) -> None:
    """Add what the engine asked for to the snapshot: a sheet's defined names (Name.Name →
    Name.RefersTo), the number formats of the cells it names."""
    by_title = {sheet["name"]: sheet for sheet in opened.snapshot["sheets"]}
    file_name = opened.snapshot["workbook"]["name"]
    for title in needs.names:
        try:
            by_title[title]["names"] = {name.name: name.refers_to or "" for name in opened.reads[title].sheet.names}
        except EXCEL_ERRORS as exc:
            raise _unreadable(file_name, title, exc) from None
    for ask in needs.formats:
        read = opened.reads[ask["sheet"]]
        cells = [split_ref(ref) for ref in ask["cells"]]
        try:
            formats = read_formats(read.sheet, [key for key in cells if key not in read.dates], desktop=opened.desktop)
        except EXCEL_ERRORS as exc:
            raise _unreadable(file_name, ask["sheet"], exc) from None
        formats.update({key: DATE_FORMAT for key in cells if key in read.dates})
        by_title[ask["sheet"]]["formats"] = {address(*key): fmt for key, fmt in sorted(formats.items())}


def _unreadable(file_name: str, title: str, exc: BaseException) -> ToolkitError:
    return ToolkitError(f"无法读取工作簿「{file_name}」工作表「{title}」的定义名称或格式"
                        f"（{type(exc).__name__}：{exc}）。请确认没有单元格处于编辑状态，然后重试。")


def settle(opened: OpenBook, step):
    """``step(snapshot)`` — :func:`toolkit.excel.protocol.score` or
    :func:`~toolkit.excel.protocol.read_snapshot` — with the engine's questions answered, at most
    :data:`ROUNDS` snapshots in all (as the WPS add-in)."""
    for _ in range(ROUNDS - 1):
        try:
            return step(opened.snapshot)
        except Needs as needs:
            answer(opened, needs)
    try:
        return step(opened.snapshot)
    except Needs:
        raise ToolkitError("计算引擎反复要求补充工作簿的内容，已停止。请联系技术支持。") from None


def read_open_book(book) -> OpenBook:
    """Read an open workbook as the button does (one bulk read per sheet; names and formats only
    where the engine asks) up to the engine's :class:`~toolkit.workbook.sheets.WorkbookData`.

    Raises ToolkitError (Chinese, fit for a message box) when nothing can be used.
    """
    opened = open_book(book)
    opened.data, _ = settle(opened, read_snapshot)
    return opened


def read_book(book) -> WorkbookData:
    """Read every form of an open workbook, like :func:`toolkit.service.read_openpyxl_book`.

    Raises ToolkitError (Chinese, fit for a message box) when nothing can be used.
    """
    return read_open_book(book).data
