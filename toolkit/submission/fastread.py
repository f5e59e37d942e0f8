"""Reading a received submission for ``jixiao collect``: python-calamine where it is exact,
openpyxl where it is not.

:func:`read_submission` returns a :class:`Book`, the minimum of an openpyxl workbook that
collect's consumers use (``fingerprint.read_properties`` and ``locate_changes``,
``service.read_openpyxl_book`` → ``SheetAccess.from_openpyxl``, ``meta.read_meta``,
``export_meta``, ``unnamed_form_flags``): ``worksheets``, ``sheetnames``,
``custom_doc_props`` (objects with ``.name`` and ``.value``), ``book[title]``,
``title in book``, ``close()``; each sheet has ``title``, ``defined_names`` (name → object
with ``.attr_text``), ``sheet_state``, ``_cells`` ((row, column) → cell, row by row),
``max_row``, ``max_column``, ``cell()`` and ``iter_rows()``; each cell ``value``,
``data_type``, ``row``, ``column``, ``coordinate`` and ``number_format``. ``book.reader`` says
which reader made it (``"calamine"`` or ``"openpyxl"``).

Two readers make the same book:

* **openpyxl** (read-only mode, every sheet parsed once): the reference, used for whatever
  the fast reader refuses;
* **calamine**: cell values from python-calamine; defined names, sheet states, custom
  document properties and number formats (``xl/styles.xml`` cellXfs → numFmt) straight from
  the package XML; the raw sheet XML is scanned with regular expressions (never parsed into
  a tree) to know each cell's type and style, to check that calamine saw the same cells, and
  to decide whether calamine can be trusted at all. It reads an export of ten project sheets
  in about a fifth of openpyxl's time (``benchmarks/bench_collect.py``).

The fast reader *refuses* a file (:class:`Refused`, and ``engine="auto"`` falls back to
openpyxl) unless everything it reads is written the plain way Excel, WPS and openpyxl write
it; the rules, each for something calamine reads differently from openpyxl (found by
comparing both on crafted cells):

* the package: only ``.xlsx`` (a Strict Open XML package is read through the transitional copy
  openpyxl reads, :func:`toolkit.workbook.io.transitional_copy`); the workbook part ``xl/workbook.xml`` of the ordinary
  spreadsheet content type; sheets that are all worksheets, each with its part present;
  shared strings, if any, at ``xl/sharedStrings.xml``; a ``xl/styles.xml`` with cellXfs;
  every part it reads well-formed (expat, the parser openpyxl uses for sheets) and free of
  ``<!`` (DOCTYPE, comments, CDATA) and processing instructions;
* formulas (``<f>``: openpyxl, reading formulas, gives the formula text with data type
  ``f``; calamine gives the cached value), error cells (``t="e"``), ISO dates (``t="d"``),
  formula strings (``t="str"``) and any other cell type but ``n``, ``s``, ``b`` and
  ``inlineStr``;
* a number cell whose style has a date or time format (openpyxl and calamine convert
  serials to dates and times differently), and any value calamine turns into a date;
* a number written other than ``-?digits[.digits][E±digits]`` (openpyxl's ``int()`` /
  ``float()`` accept spaces, ``+``, ``_``; ``NaN`` is an error there), a boolean other than
  ``0``/``1``. Integers are taken from their text as openpyxl does (calamine reads every
  number as a float: 5 → 5.0, and loses digits past 2⁵³); the other numbers must equal
  ``float(text)``;
* text that calamine changes: a ``<t>`` without ``xml:space="preserve"`` that starts or ends
  with whitespace (or its character reference — calamine trims it), ``_xHHHH_`` escapes
  (calamine decodes them, openpyxl does not) and ``x005F_`` in shared strings (openpyxl
  drops it), two plain ``<t>`` in a row or a plain ``<t>`` after a rich-text run;
* cells and rows not written in order, or a cell element with other attributes or children
  than ``r``, ``s``, ``t`` and one ``<v>`` or ``<is>`` (openpyxl drops a cell written
  before a cell to its left in the same row, and a row written after a later one);
* a value whose style index is past cellXfs, a number format id that is neither built in nor
  defined, a sheet whose cells (styled blanks included) span a rectangle of more than
  :data:`MAX_GRID_CELLS` cells (calamine holds its values' rectangle in memory);
* any disagreement between calamine and the XML scan (sheet names, number of values, the
  type of a value).

A refusal costs the time to find it; the openpyxl reader then reads the file as before, so the
report is the one the openpyxl reader gives (``tests/test_collect_reader.py`` compares whole
report entries on samples, exports, edited exports and the hostile corpus).

What the fast reader deliberately does not repeat: openpyxl validates the attributes of
elements collect never uses (page setup, sheet views, data validations, the stylesheet's
fonts and fills, core properties); a well-formed file with, say, ``<pageMargins left="x"/>``
is refused by openpyxl (``unreadable``) but read by the fast reader.

Protections are those of the openpyxl path: the package limits and duplicate parts
(:func:`toolkit.workbook.io.check_file_kind`) are checked first, with the same message;
a text longer than 32,767 characters or a number that is not finite reaches
``SheetAccess.from_openpyxl`` unchanged and is refused there; a damaged sheet (XML that is
not well-formed, a damaged zip stream) makes the fast reader refuse, and the openpyxl reader
then names the sheet as before (:class:`SheetUnreadable`).

The engine is chosen per call (``engine=``) or, for a whole ``jixiao collect`` run (its worker
processes included), by the environment variable ``JIXIAO_COLLECT_READER``
(``auto`` — the default —, ``calamine`` or ``openpyxl``).

Example::

    >>> book = read_submission("samples/seed000_部门整体支出绩效.xlsx")
    >>> book.reader, "评分表" in book
    ('calamine', True)
    >>> sheet = book["评分表"]
    >>> sheet.defined_names["JXD_TotalScore"].attr_text.startswith("'评分表'!"), sheet.cell(1, 1).value
    (True, '部门整体支出绩效评分表')
    >>> sheet.cell(1, 1).value == read_submission("samples/seed000_部门整体支出绩效.xlsx", "openpyxl")["评分表"].cell(1, 1).value
    True
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from toolkit.workbook.io import check_file_kind, damage_reason, damaged_message, open_workbook, transitional_copy

ENGINES = ("auto", "calamine", "openpyxl")
ENGINE_VARIABLE = "JIXIAO_COLLECT_READER"  # the engine of a whole collect run (workers inherit it)
MAX_GRID_CELLS = 2_000_000  # calamine holds a sheet's value rectangle in memory: larger sheets stream through openpyxl

try:  # openpyxl parses with lxml when it is installed (the full model), else with ElementTree
    from lxml.etree import XMLSyntaxError as _LxmlSyntaxError
except ImportError:  # pragma: no cover — lxml is optional
    class _LxmlSyntaxError(Exception):
        pass
# What parsing a sheet part can raise: XML that is not well-formed (a character reference XML
# forbids, such as &#1;), and a part whose zip stream is damaged.
XML_ERRORS = (ElementTree.ParseError, _LxmlSyntaxError)
PART_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError)


# -- the book every reader makes ------------------------------------------------------------

class Cell:
    """One cell that holds a value (what openpyxl's read-only cell offers collect)."""

    __slots__ = ("value", "data_type", "row", "column", "coordinate", "number_format")

    def __init__(self, value, data_type: str, row: int, column: int, coordinate: str, number_format: str):
        self.value, self.data_type = value, data_type
        self.row, self.column, self.coordinate = row, column, coordinate
        self.number_format = number_format

    def __repr__(self) -> str:
        return f"<Cell {self.coordinate} {self.data_type} {self.value!r}>"


class EmptyCell:
    """What a sheet returns for a blank cell."""

    __slots__ = ("value", "data_type", "number_format", "row", "column", "coordinate")

    def __init__(self, row: int, column: int):
        from openpyxl.utils import get_column_letter

        self.value, self.data_type, self.number_format = None, "n", "General"
        self.row, self.column, self.coordinate = row, column, f"{get_column_letter(column)}{row}"


class SheetUnreadable(Exception):
    """A sheet part that cannot be parsed: its title, its part in the package and why."""

    def __init__(self, title: str, part: str | None, error: Exception):
        super().__init__(title, part, error)
        self.title, self.part, self.error = title, part, error

    def message(self, name: str) -> str:
        """The Chinese message for the report.

        >>> from xml.etree import ElementTree
        >>> try:
        ...     ElementTree.fromstring("<a>&#1;</a>")
        ... except ElementTree.ParseError as error:
        ...     print(SheetUnreadable("项目1", "/xl/worksheets/sheet2.xml", error).message("a.xlsx"))
        文件「a.xlsx」的工作表「项目1」（部件 xl/worksheets/sheet2.xml）不是有效的 XML，无法读取（第 1 行第 3 列：reference to invalid character number）。文件已损坏或由其他程序生成，请让报送单位用 Excel/WPS 打开后重新导出报送。
        """
        part = f"（部件 {self.part.lstrip('/')}）" if self.part else ""
        if isinstance(self.error, XML_ERRORS):
            line, column = getattr(self.error, "position", None) or (getattr(self.error, "lineno", None),
                                                                      getattr(self.error, "offset", None))
            where = f"第 {line} 行第 {column} 列：" if line is not None else ""
            reason = str(getattr(self.error, "msg", None) or self.error).split(":")[0].strip()
            return (f"文件「{name}」的工作表「{self.title}」{part}不是有效的 XML，无法读取（{where}{reason}）。"
                    "文件已损坏或由其他程序生成，请让报送单位用 Excel/WPS 打开后重新导出报送。")
        if isinstance(self.error, ValueError):  # a value openpyxl cannot parse, such as <v>NaN</v>
            return (f"文件「{name}」的工作表「{self.title}」{part}有无法识别的单元格内容，无法读取（{self.error}）。"
                    "Excel 不会写出这样的内容：文件已损坏或由其他程序生成，请让报送单位用 Excel/WPS 打开后重新导出报送。")
        return (f"文件「{name}」的工作表「{self.title}」{part}压缩数据已损坏，无法读取（{type(self.error).__name__}："
                f"{self.error}）。请让报送单位重新发送文件。")


class Sheet:
    """A worksheet read once: its cells that hold a value, row by row, in row and column order."""

    title: str
    defined_names: dict
    sheet_state: str
    _rows: list
    _cells: dict

    @property
    def max_row(self) -> int:
        return max((row for row, _ in self._cells), default=0)

    @property
    def max_column(self) -> int:
        return max((col for _, col in self._cells), default=0)

    def cell(self, row: int, column: int):
        return self._cells.get((row, column)) or EmptyCell(row, column)

    def iter_rows(self, min_row: int | None = None, max_row: int | None = None, min_col: int | None = None,
                  max_col: int | None = None, values_only: bool = False):
        """Rows as openpyxl gives them — every cell from ``min_col`` to ``max_col`` (default: the
        last column holding a value), blanks included — but only the rows that hold a value."""
        min_row, min_col = min_row or 1, min_col or 1
        last_row = self.max_row if max_row is None else max_row
        last_col = self.max_column if max_col is None else max_col
        for row in self._rows:
            number = row[0].row if row else 0
            if not row or number < min_row:
                continue
            if number > last_row:
                break
            cells = tuple(self.cell(number, column) for column in range(min_col, last_col + 1))
            yield tuple(c.value for c in cells) if values_only else cells


class OpenpyxlSheet(Sheet):
    """A sheet of an openpyxl read-only workbook, parsed once."""

    def __init__(self, ws):
        ws.reset_dimensions()  # never trust a stored <dimension>: read every row
        self.title = ws.title
        self.defined_names = ws.defined_names
        self.sheet_state = getattr(ws, "sheet_state", "visible")
        try:
            self._rows = [[Cell(c.value, c.data_type, c.row, c.column, c.coordinate, c.number_format)
                           for c in row if c.value is not None] for row in ws.iter_rows()]
        except XML_ERRORS + PART_ERRORS + (ValueError,) as exc:
            raise SheetUnreadable(ws.title, getattr(ws, "_worksheet_path", None), exc) from exc
        self._cells = {(c.row, c.column): c for row in self._rows for c in row}


class Book:
    """The minimum of an openpyxl Workbook that collect reads (see the module docstring)."""

    def __init__(self, worksheets: list, custom_doc_props: list, reader: str, wb=None):
        self.worksheets = worksheets
        self.sheetnames = [ws.title for ws in worksheets]
        self.custom_doc_props = custom_doc_props
        self.reader = reader
        self._wb = wb

    def __getitem__(self, name):
        return self.worksheets[self.sheetnames.index(name)]

    def __contains__(self, name):
        return name in self.sheetnames

    def close(self):
        if self._wb is not None:
            self._wb.close()


class OpenpyxlBook(Book):
    """An openpyxl read-only workbook over :class:`OpenpyxlSheet` (one XML parse per sheet).

    Stands in for the full workbook model, which spends ~10× longer on styles and merged
    cells that collection does not need.
    """

    def __init__(self, wb):
        try:
            worksheets = [OpenpyxlSheet(ws) for ws in wb.worksheets]
        except SheetUnreadable:
            wb.close()
            raise
        super().__init__(worksheets, wb.custom_doc_props, "openpyxl", wb)


def read_openpyxl(path: str | Path) -> OpenpyxlBook:
    """The openpyxl reader (the reference): raises ToolkitError like
    :func:`toolkit.workbook.io.open_workbook`, or :class:`SheetUnreadable`.

    Read-only openpyxl defers styles and cells to the first read of each sheet, so damage that the
    full load of ``score`` meets when it opens the file (a missing ``xl/styles.xml``: IndexError)
    appears here while the sheets are read; it gets the message ``score`` gives.
    """
    wb = open_workbook(path, read_only=True, data_only=False, keep_vba=False, keep_links=False)
    try:
        return OpenpyxlBook(wb)
    except SheetUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 — openpyxl raises dozens of types for damaged packages
        wb.close()
        from toolkit.core.problems import ToolkitError

        raise ToolkitError(damaged_message(path, damage_reason(path, exc))) from None


def read_submission(path: str | Path, engine: str | None = None) -> Book:
    """Read a received file for collect with ``engine`` (see :data:`ENGINES`; None: the
    environment variable :data:`ENGINE_VARIABLE`, else ``"auto"``).

    ``auto`` reads with calamine unless the guard refuses, then with openpyxl; ``openpyxl``
    always uses openpyxl; ``calamine`` raises :class:`Refused` instead of falling back (for
    tests and diagnosis). A package that is not a usable workbook or exceeds the size limits
    raises ToolkitError, a sheet that cannot be parsed :class:`SheetUnreadable` — the same
    errors and messages whichever engine reads.

    >>> read_submission("samples/seed000_部门整体支出绩效.xlsx", engine="openpyxl").reader
    'openpyxl'
    """
    engine = engine or os.environ.get(ENGINE_VARIABLE) or "auto"
    if engine not in ENGINES:
        raise ValueError(f"读表方式「{engine}」无效，可用：{'、'.join(ENGINES)}")
    if engine == "openpyxl":
        return read_openpyxl(path)
    check_file_kind(path)  # the same refusals and messages as open_workbook
    try:
        return _read_calamine(path)
    except Refused:
        if engine == "calamine":
            raise
    return read_openpyxl(path)


# -- the calamine reader -------------------------------------------------------------------

class Refused(Exception):
    """The fast reader cannot promise openpyxl's result for this file; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Name:
    """A sheet-scoped defined name: its reference text, as openpyxl's DefinedName has it."""

    __slots__ = ("name", "attr_text")

    def __init__(self, name: str, attr_text: str | None):
        self.name, self.attr_text = name, attr_text

    @property
    def value(self):
        return self.attr_text


class Property:
    """A custom document property (text only: the fast reader refuses any other type)."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: str | None):
        self.name, self.value = name, value


class CalamineSheet(Sheet):
    """A sheet whose cells came from python-calamine and the XML scan."""

    def __init__(self, title: str, state: str, names: dict, rows: list):
        self.title, self.sheet_state, self.defined_names = title, state, names
        self._rows = rows
        self._cells = {(c.row, c.column): c for row in rows for c in row}


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
OTHER_WORKBOOK_TYPES = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                        "application/vnd.ms-excel.template.macroEnabled.main+xml",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml")
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKSHEET_REL = REL_NS + "/worksheet"
SHARED_STRINGS_REL = REL_NS + "/sharedStrings"
WORKBOOK_PART, WORKBOOK_RELS, STYLES_PART = "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"
SHARED_STRINGS_PART, CUSTOM_PART, CORE_PART = "xl/sharedStrings.xml", "docProps/custom.xml", "docProps/core.xml"
SHEET_STATES = ("visible", "hidden", "veryHidden")
MAX_ROW, MAX_COLUMN = 1048576, 16384

# One regular expression finds every row and cell start tag of a sheet, as Excel, WPS and
# openpyxl write them: <row r="N" …> and <c r="A1" s="3" t="n"> followed by nothing (</c> or
# />), one <v>…</v>, or an inline string <is>. A cell written any other way is not matched, and
# the counts of row and cell elements tell.
_TOKENS = re.compile(
    rb'<row r="([0-9]{1,7})"'
    rb'|<c r="(([A-Z]{1,3})([0-9]{1,7}))"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?'
    rb'(?:/>|>(?:</c>|<v>([^<]*)</v></c>|(<is>)))')
_ROW_TAGS = re.compile(rb"<row[\s/>]")  # every row and cell element, however written
_CELL_TAGS = re.compile(rb"<c[\s/>]")
_ROW_NUMBERS = re.compile(rb'<row r="([0-9]{1,7})"')
_CELL_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})')
_NUMBER = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_ENCODING = re.compile(rb'^<\?xml[^>]*?encoding=["\']([^"\']*)["\']')
_FORMULA = re.compile(rb"<f[\s/>]")
# Text calamine reads differently (see the module docstring): _xHHHH_ escapes; a <t> without
# xml:space="preserve" with whitespace (or its reference) at either end; two plain <t> in a
# row, or a plain <t> after a run.
_WS = rb"(?:[ \t\r\n]|&#(?:0*(?:32|9|10|13)|[xX]0*(?:20|9|[aAdD]));)"
# Each pattern starts with a literal, so that re skips to it instead of trying every byte.
_TEXT_RISKS = ((re.compile(rb"_x[0-9A-Fa-f]{4}_"), "有 _xHHHH_ 转义（calamine 解码，openpyxl 不解码）"),
               (re.compile(rb"<t>" + _WS), "有首尾空白（calamine 删去）"),
               (re.compile(rb"</t><t[\s/>]"), "有多段文字（calamine 与 openpyxl 拼接不同）"),
               (re.compile(rb"</r><t[\s/>]"), "有多段文字（calamine 与 openpyxl 拼接不同）"),
               (re.compile(rb'<t\s(?!xml:space="preserve">)'), "的 <t> 有非常规属性"))
# Whitespace before </t>, searched in the reversed bytes so that the pattern starts with a literal.
_TRAILING_WS = re.compile(rb">t/<(?:[ \t\r\n]|;(?:(?:23|9|01|31)0*#&|(?:02|9|[aAdD])0*[xX]#&))")
_DIMENSION = re.compile(rb'<dimension\b[^>]*?\bref="([^"]*)"')


def _refuse(reason: str):
    raise Refused(reason)


def _expat_check(data: bytes, part: str) -> None:
    """Well-formed XML as ElementTree (expat, with namespaces) — the parser openpyxl uses for
    sheets and shared strings — sees it; else refuse, and openpyxl reports the damage."""
    parser = expat.ParserCreate(None, "}")
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        _refuse(f"部件 {part} 不是有效的 XML")


def _text_risk(data: bytes) -> str | None:
    """What text in ``data`` calamine reads differently from openpyxl (see :data:`_TEXT_RISKS`), or None.

    >>> _text_risk(b'<t xml:space="preserve"> a </t>'), _text_risk(b"<t>a&#32;</t>"), _text_risk(b"<t>a</t><t>b</t>")
    (None, '有首尾空白（calamine 删去）', '有多段文字（calamine 与 openpyxl 拼接不同）')
    """
    for pattern, risk in _TEXT_RISKS:
        if pattern.search(data):
            return risk
    reversed_data = data[::-1]
    for match in _TRAILING_WS.finditer(reversed_data):  # trailing whitespace matters only in a <t> without attributes
        end = len(data) - match.start() - 4  # where </t> starts
        if data.startswith(b"<t>", data.rfind(b"<t", 0, end)):
            return "有首尾空白（calamine 删去）"
    return None


def _plain_xml(data: bytes, part: str) -> None:
    """No DOCTYPE, comment or CDATA (``<!``) and no processing instruction but the declaration."""
    declaration = data.startswith(b"<?xml") and data[5:6] in (b" ", b"\t", b"\r", b"\n", b"?")
    if b"<!" in data or data.find(b"<?", 2 if declaration else 0) != -1:
        _refuse(f"部件 {part} 含 DOCTYPE、注释、CDATA 或处理指令")


def _default_namespace(data: bytes, part: str, root: bytes) -> None:
    """The main namespace is the default namespace of the root element, declared once: every
    unprefixed element is then openpyxl's (a prefixed <x:c> would escape the scan)."""
    ns = MAIN_NS.encode()
    start = data.find(b"<" + root)
    head = data[start:data.find(b">", start) + 1] if start >= 0 else b""
    if not head or b'xmlns="' + ns + b'"' not in head or data.count(ns) != 1 or data.count(b'xmlns="') != 1:
        _refuse(f"部件 {part} 的命名空间不是常规写法")


class _Package:
    """The zip read once from the file's bytes (calamine reads the same bytes)."""

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            _refuse("压缩包无法打开")
        self.names = set(self.zip.namelist())
        lowered = [name.lower() for name in self.names]
        if len(set(lowered)) != len(lowered):
            _refuse("压缩包中有仅大小写不同的部件名")

    def read(self, name: str) -> bytes:
        try:
            return self.zip.read(name)
        except KeyError:
            _refuse(f"缺少部件 {name}")
        except PART_ERRORS + (OSError, ValueError, NotImplementedError):
            _refuse(f"部件 {name} 的压缩数据已损坏")

    def xml(self, name: str):
        """A workbook-level part parsed by the parser openpyxl uses for it."""
        from openpyxl.xml.functions import fromstring

        data = self.read(name)
        _plain_xml(data, name)
        try:
            return fromstring(data)
        except Exception:  # noqa: BLE001 — lxml or ElementTree, whichever openpyxl uses
            _refuse(f"部件 {name} 不是有效的 XML")


def _int(text: str | None, what: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        _refuse(f"{what} 不是整数")


def _rels_targets(package: _Package) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part) of the workbook, resolved as openpyxl resolves them."""
    root = package.xml(WORKBOOK_RELS)
    rels: dict[str, tuple[str, str]] = {}
    for rel in root:
        if rel.tag != f"{{{PKG_REL_NS}}}Relationship":
            _refuse("workbook.xml.rels 中有非常规元素")
        rid, kind, target = rel.get("Id"), rel.get("Type"), rel.get("Target")
        if not rid or not kind or target is None or rid in rels:
            _refuse("workbook.xml.rels 中的关系不完整或重复")
        if rel.get("TargetMode") == "External":
            rels[rid] = (kind, "")
            continue
        target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        rels[rid] = (kind, target)
    return rels


def _shared_strings(package: _Package, rels: dict) -> bytes | None:
    """The shared strings part where both openpyxl (content types) and calamine find it, or None."""
    root = package.xml("[Content_Types].xml")
    if root.tag != f"{{{CT_NS}}}Types":
        _refuse("[Content_Types].xml 不是常规写法")
    overrides = [(el.get("PartName"), el.get("ContentType")) for el in root if el.tag == f"{{{CT_NS}}}Override"]
    types = [kind for _, kind in overrides]
    if any(kind in OTHER_WORKBOOK_TYPES for kind in types):
        _refuse("不是普通的 .xlsx 工作簿（启用宏或模板）")
    workbook = next((part for part, kind in overrides if kind == WORKBOOK_TYPE), None)
    if workbook != "/" + WORKBOOK_PART:
        _refuse("工作簿部件不是 xl/workbook.xml")
    strings = next((part for part, kind in overrides if kind == SHARED_STRINGS_TYPE), None)
    related = [target for kind, target in rels.values() if kind == SHARED_STRINGS_REL]
    present = any(name.lower() == SHARED_STRINGS_PART.lower() for name in package.names)
    if strings is None and not related and not present:
        return None
    if strings != "/" + SHARED_STRINGS_PART or related not in ([], [SHARED_STRINGS_PART]):
        _refuse("共享字符串部件的位置不是常规写法")
    data = package.read(SHARED_STRINGS_PART)
    _plain_xml(data, SHARED_STRINGS_PART)
    _expat_check(data, SHARED_STRINGS_PART)
    _default_namespace(data, SHARED_STRINGS_PART, b"sst")
    risk = _text_risk(data) or ("有 x005F_（openpyxl 删去）" if b"x005F_" in data else None)
    if risk:
        _refuse(f"共享字符串中的文字{risk}")
    return data


def _styles(package: _Package) -> tuple[dict[bytes, str], set[bytes]]:
    """The number format of each cellXfs style, exactly as openpyxl's read-only cell reports it,
    by the ``s`` attribute as written (``b"3"``; ``b""``: no attribute, style 0), and the styles
    whose numbers openpyxl reads as dates or times."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE, is_date_format

    if STYLES_PART not in package.names:
        _refuse("缺少 xl/styles.xml")
    root = package.xml(STYLES_PART)
    main = f"{{{MAIN_NS}}}"
    custom: dict[int, str] = {}
    for fmt in root.findall(f"{main}numFmts/{main}numFmt"):  # not those of dxfs (conditional formats)
        code = fmt.get("formatCode")
        if code is None:
            _refuse("数字格式缺少 formatCode")
        custom[_int(fmt.get("numFmtId"), "numFmtId")] = code
    xfs = root.find(main + "cellXfs")
    if xfs is None or not len(xfs):
        _refuse("styles.xml 没有 cellXfs")
    formats: dict[bytes, str] = {}
    dates: set[bytes] = set()
    for index, xf in enumerate(xfs.findall(main + "xf")):
        key = str(index).encode("ascii")
        number = _int(xf.get("numFmtId", "0"), "numFmtId")
        if number in custom:
            code = custom[number]
        elif number < BUILTIN_FORMATS_MAX_SIZE:
            code = BUILTIN_FORMATS.get(number)
        else:
            _refuse(f"样式使用了未定义的数字格式 {number}")
        formats[key] = code or "General"
        if is_date_format(code):
            dates.add(key)
    formats[b""] = formats[b"0"]  # no s attribute: style 0
    if b"0" in dates:
        dates.add(b"")
    return formats, dates


def _custom_properties(package: _Package) -> list[Property]:
    """docProps/custom.xml as openpyxl reads it; only text properties (what an export writes)."""
    if CUSTOM_PART not in package.names:
        return []
    root = package.xml(CUSTOM_PART)
    if root.tag != f"{{{CUSTOM_NS}}}Properties":
        _refuse("custom.xml 不是常规写法")
    props = []
    for prop in root:
        if prop.tag != f"{{{CUSTOM_NS}}}property" or prop.get("name") is None or prop.get("linkTarget") is not None:
            _refuse("custom.xml 中有非常规的属性")
        _int(prop.get("pid"), "pid")
        children = list(prop)
        if len(children) != 1 or children[0].tag != f"{{{VT_NS}}}lpwstr" or len(children[0]):
            _refuse("custom.xml 中有非文本类型的属性")
        props.append(Property(prop.get("name"), children[0].text))
    return props


def _workbook(package: _Package, rels: dict) -> tuple[list[tuple[str, str, str]], dict[int, dict[str, Name]]]:
    """[(title, state, part)] of the sheets and their sheet-scoped names, as openpyxl assigns them."""
    from openpyxl.workbook.defined_name import RESERVED_REGEX
    from openpyxl.worksheet.print_settings import PrintArea, PrintTitles

    root = package.xml(WORKBOOK_PART)
    main = f"{{{MAIN_NS}}}"
    if root.tag != main + "workbook" or len(root.findall(main + "sheets")) != 1 or len(root.findall(main + "definedNames")) > 1:
        _refuse("workbook.xml 不是常规写法")
    sheets = []
    for sheet in root.find(main + "sheets"):
        if sheet.tag != main + "sheet":
            _refuse("workbook.xml 的 <sheets> 中有非常规元素")
        title, rid, state = sheet.get("name"), sheet.get(f"{{{REL_NS}}}id"), sheet.get("state", "visible")
        _int(sheet.get("sheetId"), "sheetId")
        if not title or not rid or state not in SHEET_STATES:
            _refuse("workbook.xml 中的工作表定义不完整")
        kind, part = rels.get(rid, (None, None))
        if kind != WORKSHEET_REL or not re.fullmatch(r"xl/worksheets/[^/]+\.xml", part or "") or part not in package.names:
            _refuse(f"工作表「{title}」不是普通工作表，或其部件缺失")
        sheets.append((title, state, part))
    if len({part for _, _, part in sheets}) != len(sheets) or len({title for title, _, _ in sheets}) != len(sheets):
        _refuse("工作表名称重复，或两个工作表指向同一部件")  # calamine finds a sheet by its name
    names: dict[int, dict[str, Name]] = {}
    for defined in root.findall(f"{main}definedNames/{main}definedName"):
        name, local = defined.get("name"), defined.get("localSheetId")
        if name is None:
            _refuse("定义名称缺少 name")
        if local is None:
            continue
        index = _int(local, "localSheetId")
        if not 0 <= index < len(sheets):
            _refuse("定义名称指向不存在的工作表")
        text = defined.text or None
        reserved = RESERVED_REGEX.match(name) if name.startswith("_xlnm.") else None
        try:
            if reserved and reserved.group("name") == "Print_Titles":
                PrintTitles.from_string(text)
            elif reserved and reserved.group("name") == "Print_Area":
                try:
                    PrintArea.from_string(text)
                except TypeError:
                    pass
        except Exception:  # noqa: BLE001 — openpyxl refuses the file; let it say so
            _refuse(f"打印区域定义「{text}」无法解析")
        if not reserved:
            names.setdefault(index, {})[name] = Name(name, text)
    return sheets, names


def _guard_sheet(data: bytes, part: str) -> int:
    """The checks of one sheet part that need no cell-by-cell work: refuses what calamine reads
    differently; returns the number of cells of the rectangle holding the sheet's cells (what
    calamine would hold in memory)."""
    declared = _ENCODING.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        _refuse(f"部件 {part} 不是 UTF-8 编码")
    _plain_xml(data, part)
    _expat_check(data, part)
    _default_namespace(data, part, b"worksheet")
    if _FORMULA.search(data):
        _refuse(f"部件 {part} 含公式")
    risk = _text_risk(data) if b"<is>" in data else None
    if risk:
        _refuse(f"部件 {part} 中的文字{risk}")
    dimension = _DIMENSION.search(data)
    if dimension:  # openpyxl parses the first <dimension> when it opens the sheet
        from openpyxl.utils.cell import range_boundaries

        try:
            range_boundaries(dimension.group(1).decode("ascii"))
        except (ValueError, TypeError, UnicodeDecodeError):
            _refuse(f"部件 {part} 的 <dimension> 无法解析")
    rows = [int(row) for row in _ROW_NUMBERS.findall(data)]
    letters = set(_CELL_COLUMNS.findall(data))
    if not rows or not letters:
        return 0
    columns = [_column(column) for column in letters]
    if max(rows) > MAX_ROW or max(columns) > MAX_COLUMN:
        _refuse(f"部件 {part} 有超出 Excel 范围的单元格")
    return (max(rows) - min(rows) + 1) * (max(columns) - min(columns) + 1)


_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    """Column number of ``b"AB"`` (28); remembered in :data:`_COLUMNS`."""
    index = _COLUMNS.get(letters)
    if index is None:
        index = 0
        for char in letters:
            index = index * 26 + char - 64
        _COLUMNS[letters] = index
    return index


def _sheet_rows(data: bytes, part: str, styles: dict, dates: set, has_strings: bool, grid: list, top: int,
                left: int) -> list[list[Cell]]:
    """The cells of one sheet that hold a value, row by row: positions, types and number formats
    from the XML (scanned, never parsed into a tree), values from calamine's ``grid`` (whose
    first row and column are ``top`` and ``left``). Refuses what openpyxl would read otherwise
    (cells or rows out of order: openpyxl drops some of them) and any disagreement between the
    XML and calamine. A blank cell's style is never looked at (nor is it by openpyxl's path)."""
    rows: list[list[Cell]] = []
    row_cells: list[Cell] = []
    grid_row: list = []
    row_tags = seen = 0
    row_digits, row_number, last_column, width = b"", 0, 0, 0
    columns = _COLUMNS
    tokens = _TOKENS.findall(data)  # b"" for an absent group
    for row_text, ref, letters, digits, style, kind, value_text, inline in tokens:
        if row_text:
            row_tags += 1
            number = int(row_text)
            if number <= row_number:
                _refuse(f"部件 {part} 的行不是按顺序写的")
            row_digits, row_number, last_column = row_text, number, 0
            row_cells = []
            rows.append(row_cells)
            y = number - top
            grid_row = grid[y] if 0 <= y < len(grid) else []
            width = len(grid_row)
            continue
        column = columns.get(letters) or _column(letters)
        if column <= last_column or digits != row_digits:
            _refuse(f"部件 {part} 的单元格不是按顺序写的")
        last_column = column
        if not value_text and not inline:
            continue  # no value (openpyxl: None)
        number_format = styles.get(style)
        if number_format is None:
            _refuse(f"部件 {part} 的样式编号超出 cellXfs")
        x = column - left
        value = grid_row[x] if 0 <= x < width else ""
        if inline or kind == b"s":
            if inline and kind != b"inlineStr" or kind == b"s" and (not has_strings or not value_text.isdigit()):
                _refuse(f"部件 {part} 有非常规的文字单元格")
            if value == "" or value is None:
                value = ""  # an empty string: openpyxl keeps the cell, calamine shows a blank
            elif type(value) is not str:
                _refuse(f"部件 {part} 的文字与 calamine 读到的不一致")
            else:
                seen += 1
            data_type = "s"
        elif not kind or kind == b"n":
            if not _NUMBER.fullmatch(value_text):
                _refuse(f"部件 {part} 有非常规写法的数字")
            if style in dates:
                _refuse(f"部件 {part} 有日期或时间格式的数字")
            if type(value) is not float and type(value) is not int or value != float(value_text):
                _refuse(f"部件 {part} 的数字与 calamine 读到的不一致")
            seen += 1
            if b"." in value_text or b"e" in value_text or b"E" in value_text:
                value = float(value)
            else:
                value = int(value_text)  # as openpyxl reads it; calamine reads a float (past 2**53 rounded)
            data_type = "n"
        elif kind == b"b":
            if value_text not in (b"0", b"1") or type(value) is not bool:
                _refuse(f"部件 {part} 的布尔值与 calamine 读到的不一致")
            seen += 1
            data_type = "b"
        else:  # e (error), str (formula text), d (ISO date), inlineStr with a <v>, or unknown
            _refuse(f"部件 {part} 有 t=\"{kind.decode('ascii', 'replace')}\" 的单元格")
        row_cells.append(Cell(value, data_type, row_number, column, ref.decode("ascii"), number_format))
    if row_tags != len(_ROW_TAGS.findall(data)) or len(tokens) - row_tags != len(_CELL_TAGS.findall(data)):
        _refuse(f"部件 {part} 的行或单元格不是常规写法")
    if seen != sum(len(row) - row.count("") - row.count(None) for row in grid):
        _refuse(f"部件 {part} 中 calamine 读到的值与 XML 不一致")
    return [row for row in rows if row]


def _read_calamine(path: str | Path) -> Book:
    """The fast reader: a :class:`Book` from python-calamine and the package XML, or
    :class:`Refused`. The caller has checked the package limits (:func:`read_submission`)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        _refuse("只有 .xlsx 用 calamine 读取")
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        _refuse("未安装 python-calamine")
    try:
        # A Strict Open XML package is read through the transitional copy openpyxl reads (the
        # namespaces mapped): both readers then see the same parts, and calamine its usual ones.
        strict = transitional_copy(path)
        content = strict.getvalue() if strict is not None else path.read_bytes()
    except OSError:
        _refuse("文件无法读取")
    except (zipfile.BadZipFile, ValueError, EOFError) + PART_ERRORS:
        _refuse("压缩包无法打开")
    package = _Package(content)
    rels = _rels_targets(package)
    sheets, names = _workbook(package, rels)
    strings = _shared_strings(package, rels)
    formats, dates = _styles(package)
    props = _custom_properties(package)
    if CORE_PART in package.names:
        package.xml(CORE_PART)
    parts = []
    for title, _state, part in sheets:
        data = package.read(part)
        if _guard_sheet(data, part) > MAX_GRID_CELLS:
            _refuse(f"工作表「{title}」的单元格范围过大")
        parts.append(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if list(workbook.sheet_names) != [title for title, _, _ in sheets] or any(
                str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet" for meta in workbook.sheets_metadata):
            _refuse("calamine 读到的工作表与 workbook.xml 不一致")
        worksheets = []
        for index, ((title, state, part), data) in enumerate(zip(sheets, parts)):
            grid, top, left = [], 1, 1
            if b"<v>" in data or b"<is>" in data:
                sheet = workbook.get_sheet_by_index(index)
                if sheet.start is not None:
                    grid = sheet.to_python(skip_empty_area=True)
                    top, left = sheet.start[0] + 1, sheet.start[1] + 1
            rows = _sheet_rows(data, part, formats, dates, strings is not None, grid, top, left)
            worksheets.append(CalamineSheet(title, state, names.get(index, {}), rows))
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 — calamine raises its own types for what it cannot read
        _refuse(f"calamine 无法读取（{type(exc).__name__}：{exc}）")
    return Book(worksheets, props, "calamine")
