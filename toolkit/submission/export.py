"""Submission export (导出报送): the clerk's workbook as a clean, fingerprinted file to email.

``jixiao export INPUT.xlsx [-o OUT.xlsx|DIR] [--pdf] [--force] [--profile P]``

The workbook is scored first by the same engine as ``jixiao score``. If any *error* flag
remains the export is refused and the blocking problems are listed (exit status 4);
``--force`` exports anyway and marks the file 「含未解决问题」 (file name suffix, title and
the ``jx.status`` property) — and its paper too: every form page's header reads
「含未解决问题」 and a last sheet 「未解决问题」 (:data:`PROBLEM_SHEET`) lists each unresolved
error in plain Chinese (where, what, the message) and each form's total as the unit filled
it beside the re-check (:func:`toolkit.report.two_numbers_text`).

Every page of every export (forced or not) has in its footer the short content fingerprint
(:func:`toolkit.submission.fingerprint.short`), the page number and the export time, so a
stamped paper copy can be matched to its file. Export times are Beijing time with the offset
(``2021-12-31T22:23:05+08:00``, :data:`toolkit.report.BEIJING`) — in ``jx.exported_at``, the
description, the footer and the console; only the core properties ``created``/``modified``
are stored in UTC (``…Z``), as that format requires, and Office shows them in local time.

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
  :mod:`toolkit.submission.fingerprint` in custom document properties;
* print marks (page setup, outside the fingerprint): the footer of every sheet, the header
  of a forced export's sheets; a forced export's 「未解决问题」 sheet is content like the
  forms (locked, fingerprinted; not a form: collect and score skip it by its contents).

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
from toolkit.report import BEIJING, two_numbers_text
from toolkit.submission import fingerprint as fp
from toolkit.workbook.atomic import atomic_save
from toolkit.workbook.edits import KEEP
from toolkit.core.problems import SEVERITY_COLORS, SEVERITY_LABELS, Flag, ToolkitError
from toolkit.exits import EXIT_BLOCKED
from toolkit.forms import registry as kinds
from toolkit.workbook.io import open_workbook
from toolkit.workbook.printing import FOOTER_PAGES, area_bounds, setup_page
from toolkit.workbook.meta import PROBLEM_SHEET as META_PROBLEM_SHEET, export_profile_text
from toolkit.workbook.outputs import check_outputs
from toolkit.workbook.sheets import TOOL_HEADER, split_ref
from toolkit.core.profile import Profile, load_profile

FORCED_MARK = "含未解决问题"
PROBLEM_SHEET = META_PROBLEM_SHEET  # the last sheet of a forced export (named in workbook.meta: readers skip it)
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
    exported_at: _dt.datetime | None = None  # Beijing time
    problem_sheet: str | None = None  # a forced export's 「未解决问题」 sheet

    @property
    def short_fingerprint(self) -> str:
        """What the footer of every page prints (see :func:`toolkit.submission.fingerprint.short`)."""
        return fp.short(self.fingerprint["jx.sha256"])


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

    Raises :class:`ExportBlocked` when errors remain and ``force`` is false. ``now`` (the export
    time; a naive value is taken as Beijing time) is for tests.

    >>> import tempfile
    >>> out = export_file("samples/seed003_项目支出绩效自评表.xlsx", tempfile.mkdtemp(), force=True)
    >>> out.output.name
    '深圳市社会保险基金管理局_2021_项目支出绩效自评表_含未解决问题.xlsx'
    """
    from toolkit.service import read_openpyxl_book, refuse_other_kind, resolve_profile, score_book

    input_path = Path(input_path)
    if output is not None:  # before any work; the file name inside a folder is known only at the end
        check_outputs([input_path], {"-o": Path(output)})
    if profile is not None and not isinstance(profile, Profile):
        profile = load_profile(profile)
    wb = load_book_for_export(input_path)
    book = read_openpyxl_book(wb, input_path)
    refuse_other_kind(book, profile)
    profile = resolve_profile(book, profile)
    results, plan = score_book(book, profile)
    blocking = [f for f in book.flags if f.severity == "error"]
    blocking += [f for r in results for f in r.flags if f.severity == "error"]
    if blocking and not force:
        raise ExportBlocked(input_path, blocking)
    forced = bool(blocking)

    # The scored workbook's values: apply the plan's value edits (fills, tool columns …).
    # The 问题说明 blocks are the scored workbook's, not the submission's: cleared, print areas back to the form.
    for (sheet, ref), edit in plan.edits.items():
        if edit.value is not KEEP and sheet in wb.sheetnames:
            wb[sheet][ref].value = None if (sheet, ref) in plan.notes_cells else edit.value
    from openpyxl.utils import get_column_letter

    for sheet, end in plan.notes_ends.items():
        if sheet in wb.sheetnames and wb[sheet].print_area:
            first_row, first_col, _, last_col = area_bounds(wb[sheet].print_area.split(",")[0])
            wb[sheet].print_area = f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{end}"

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
    now = export_time(now)
    form_sheets = [ws.title for ws in wb.worksheets]
    problem_sheet = _add_problem_sheet(wb, blocking, results, book.forms) if forced else None
    notes = as_stored(wb)

    first = book.forms[0]
    kind = kinds.kind_of(first)
    unit, year, title = kind.unit(first), kind.year(first), kind.title
    info = {
        "jx.template_id": book.meta.get("template_id") or kind.template_id,
        "jx.template_version": book.meta.get("template_version") or kind.template_version,
        "jx.profile_id": profile.id,
        "jx.profile_version": str(profile.version),
        "jx.profile_sha256": profile.sha256,
        "jx.profile_json": export_profile_text(profile),  # the full profile travels with the submission
        "jx.toolkit_version": __version__,
        "jx.exported_at": now.isoformat(),
        "jx.status": FORCED_MARK if forced else "clean",
        "jx.source_file": source_name(input_path),  # which workbook an export came from: a later export never replaces another's
    }
    cells = {form.sheet: kinds.kind_of(form).score_cells(form, by_sheet[form.sheet]) for form in book.forms}
    props = fp.compute(wb, cells, info)
    fp.write_properties(wb, props)
    _core_properties(wb, unit, year, title, props, now, forced)
    for ws in wb.worksheets:
        print_marks(ws, props["jx.sha256"], now, forced=forced, errors=len(blocking),
                    problem_sheet=problem_sheet if ws.title in form_sheets else None)

    target = _output_path(input_path, output, export_filename(unit, year, title, forced=forced))
    if output is None or target.parent == Path(output):  # named by the tool: never over another workbook's export
        target, taken = unused_target(target, source_name(input_path))
        notes += [taken] if taken else []
    check_outputs([input_path], {"-o" if output is not None else "导出文件": target,
                                 "--pdf": target.with_suffix(".pdf") if pdf else None})
    atomic_save(wb, target)
    _self_check(target, props)
    outcome = ExportOutcome(output=target, fingerprint=props, forced=forced, blocking=blocking, results=results,
                            notes=notes, exported_at=now, problem_sheet=problem_sheet)
    if pdf:
        outcome.pdf = convert_to_pdf(target)
    return outcome


def done_message(outcome: ExportOutcome) -> str:
    """What the 「导出报送」 buttons show when the export is written: where, and every note.

    >>> done_message(ExportOutcome(Path("单位_2021_项目支出绩效自评表.xlsx"), {}, False, notes=["「x」已存在"]))
    '已导出报送文件：\\n单位_2021_项目支出绩效自评表.xlsx\\n\\n注意：「x」已存在\\n\\n请把该文件（不是本工作簿）发送给主管部门。'
    """
    notes = "".join(f"\n\n注意：{note}" for note in outcome.notes)
    return f"已导出报送文件：\n{outcome.output}{notes}\n\n请把该文件（不是本工作簿）发送给主管部门。"


def export_time(now: _dt.datetime | None = None) -> _dt.datetime:
    """The export time in Beijing time, to the second; a naive ``now`` is taken as Beijing time.

    >>> export_time(_dt.datetime(2021, 12, 31, 14, 23, 5, tzinfo=_dt.timezone.utc)).isoformat()
    '2021-12-31T22:23:05+08:00'
    >>> export_time(_dt.datetime(2021, 12, 31, 22, 23, 5)).isoformat()
    '2021-12-31T22:23:05+08:00'
    """
    if now is None:
        now = _dt.datetime.now(BEIJING)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=BEIJING)
    return now.astimezone(BEIJING).replace(microsecond=0)


def shown_time(moment: _dt.datetime) -> str:
    """An export time as paper and console show it: Beijing time with its offset.

    >>> shown_time(export_time(_dt.datetime(2021, 12, 31, 22, 23, 5)))
    '2021-12-31 22:23:05 +08:00'
    """
    moment = export_time(moment)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def _header_text(text: str) -> str:
    """Literal text in an Excel header/footer: ``&`` starts a code there, ``&&`` is one ``&``."""
    return text.replace("&", "&&")


def print_marks(ws, sha256: str, now: _dt.datetime, *, forced: bool, errors: int = 0,
                problem_sheet: str | None = None) -> None:
    """Header and footer of one exported sheet, on every printed page (the first page too, and
    odd and even pages alike): the footer gives the short fingerprint, the page and the export
    time; a forced export's header reads 「含未解决问题」 in bold red, with the number of errors
    and where they are listed (``problem_sheet`` names that sheet on the form pages).

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> print_marks(ws, "1a2b3c4d5e6f" + "0" * 52, export_time(_dt.datetime(2021, 12, 31, 22, 23, 5)),
    ...             forced=True, errors=2, problem_sheet="未解决问题")
    >>> ws.oddHeader.center.text, ws.oddFooter.left.text, ws.oddFooter.right.text
    ('含未解决问题', '内容指纹 1a2b3c4d5e6f', '导出时间 2021-12-31 22:23:05 +08:00')
    """
    ws.HeaderFooter.differentFirst = False
    ws.HeaderFooter.differentOddEven = False
    footer = ws.oddFooter
    footer.left.text = _header_text(f"内容指纹 {fp.short(sha256)}")
    footer.center.text = FOOTER_PAGES
    footer.right.text = _header_text(f"导出时间 {shown_time(now)}")
    for part in (footer.left, footer.center, footer.right):
        part.size = 10  # scaled with the page: still 8 pt or more
    header = ws.oddHeader
    if forced:
        header.center.text = _header_text(FORCED_MARK)
        header.center.font = "-,Bold"
        header.center.size = 14
        header.center.color = "C00000"
        where = f"，见「{problem_sheet}」页" if problem_sheet else ""
        header.right.text = _header_text(f"仍有 {errors} 个错误未改正{where}")
        header.right.size = 10
        header.right.color = "C00000"
        header.left.text = _header_text("本表未通过校验，不是正式报送件")
        header.left.size = 10
        header.left.color = "C00000"
    margins = ws.page_margins
    margins.top = max(margins.top or 0, 0.75 if forced else 0.6)
    margins.bottom = max(margins.bottom or 0, 0.6)
    margins.header = margins.footer = 0.25


def _add_problem_sheet(wb, blocking: list[Flag], results: list, forms: list) -> str:
    """The last sheet of a forced export: the unresolved errors in plain Chinese, and each form's
    total as filled beside the re-check. Returns its title. Its cells hold nothing that changes
    from one export of the same workbook to the next (the time is in the footer), so two forced
    exports of one workbook have one fingerprint and collect knows them as duplicates."""
    from openpyxl.styles import Alignment, Border, Font, Protection, Side
    from toolkit.core.catalogue import CATALOGUE
    from toolkit.workbook.writer import put_value

    title = PROBLEM_SHEET
    number = 2
    while title in wb.sheetnames:
        title, number = f"{PROBLEM_SHEET}（{number}）", number + 1
    ws = wb.create_sheet(title)
    thin = Side(style="thin", color="808080")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(horizontal="center", vertical="top")
    plain = Font(name="宋体", size=10)
    widths = (6, 24, 10, 68)
    for letter, width in zip("ABCD", widths):
        ws.column_dimensions[letter].width = width

    def line(row: int, values: list, *, font=plain, border=True, merge_from: int | None = None) -> None:
        """Write a row; a row's height is set for its wrapped text (no reader grows it by itself)."""
        lines = 1
        for column, value in enumerate(values, start=1):
            cell = ws.cell(row, column)
            if value is not None:
                put_value(cell, value.strip() if isinstance(value, str) else value)
            cell.font, cell.alignment = font, (centred if isinstance(value, int) else wrap)
            if border:
                cell.border = box
            span = sum(widths[column - 1:] if merge_from == column else widths[column - 1:column])
            lines = max(lines, _wrapped_lines(cell.value, span))
        last = len(values)
        if merge_from is not None:
            for column in range(last + 1, 5):
                if border:
                    ws.cell(row, column).border = box
            ws.merge_cells(start_row=row, start_column=merge_from, end_row=row, end_column=4)
        ws.row_dimensions[row].height = lines * (font.size or 10) * 1.45 + 4

    line(1, [f"{FORCED_MARK}：{len(blocking)} 个错误未改正"], font=Font(name="黑体", size=16, bold=True, color="C00000"),
         border=False, merge_from=1)
    line(2, [f"本文件在仍有错误时强制导出，各表页眉标有「{FORCED_MARK}」（导出时间见页脚）。"
             "下列错误未改正，表中填报的得分、总分和等级可能与按规则复核的结果不同；报送单位改正后应重新导出。"],
         border=False, merge_from=1)
    header_font = Font(name="黑体", size=10, bold=True)
    line(4, ["序号", "工作表", "单元格", "问题"], font=header_font)
    row = 5
    for number, flag in enumerate(blocking, start=1):
        entry = CATALOGUE.get(flag.code)
        text = f"{entry.title}：{flag.message}" if entry is not None else flag.message
        line(row, [number, flag.sheet or "（整个工作簿）", flag.cell or "", text])
        row += 1
    row += 1
    line(row, ["各表总分：填报与复核"], font=header_font, border=False, merge_from=1)
    row += 1
    line(row, ["序号", "工作表", "总分与等级（填报 / 复核）"], font=header_font, merge_from=3)
    row += 1
    sheets = {form.sheet for form in forms}
    for number, result in enumerate((r for r in results if r.sheet in sheets), start=1):
        line(row, [number, result.sheet, two_numbers_text(result)], merge_from=3)
        row += 1
    warnings_count = sum(r.count("warning") for r in results)
    if warnings_count:
        row += 1
        line(row, [f"另有提醒 {warnings_count} 条（不妨碍导出），未在此列出；见评分文件的「校验结果」表。"],
             border=False, merge_from=1)
    locked = Protection(locked=True)
    for cells in ws.iter_rows():
        for cell in cells:
            cell.protection = locked
    ws.protection.sheet = True
    setup_page(ws, f"A1:{ws.dimensions.split(':')[-1]}", title_rows=(4, 4))  # the footer: print_marks
    ws.sheet_view.tabSelected = False
    return title


def _wrapped_lines(value, width: float) -> int:
    """How many lines ``value`` takes in a wrapped cell ``width`` characters wide (a CJK
    character is two wide).

    >>> _wrapped_lines("问题" * 40, 68), _wrapped_lines(None, 10)
    (3, 1)
    """
    if value is None:
        return 1
    total = 0
    for part in str(value).split("\n"):
        wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in part)
        total += max(1, math.ceil(wide / max(width - 1, 1)))  # CJK 10 pt: two units a character
    return total


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


def source_name(path: Path) -> str:
    """A file name as an XML property can hold it (undecodable bytes and control characters as «?»).

    >>> source_name(Path("填报" + chr(0xDCD1) + chr(1) + ".xlsx"))
    '填报??.xlsx'
    """
    text = path.name.encode("utf-8", "replace").decode("utf-8")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", "?", text)


def export_source(path: Path) -> str | None:
    """The source workbook's file name an existing export records (``jx.source_file``), or None for
    a file that is not a readable export of this version.

    >>> export_source(Path("samples/seed003_项目支出绩效自评表.xlsx")) is None
    True
    """
    import zipfile
    from xml.etree import ElementTree

    from toolkit.workbook.io import doctype_part

    try:
        if not zipfile.is_zipfile(path) or doctype_part(path):
            return None
        with zipfile.ZipFile(path) as archive:
            root = ElementTree.fromstring(archive.read("docProps/custom.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None
    for prop in root:
        if prop.get("name") == "jx.source_file" and len(prop):
            return prop[0].text
    return None


def unused_target(target: Path, source: str) -> tuple[Path, str | None]:
    """Where an export the tool names goes: ``target``, unless a file there is not an earlier export
    of the same workbook — then ``名称（2）.xlsx`` … and a note saying why (two workbooks of one unit,
    year and kind would otherwise replace each other's submission without a word).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> unused_target(folder / "单位_2021_项目支出绩效自评表.xlsx", "a.xlsx")[0].name
    '单位_2021_项目支出绩效自评表.xlsx'
    >>> _ = (folder / "单位_2021_项目支出绩效自评表.xlsx").write_bytes(b"other")
    >>> path, note = unused_target(folder / "单位_2021_项目支出绩效自评表.xlsx", "a.xlsx")
    >>> path.name, "未覆盖" in note
    ('单位_2021_项目支出绩效自评表（2）.xlsx', True)
    """
    candidate = target
    for number in range(2, 1000):
        if not candidate.exists() or export_source(candidate) == source:
            break
        candidate = target.with_name(f"{target.stem}（{number}）{target.suffix}")
    if candidate == target:
        return target, None
    other = export_source(target)
    origin = f"由另一工作簿「{other}」导出" if other else "不是本工作簿的导出"
    return candidate, (f"「{target.name}」已存在（{origin}），未覆盖；本次导出为「{candidate.name}」。"
                       "同一单位、年度、表种有两份工作簿时，请确认两份都应报送。")


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
        print(f"  注意：仍有 {len(outcome.blocking)} 个错误，文件已标记为「{FORCED_MARK}」"
              f"（每页页眉；错误列在最后的「{outcome.problem_sheet}」页）：")
        for flag in outcome.blocking:
            print(f"    [{SEVERITY_LABELS[flag.severity]}] {flag.where}：{flag.message}")
    for note in outcome.notes:
        print(f"  注意：{note}")
    print(f"  内容指纹 SHA-256：{outcome.fingerprint['jx.sha256']}（每页页脚印前 {fp.SHORT_LEN} 位："
          f"{outcome.short_fingerprint}）")
    print(f"  导出时间：{shown_time(outcome.exported_at)}（北京时间）")
    if outcome.pdf:
        print(f"  PDF：{outcome.pdf}")
    return 0
