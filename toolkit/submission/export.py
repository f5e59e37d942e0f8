"""Submission export (导出报送): the clerk's workbook as a clean, fingerprinted file to email.

``jixiao export INPUT.xlsx [-o OUT.xlsx|DIR] [--pdf] [--force] [--profile P]``

The workbook is scored first by the same engine as ``jixiao score``. If any *error* flag
remains the export is refused and the blocking problems are listed (exit status 4);
``--force`` exports anyway and marks the file 「含未解决问题」 (file name suffix, title and
the ``jx.status`` property).

What the export contains:

* the form sheets only, in their official layout — no 「校验结果」, no ``_jx_meta``, no
  填表说明, no other or hidden sheet; the two tool columns right of the grid
  (系统计算得分 / 计算说明) are removed, and so are comments, the flag colours, data
  validations, conditional formats, hyperlinks, external links, workbook-level names and
  macros;
* values only — the scored workbook's values (blank score cells the engine computed are
  filled); a formula is replaced by its cached value; text that starts with ``=`` is stored
  as text (``data_type "s"``), never as a formula;
* every value as the saved file holds it (:func:`as_stored`), so the fingerprint computed
  before saving is the one the bureau recomputes: a number keeps the 16 significant digits
  openpyxl writes; a date, time or duration becomes the Excel serial number it is saved as, read
  back as a date only where the cell's number format is a date format (a date typed into a
  cell formatted as a number *is* that number in Excel), to the whole second; a number that is
  not finite (±inf, NaN — Excel has no such value, and openpyxl would write an empty cell)
  becomes the Excel error ``#NUM!`` and is listed in the export's notes, never dropped silently;
* every cell locked, every sheet protected without a password (anyone may read; editing
  needs the protection removed deliberately), workbook structure locked; A4, fit to width;
* the sheet-scoped ``JX_*`` names, so the bureau reads the export with the same reader;
* document properties (title, subject, creator = unit, keywords, description, identifier =
  content SHA-256, created/modified = export time) and the fingerprint of
  :mod:`toolkit.submission.fingerprint` in custom document properties.

File name convention: ``<单位>_<年度>_<表名>.xlsx`` — 单位 is the 实施单位 of the first form,
else its 主管部门, else 「未填单位」; 年度 its 评价年度 (else 「未填年度」); 表名 the form's
title (项目支出绩效自评表; a department form would give 部门整体支出绩效自评表). A forced export
appends ``_含未解决问题``. Characters not allowed in Windows/macOS/Linux file names
(``\\ / : * ? " < > |`` and control characters) become ``_``, whitespace runs become one
space, leading/trailing dots and spaces are dropped, each part is cut to 60 characters and
Windows reserved names (CON, NUL, COM1 …) get a ``_`` prefix. ``-o`` naming a directory (or
ending in ``/``) puts the conventionally named file there; ``-o`` naming a file uses that
name; no ``-o`` writes beside the input.

``--pdf`` converts the export with LibreOffice (``soffice --headless --convert-to pdf``) to
an A4 PDF beside it.

Example::

    >>> export_filename("深圳市/社保局", 2021, "项目支出绩效自评表")
    '深圳市_社保局_2021_项目支出绩效自评表.xlsx'
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from toolkit import __version__
from toolkit.submission import fingerprint as fp
from toolkit.workbook.atomic import atomic_save
from toolkit.workbook.edits import KEEP
from toolkit.core.problems import SEVERITY_COLORS, SEVERITY_LABELS, Flag, ToolkitError
from toolkit.exits import EXIT_BLOCKED
from toolkit.forms import registry as kinds
from toolkit.workbook.io import open_workbook
from toolkit.workbook.sheets import TOOL_HEADER, split_ref
from toolkit.core.profile import Profile, load_profile

FORCED_MARK = "含未解决问题"
_FLAG_COLORS = set(SEVERITY_COLORS.values())
_BAD_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


class ExportBlocked(ToolkitError):
    """The workbook still has errors; ``flags`` are the blocking ones."""

    def __init__(self, path: Path, flags: list[Flag]):
        self.flags = flags
        lines = [f"「{path.name}」仍有 {len(flags)} 个错误，未导出。请修改后重新计算得分再导出"
                 f"（或加 --force 导出并标记为「{FORCED_MARK}」）："]
        lines += [f"  [{SEVERITY_LABELS[f.severity]}] {f.where}：{f.message}" for f in flags]
        super().__init__("\n".join(lines))


@dataclass
class ExportOutcome:
    """What :func:`export_file` produced."""

    output: Path
    fingerprint: dict[str, str]
    forced: bool
    blocking: list[Flag] = field(default_factory=list)
    results: list = field(default_factory=list)
    pdf: Path | None = None
    notes: list[str] = field(default_factory=list)  # values written otherwise than read (see as_stored)


def sanitize_part(text: object, fallback: str, limit: int = 60) -> str:
    """One part of a file name, safe on Windows, macOS and Linux.

    >>> sanitize_part(' 深圳市:社保局. ', "未填单位"), sanitize_part("", "未填单位"), sanitize_part("CON", "x")
    ('深圳市_社保局', '未填单位', '_CON')
    """
    value = "" if text is None else str(text)
    if isinstance(text, float) and text.is_integer():
        value = str(int(text))
    value = _BAD_CHARS.sub("_", value)
    value = re.sub(r"\s+", " ", value).strip(" .")[:limit].strip(" .")
    if not value:
        return fallback
    if value.split(".")[0].upper() in _RESERVED:
        value = "_" + value
    return value


def export_filename(unit: object, year: object, title: str, *, forced: bool = False) -> str:
    """The conventional export file name ``单位_年度_表名[_含未解决问题].xlsx``.

    >>> export_filename(None, 2021.0, "项目支出绩效自评表", forced=True)
    '未填单位_2021_项目支出绩效自评表_含未解决问题.xlsx'
    """
    parts = [sanitize_part(unit, "未填单位"), sanitize_part(year, "未填年度"), sanitize_part(title, "自评表")]
    if forced:
        parts.append(FORCED_MARK)
    return "_".join(parts) + ".xlsx"


def load_book_for_export(path: Path):
    """Open ``path`` for export: values only (cached formula results), macros dropped."""
    return open_workbook(path, data_only=True, keep_vba=False, keep_links=False)


def export_file(input_path: str | Path, output: str | Path | None = None, *,
                profile: Profile | str | None = None, force: bool = False, pdf: bool = False,
                now: _dt.datetime | None = None) -> ExportOutcome:
    """Score ``input_path`` and write the clean submission workbook (and PDF if asked).

    Raises :class:`ExportBlocked` when errors remain and ``force`` is false.

    >>> import tempfile
    >>> out = export_file("samples/seed003_项目支出绩效自评表.xlsx", tempfile.mkdtemp(), force=True)
    >>> out.output.name
    '深圳市社会保险基金管理局_2021_项目支出绩效自评表_含未解决问题.xlsx'
    """
    from toolkit.service import read_openpyxl_book, resolve_profile, score_book

    input_path = Path(input_path)
    if profile is not None and not isinstance(profile, Profile):
        profile = load_profile(profile)
    wb = load_book_for_export(input_path)
    book = read_openpyxl_book(wb, input_path)
    profile = resolve_profile(book, profile)
    results, plan = score_book(book, profile)
    blocking = [f for f in book.flags if f.severity == "error"]
    blocking += [f for r in results for f in r.flags if f.severity == "error"]
    if blocking and not force:
        raise ExportBlocked(input_path, blocking)
    forced = bool(blocking)

    # The scored workbook's values: apply the plan's value edits (fills, tool columns …).
    for (sheet, ref), edit in plan.edits.items():
        if edit.value is not KEEP and sheet in wb.sheetnames:
            wb[sheet][ref].value = edit.value

    # Official sheets are the template's: they carry its defined names (JX_… project, JXD_…
    # department 评分表 / 基础数据 / 目标完成情况自评表); everything else is a helper sheet.
    official = {form.sheet for form in book.forms} | {
        ws.title for ws in wb.worksheets if ws.sheet_state == "visible" and _has_template_names(ws)}
    by_sheet = {r.sheet: r for r in results}
    for ws in list(wb.worksheets) + list(getattr(wb, "chartsheets", [])):
        if ws.title not in official:
            wb.remove(ws)
    for ws in wb.worksheets:
        result = by_sheet.get(ws.title)
        tool_columns = [split_ref(item.computed_ref)[1] for item in result.items if item.computed_ref] if result else []
        tool_columns += _tool_header_columns(ws)
        _clean_sheet(ws, min(tool_columns) if tool_columns else None)
    _clean_workbook(wb)
    notes = as_stored(wb)

    first = book.forms[0]
    kind = kinds.kind_of(first)
    unit, year, title = kind.unit(first), kind.year(first), kind.title
    now = (now or _dt.datetime.now().astimezone()).replace(microsecond=0)
    info = {
        "jx.template_id": book.meta.get("template_id") or kind.template_id,
        "jx.template_version": book.meta.get("template_version") or kind.template_version,
        "jx.profile_id": profile.id,
        "jx.profile_version": str(profile.version),
        "jx.profile_sha256": profile.sha256,
        "jx.toolkit_version": __version__,
        "jx.exported_at": now.isoformat(),
        "jx.status": FORCED_MARK if forced else "clean",
    }
    cells = {form.sheet: kinds.kind_of(form).score_cells(form, by_sheet[form.sheet]) for form in book.forms}
    props = fp.compute(wb, cells, info)
    fp.write_properties(wb, props)
    _core_properties(wb, unit, year, title, props, now, forced)

    target = _output_path(input_path, output, export_filename(unit, year, title, forced=forced))
    if target.resolve() == input_path.resolve():
        raise ToolkitError(f"导出文件与输入文件相同（{input_path.name}），请用 -o 指定其他文件名。")
    atomic_save(wb, target)
    _self_check(target, props)
    outcome = ExportOutcome(output=target, fingerprint=props, forced=forced, blocking=blocking, results=results,
                            notes=notes)
    if pdf:
        outcome.pdf = convert_to_pdf(target)
    return outcome


def _tool_header_columns(ws) -> list[int]:
    """Columns headed 「系统计算得分」: the tool columns of any template sheet, even one
    whose result has no items (a department 目标完成情况自评表)."""
    return [cell.column for row in ws.iter_rows(max_row=40, max_col=min(ws.max_column, 60)) for cell in row
            if cell.value == TOOL_HEADER]


def _is_template_name(name: str) -> bool:
    return name.startswith(kinds.name_prefixes())


def _has_template_names(ws) -> bool:
    return any(_is_template_name(name) for name in ws.defined_names)


def _clean_sheet(ws, tool_column: int | None) -> None:
    from openpyxl.styles import PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidationList
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.cell.cell import MergedCell
    from openpyxl.utils import get_column_letter

    if tool_column is not None and ws.max_column >= tool_column:
        for key in [k for k in ws._cells if k[1] >= tool_column]:
            del ws._cells[key]
        for column in range(tool_column, tool_column + 2):
            ws.column_dimensions.pop(get_column_letter(column), None)
        for merged in [m for m in ws.merged_cells.ranges if m.max_col >= tool_column]:
            ws.merged_cells.remove(merged)
    locked = Protection(locked=True)
    for cell in list(ws._cells.values()):
        if isinstance(cell, MergedCell):
            continue
        cell.comment = None
        cell.hyperlink = None
        if cell.data_type == "f":  # no cached value was available: never export a formula
            cell.value = None
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"
        fill = cell.fill
        color = getattr(getattr(fill, "fgColor", None), "rgb", None)
        if fill is not None and fill.fill_type == "solid" and isinstance(color, str) and color[-6:].upper() in _FLAG_COLORS:
            cell.fill = PatternFill(fill_type=None)
        cell.protection = locked
    ws.data_validations = DataValidationList()
    ws.conditional_formatting = ConditionalFormattingList()
    ws._hyperlinks = []
    for name in [n for n in ws.defined_names if not _is_template_name(n)]:
        del ws.defined_names[name]
    ws.sheet_state = "visible"
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _clean_workbook(wb) -> None:
    from openpyxl.workbook.protection import WorkbookProtection

    wb._external_links = []
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.vba_archive = None
    wb.is_template = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    for index, ws in enumerate(wb.worksheets):
        ws.sheet_view.tabSelected = index == 0


def _stored_value(value, number_format: str, epoch):
    """What openpyxl reads back after saving ``value`` in a cell of ``number_format``: None when
    that is ``value`` itself. Numbers that are not finite are the caller's."""
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format
    from openpyxl.utils.datetime import from_excel, to_excel

    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, _dt.date, _dt.time, _dt.timedelta)):
        return None
    dated = is_date_format(number_format)  # a number in such a cell is read back as a date
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, int) and abs(value) < 2**53 and not dated:
            return None  # written and read back exactly
        serial = float("%.16g" % float(value))  # openpyxl writes 16 significant digits
    else:
        if isinstance(value, (_dt.datetime, _dt.time)):
            value = value.replace(microsecond=0)  # the fingerprint's precision is the second
        serial = float("%.16g" % to_excel(value, epoch))
    if not dated:
        return serial
    try:
        return from_excel(serial, epoch, timedelta=is_timedelta_format(number_format))
    except (OverflowError, ValueError):
        return "#VALUE!"  # what openpyxl reads for a date serial out of range


def as_stored(wb) -> list[str]:
    """Set every cell to the value the saved file will hold, so that the fingerprint computed
    now is the one computed on the file (see the module docstring); returns the notes for
    values written otherwise than Excel shows them: a number that is not finite becomes
    ``#NUM!``, a number in a date-formatted cell outside Excel's dates ``#VALUE!``.

    >>> from openpyxl import Workbook
    >>> wb = Workbook(); ws = wb.active; ws.title = "项目1"
    >>> ws["A1"], ws["A2"], ws["A3"] = float("inf"), 511.44691130204853, _dt.datetime(2021, 12, 31)
    >>> ws["A3"].number_format = "0.00"
    >>> as_stored(wb), ws["A1"].value, ws["A2"].value, ws["A3"].value
    (['项目1!A1：数值 inf 不是有限数字（Excel 无法保存），导出为 #NUM!。'], '#NUM!', 511.4469113020485, 44561.0)
    """
    notes = []
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):
            value = cell.value
            if isinstance(value, (float, Decimal)) and not math.isfinite(value):
                cell.value = "#NUM!"  # an Excel error value (data_type "e")
                notes.append(f"{ws.title}!{cell.coordinate}：数值 {value} 不是有限数字（Excel 无法保存），导出为 #NUM!。")
                continue
            for _ in range(3):  # a stored value is stored as itself; the loop makes sure of it
                stored = _stored_value(value, cell.number_format, wb.epoch)
                if stored is None:
                    break
                settled = type(stored) is type(value) and fp.canonical_value(stored) == fp.canonical_value(value)
                value = stored
                if settled:
                    break
            if type(value) is type(cell.value) and value == cell.value:
                continue
            if value == "#VALUE!":
                notes.append(f"{ws.title}!{cell.coordinate}：单元格为日期格式，但数值 {cell.value} 超出 Excel 的日期范围，"
                             "导出为 #VALUE!。")
            cell.value = value
    return notes


def _core_properties(wb, unit, year, title, props, now, forced) -> None:
    year_text = sanitize_part(year, "")
    p = wb.properties
    p.title = f"{unit or '未填单位'} {year_text}年度{title}" + (f"（{FORCED_MARK}）" if forced else "")
    p.subject = f"{title}（报送）"
    p.creator = unit or "未填单位"
    p.lastModifiedBy = f"jixiao-toolkit {__version__}"
    p.keywords = f"jixiao-export; {fp.FORMAT}; sha256:{props['jx.sha256']}"
    p.category = "预算绩效自评报送"
    p.identifier = props["jx.sha256"]
    p.description = (f"由绩效自评工具箱 {__version__} 于 {props['jx.exported_at']} 导出；模板 "
                     f"{props['jx.template_id']} {props['jx.template_version']}；规则 {props['jx.profile_id']} "
                     f"{props['jx.profile_version']}；内容指纹 SHA-256 {props['jx.sha256']}。"
                     + (f"本文件{FORCED_MARK}。" if forced else ""))
    naive = now.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    p.created = p.modified = naive


def _output_path(input_path: Path, output, name: str) -> Path:
    if output is None:
        return input_path.with_name(name)
    output = Path(output)
    if output.is_dir() or str(output).endswith(("/", "\\")) or not output.suffix:
        return output / name
    if output.suffix.lower() != ".xlsx":
        return output.with_suffix(".xlsx")
    return output


def _self_check(path: Path, props: dict[str, str]) -> None:
    """Re-read the saved export and make sure its content matches the fingerprint."""
    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path, rich_text=False)
    if fp.content_sha256(wb) != props["jx.sha256"]:  # a bug, not a clerk's problem
        raise ToolkitError(f"导出文件「{path.name}」自检失败：重新读取后的内容指纹与写入时不同。请把输入文件发给技术支持。")


def find_soffice() -> str | None:
    """Path of the LibreOffice executable, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
                      "/Applications/LibreOffice.app/Contents/MacOS/soffice",
                      r"C:\Program Files\LibreOffice\program\soffice.exe"):
        if Path(candidate).exists():
            return candidate
    return None


def convert_to_pdf(xlsx: Path, out_dir: Path | None = None, *, timeout: int = 180) -> Path:
    """Render ``xlsx`` to PDF with LibreOffice (A4 as set in the export's page setup).

    Raises ToolkitError with a clear message when LibreOffice is absent or fails.
    """
    soffice = find_soffice()
    if soffice is None:
        raise ToolkitError("未找到 LibreOffice（soffice），无法生成 PDF。已导出的 xlsx 不受影响；可安装 LibreOffice "
                           "（https://zh-cn.libreoffice.org/）后重试，或在 Excel/WPS 中打开导出文件「另存为 PDF」。")
    xlsx = Path(xlsx)
    out_dir = Path(out_dir or xlsx.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jx-lo-") as profile_dir:
        command = [soffice, f"-env:UserInstallation={Path(profile_dir).as_uri()}", "--headless",
                   "--convert-to", "pdf", "--outdir", str(out_dir), str(xlsx)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolkitError(f"LibreOffice 转换 PDF 超时（{timeout} 秒）：{xlsx.name}") from None
    pdf = out_dir / (xlsx.stem + ".pdf")
    if done.returncode != 0 or not pdf.exists():
        raise ToolkitError(f"LibreOffice 未能把「{xlsx.name}」转换为 PDF：{(done.stderr or done.stdout).strip()[:300]}")
    return pdf


def run_cli(args) -> int:
    """``jixiao export`` (see :mod:`toolkit.cli`)."""
    try:
        outcome = export_file(args.input, args.output, profile=args.profile, force=args.force, pdf=args.pdf)
    except ExportBlocked as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BLOCKED
    print(f"已导出：{args.input} → {outcome.output}")
    if outcome.forced:
        print(f"  注意：仍有 {len(outcome.blocking)} 个错误，文件已标记为「{FORCED_MARK}」：")
        for flag in outcome.blocking:
            print(f"    [{SEVERITY_LABELS[flag.severity]}] {flag.where}：{flag.message}")
    for note in outcome.notes:
        print(f"  注意：{note}")
    print(f"  内容指纹 SHA-256：{outcome.fingerprint['jx.sha256']}")
    if outcome.pdf:
        print(f"  PDF：{outcome.pdf}")
    return 0
