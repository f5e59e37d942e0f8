"""Read 项目支出绩效自评表 sheets from an .xlsx file into :mod:`toolkit.forms.project.model` objects.

Fields are found through the sheet-scoped defined names of :mod:`toolkit.forms.project.layout`; their
printed labels are checked so that a deleted row is reported instead of misread.
Every failure raises :class:`~toolkit.core.problems.ToolkitError` with a Chinese message naming
the file, sheet and cell.

Example::

    >>> book = read_workbook("samples/seed003_项目支出绩效自评表.xlsx")
    >>> [form.name for form in book.forms][:1]                         
    ['社会保险转移接续工作外包服务']
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from toolkit.forms.project import layout
from toolkit.workbook.meta import Registry, read_meta
from toolkit.forms.project.model import CellValue, FundRow, IndicatorRow, ProjectForm
from toolkit.core.problems import Flag, ToolkitError

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_REF = re.compile(r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^!]+))!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)"
                  r"(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$")


@dataclass
class WorkbookData:
    """Everything read from one file: its forms, its metadata and non-fatal findings."""

    path: Path
    forms: list[ProjectForm]
    meta: dict[str, str]
    registry: Registry
    flags: list[Flag] = field(default_factory=list)


def check_file_kind(path: Path) -> None:
    """Raise a clear error unless ``path`` looks like an .xlsx/.xlsm package.

    >>> check_file_kind(Path("/nonexistent.xlsx"))
    Traceback (most recent call last):
    ...
    toolkit.core.problems.ToolkitError: 文件「/nonexistent.xlsx」不存在。
    """
    if not path.exists():
        raise ToolkitError(f"文件「{path}」不存在。")
    if path.is_dir():
        raise ToolkitError(f"「{path}」是文件夹，不是 Excel 文件。")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE_MAGIC:
        if _is_encrypted_ole(path):
            raise ToolkitError(f"文件「{path.name}」设置了打开密码，工具无法读取。请在 Excel/WPS 中"
                               "「文件 → 信息 → 保护工作簿 → 用密码进行加密」清除密码后另存，再试。")
        raise ToolkitError(f"文件「{path.name}」是旧版 .xls 格式。请在 Excel/WPS 中另存为"
                           "「Excel 工作簿 (*.xlsx)」后再试。")
    if not head.startswith(b"PK"):
        raise ToolkitError(f"文件「{path.name}」不是 Excel 工作簿（.xlsx）：请确认文件类型，"
                           "或用 Excel/WPS 打开后另存为 .xlsx。")
    if not zipfile.is_zipfile(path):
        raise ToolkitError(f"文件「{path.name}」已损坏（压缩包结构不完整），无法打开。请重新保存或重新获取该文件。")


def _is_encrypted_ole(path: Path) -> bool:
    try:
        import olefile
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except Exception:  # an unreadable OLE file is reported as .xls by the caller
        return False


def open_workbook(path: Path, *, data_only: bool = True):
    """Open with openpyxl after :func:`check_file_kind`; any failure becomes a ToolkitError."""
    path = Path(path)
    check_file_kind(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            return load_workbook(path, data_only=data_only, keep_vba=path.suffix.lower() == ".xlsm",
                                 rich_text=False)
    except Exception as exc:  # openpyxl raises many types for damaged packages
        raise ToolkitError(f"文件「{path.name}」无法作为 Excel 工作簿读取（{type(exc).__name__}：{exc}）。"
                           "文件可能已损坏，请用 Excel/WPS 打开后重新保存。") from None


def read_workbook(path: str | Path) -> WorkbookData:
    """Read every project form in the workbook at ``path``."""
    path = Path(path)
    wb = open_workbook(path)
    return read_openpyxl_book(wb, path)


def read_openpyxl_book(wb, path: Path, formula_wb=None) -> WorkbookData:
    """Read every form (project and department) of an openpyxl workbook.

    ``wb`` holds values (cached formula results); ``formula_wb``, the same file opened with
    formulas, marks the clerk's formula cells so they are never overwritten.
    """
    meta, registry = read_meta(wb)
    if not meta:
        meta = export_meta(wb)
    forms: list = []
    for ws in wb.worksheets:
        if layout.GRID_HEADER_NAME in ws.defined_names:
            formula_ws = formula_wb[ws.title] if formula_wb is not None else None
            forms.append(read_project_sheet(SheetAccess.from_openpyxl(ws, formula_ws), registry, path.name))
    from toolkit.forms.department.reader import read_department_forms  # department workbooks (部门整体)
    forms += read_department_forms(wb, registry, path.name, meta)
    strays = [Flag("form_without_names", "error", None,
                   f"工作表「{ws.title}」像是一张自评表，但没有模板的字段名称（多半是把单元格复制粘贴到了新工作表），"
                   "因此没有评分，导出时也不会包含它。请在模板上右键工作表标签「移动或复制 → 建立副本」来增加项目，"
                   "再把内容填进去。", sheet=ws.title)
              for ws in wb.worksheets if _looks_like_unnamed_form(ws)]
    book = assemble_book(path, forms, meta, registry)
    book.flags.extend(strays)
    return book


_FORM_MARKERS = ("项目支出绩效自评表", "三级指标", "部门整体支出绩效")


def _looks_like_unnamed_form(ws) -> bool:
    """A visible sheet with a form's title or headers but none of the template's names."""
    if getattr(ws, "sheet_state", "visible") != "visible" or ws.title in (layout.CHECK_SHEET, layout.INSTRUCTIONS_SHEET):
        return False
    if any(name.startswith(("JX_", "JXD_")) for name in ws.defined_names):
        return False
    for index, row in enumerate(ws.iter_rows(values_only=True)):
        if index >= 20:
            break
        if any(isinstance(v, str) and any(marker in v for marker in _FORM_MARKERS) for v in row):
            return True
    return False


def export_meta(wb) -> dict[str, str]:
    """Template id/version of an exported workbook, which has no hidden sheet: they travel in
    the ``jx.*`` custom document properties (see :mod:`toolkit.submission.fingerprint`)."""
    props = {p.name: str(p.value) for p in getattr(wb, "custom_doc_props", []) if p.name}
    return {key: props[f"jx.{key}"] for key in ("template_id", "template_version", "profile_id") if f"jx.{key}" in props}


def known_templates() -> dict[str, str]:
    """Template id → version this toolkit reads (project and department forms)."""
    from toolkit.forms.department import layout as department_layout
    return {layout.TEMPLATE_ID: layout.TEMPLATE_VERSION,
            department_layout.TEMPLATE_ID: department_layout.TEMPLATE_VERSION}


def assemble_book(path: Path, forms: list, meta: dict[str, str], registry: Registry) -> WorkbookData:
    """Workbook-level checks shared by every reader (openpyxl files, the live Excel book).

    Raises when no form was found or the workbook is of another template; a missing or
    different template version is a warning flag, so old files are still read.
    """
    if not forms:
        raise ToolkitError(f"文件「{path.name}」中没有可识别的自评表：没有任何工作表带有模板的字段名称"
                           f"（{layout.GRID_HEADER_NAME} 等）。请使用 templates/ 下的模板（项目支出绩效自评表、"
                           "部门整体支出绩效）填报，或从模板复制工作表。")
    flags: list[Flag] = []
    templates = known_templates()
    template_id = meta.get("template_id")
    if template_id and template_id not in templates:
        raise ToolkitError(f"文件「{path.name}」使用的模板「{template_id}」不是本工具的模板"
                           f"（可识别：{'、'.join(templates)}）。")
    if not template_id:
        flags.append(Flag("template_meta_missing", "warning", None,
                          "工作簿缺少模板标识（隐藏的 _jx_meta 表），无法确认模板版本；已按当前版本读取。"))
    elif meta.get("template_version") != templates[template_id]:
        flags.append(Flag("template_version", "warning", None,
                          f"模板版本为 {meta.get('template_version')}，当前工具对应 {templates[template_id]}；"
                          "已按当前版本读取，请核对。"))
    return WorkbookData(path=path, forms=forms, meta=meta, registry=registry, flags=flags)


@dataclass
class SheetAccess:
    """The minimum a reader needs from a sheet: its title, its names, and cell values.

    The same reader serves openpyxl worksheets and whole-range reads from xlwings.
    ``values`` maps (row, column) → value; ``formats`` maps (row, column) → number format.
    """

    title: str
    names: dict[str, str]
    values: dict
    formats: dict
    formulas: set = field(default_factory=set)  # (row, column) of cells holding a formula

    @classmethod
    def from_openpyxl(cls, ws, formula_ws=None) -> "SheetAccess":
        """``ws`` from a values (data_only) workbook; ``formula_ws``, the same sheet of the
        formula workbook, tells which cells are formulas (their cached value may be absent)."""
        names = {name: dn.attr_text for name, dn in ws.defined_names.items()}
        values, formats = {}, {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    values[(cell.row, cell.column)] = cell.value
                    if cell.number_format and cell.number_format != "General":
                        formats[(cell.row, cell.column)] = cell.number_format
        formulas = set()
        if formula_ws is not None:
            formulas = {(c.row, c.column) for row in formula_ws.iter_rows() for c in row if c.data_type == "f"}
        return cls(ws.title, names, values, formats, formulas)

    def get(self, row: int, col: int) -> object:
        return self.values.get((row, col))


@dataclass(frozen=True)
class _NameRef:
    attr_text: str


@dataclass(frozen=True)
class _CellView:
    value: object
    number_format: str


class AccessWorksheet:
    """The slice of openpyxl's Worksheet API that the department reader uses, over a
    :class:`SheetAccess` — so a live Excel sheet read in one range read serves it too.

    >>> ws = AccessWorksheet(SheetAccess("评分表", {"JXD_X": "$B$2"}, {(2, 2): 5}, {}))
    >>> ws.cell(2, 2).value, ws.max_row, ws.defined_names["JXD_X"].attr_text
    (5, 2, '$B$2')
    """

    def __init__(self, access: SheetAccess):
        self.access = access
        self.title = access.title
        self.defined_names = {name: _NameRef(text) for name, text in access.names.items()}
        self.max_row = max((row for row, _ in access.values), default=0)

    def cell(self, row: int, column: int) -> _CellView:
        return _CellView(self.access.get(row, column), self.access.formats.get((row, column), "General"))


@dataclass
class AccessWorkbook:
    """A workbook of :class:`AccessWorksheet` (``worksheets`` is all the department reader needs)."""

    worksheets: list[AccessWorksheet]


def read_project_sheet(sheet: SheetAccess, registry: Registry, file_name: str) -> ProjectForm:
    """Read one project sheet; structural damage raises ToolkitError naming the cell."""

    def where(ref: str = "") -> str:
        return f"文件「{file_name}」工作表「{sheet.title}」" + (f"单元格 {ref}" if ref else "")

    def resolve(name: str) -> tuple[int, int, int, int]:
        text = sheet.names.get(name)
        if text is None:
            raise ToolkitError(f"{where()}缺少字段名称 {name}：表格结构不是本模板，或名称被删除。"
                               "请从模板重新复制该工作表。")
        match = _REF.match(text.strip())
        if not match:
            raise ToolkitError(f"{where()}的字段 {name} 指向已删除的单元格（{text}），"
                               f"很可能删除了「{_label_of(name)}」所在的行或列。请撤销删除或从模板重新复制该工作表。")
        c1, r1 = column_index_from_string(match["c1"]), int(match["r1"])
        c2 = column_index_from_string(match["c2"]) if match["c2"] else c1
        r2 = int(match["r2"]) if match["r2"] else r1
        return r1, c1, r2, c2

    def cell(row: int, col: int, anchor: str = "") -> CellValue:
        ref = f"{get_column_letter(col)}{row}"
        value = sheet.get(row, col)
        return CellValue(ref, value, sheet.formats.get((row, col)),
                         tool_filled=registry.is_tool_value(sheet.title, anchor or ref, value),
                         formula=(row, col) in sheet.formulas, anchor=anchor)

    fields: dict[str, CellValue] = {}
    for key, spec in layout.FIELDS.items():
        row, col, _, _ = resolve(spec.name)
        fields[key] = cell(row, col, f"field:{key}")

    # 项目资金 block: check the row labels so a deleted row is reported, not misread.
    r1, c1, r2, c2 = resolve(layout.FUND_BLOCK_NAME)
    if r2 - r1 + 1 != len(layout.FUND_ROWS) or c2 - c1 + 1 != len(layout.FUND_COLUMNS):
        raise ToolkitError(f"{where(f'{get_column_letter(c1)}{r1}')}：项目资金表应有 {len(layout.FUND_ROWS)} 行"
                           f"（{'、'.join(label for _, label in layout.FUND_ROWS)}），现为 {r2 - r1 + 1} 行；"
                           "可能删除或插入了资金行。请恢复模板的资金表结构。")
    funds: dict[str, FundRow] = {}
    for offset, (key, label) in enumerate(layout.FUND_ROWS):
        row = r1 + offset
        found = cell(row, c1).text.replace(":", "：")
        if _squash(found) != _squash(label):
            raise ToolkitError(f"{where(f'{get_column_letter(c1)}{row}')}应为「{label}」，实际为「{found}」："
                               "资金表的行被改动或删除。请恢复模板结构。")
        cells = {column: cell(row, c1 + index, f"fund:{key}:{column}")
                 for index, column in enumerate(layout.FUND_COLUMNS)}
        funds[key] = FundRow(key=key, **cells)

    header_row, hc1, _, hc2 = resolve(layout.GRID_HEADER_NAME)
    for index, expected in enumerate(layout.GRID_HEADERS):
        found = cell(header_row, hc1 + index).text
        if _squash(found) != _squash(expected):
            ref = f"{get_column_letter(hc1 + index)}{header_row}"
            raise ToolkitError(f"{where(ref)}应为表头「{expected}」，实际为「{found}」：指标表的列被改动。"
                               "请恢复模板的列结构（不要删除或插入列）。")
    total_row, total_col, _, _ = resolve(layout.FIELDS["total_score"].name)
    if total_row <= header_row:
        raise ToolkitError(f"{where()}的「总分」行位于指标表头之上，表格结构已被破坏。")

    tool_col = hc2 + 1
    indicators: list[IndicatorRow] = []
    level1 = level2 = ""
    seen_labels: dict[str, int] = {}
    for row in range(header_row + 1, total_row):
        # A row is known by its 三级指标 text (and which occurrence of it), not its number,
        # so the tool's earlier values are recognised after the clerk inserts rows above.
        label = str(sheet.get(row, hc1 + layout.GRID_COLUMNS.index("level3")) or "").strip()
        seen_labels[label] = seen_labels.get(label, 0) + 1
        row_anchor = f"grid:{label}#{seen_labels[label]}" if label else ""
        cells = {column: cell(row, hc1 + index, f"{row_anchor}:{column}" if row_anchor else "")
                 for index, column in enumerate(layout.GRID_COLUMNS)}
        if cells["level1"].text:
            if cells["level1"].text != level1:
                level2 = ""
            level1 = cells["level1"].text
        if cells["level2"].text:
            level2 = cells["level2"].text
        content = ("level3", "target", "actual", "weight", "score", "reason")
        if all(cells[column].text == "" for column in content):
            continue  # an unused template row
        indicators.append(IndicatorRow(
            row=row, level1=level1, level2=level2,
            level3=cells["level3"], target=cells["target"], actual=cells["actual"],
            weight=cells["weight"], score=cells["score"], reason=cells["reason"],
            computed_ref=f"{get_column_letter(tool_col)}{row}",
            explanation_ref=f"{get_column_letter(tool_col + 1)}{row}",
        ))

    fund_row = r1
    return ProjectForm(
        sheet=sheet.title, fields=fields, funds=funds, indicators=indicators,
        fund_computed_ref=f"{get_column_letter(tool_col)}{fund_row}",
        fund_explanation_ref=f"{get_column_letter(tool_col + 1)}{fund_row}",
        total_computed_ref=f"{get_column_letter(tool_col)}{total_row}",
        total_explanation_ref=f"{get_column_letter(tool_col + 1)}{total_row}",
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _label_of(name: str) -> str:
    for spec in layout.FIELDS.values():
        if spec.name == name:
            return spec.label
    return {"JX_Funds": "项目资金", "JX_IndicatorHeader": "指标表头"}.get(name, name)


def split_ref(ref: str) -> tuple[int, int]:
    """'H15' → (15, 8)."""
    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)
