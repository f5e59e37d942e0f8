"""Turn scoring results into a plan of cell edits, independent of how they are applied.

The same :class:`EditPlan` is applied to a file by :mod:`toolkit.workbook.writer` (openpyxl) and to
the open workbook by :mod:`toolkit.excel.xl` (xlwings). The plan only ever writes:

* values into cells that are blank or hold the tool's own earlier value (``fills``),
* the two tool columns (computed score, explanation),
* fills and comments on flagged cells (and clears them where a flag has gone),
* the 「校验结果」 sheet and the registry in the hidden meta sheet.

Example::

    >>> plan = EditPlan()
    >>> plan.cell("项目1", "H13", value=2.76).value
    2.76
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit import __version__
from toolkit.core.arith import fmt
from toolkit.workbook.meta import CHECK_SHEET, CHECK_TITLE_MARK, META_SHEET, Registry, note_digest
from toolkit.core.catalogue import CATALOGUE, catalogue_rows
from toolkit.core.problems import SEVERITIES, SEVERITY_COLORS, SEVERITY_LABELS, Flag
from toolkit.core.results import FormResult
from toolkit.workbook.printing import NotesPlace, plan_notes

KEEP = object()  # "leave this attribute of the cell alone"
# 问题 is the code's Chinese title; the English code stays in the last column, outside the print area.
CHECK_HEADER = ["序号", "工作表", "项目", "单元格", "级别", "问题", "说明", "代码"]
CODES_HEADER = ["", "代码说明", "", "", "级别", "问题", "含义", "代码"]  # no number: not a flag row
CHECK_LEVEL_COLUMN = CHECK_HEADER.index("级别") + 1  # coloured by severity in both writers
LEVEL_FILLS = {SEVERITY_LABELS[key]: colour for key, colour in SEVERITY_COLORS.items()}  # 级别 → its fill
SUMMARY_HEADER = ["工作表", "项目名称", "按规则总分", "表中总分", "按规则等级", "表中等级", "标记"]


@dataclass(slots=True)
class CellEdit:
    sheet: str
    ref: str
    value: object = KEEP
    fill: object = KEEP      # a colour "RRGGBB", None to clear, or KEEP
    comment: object = KEEP   # text, None to remove, or KEEP
    # The cell already carries exactly this comment (or none to remove), per the registry: a
    # writer that pays per note may skip it; the file writer rewrites every comment anyway.
    comment_in_place: bool = False


@dataclass(slots=True)
class EditPlan:
    edits: dict[tuple[str, str], CellEdit] = field(default_factory=dict)
    check_rows: list[list[object]] = field(default_factory=list)  # the 校验结果 sheet, row by row
    check_links: dict[int, tuple[str, str]] = field(default_factory=dict)  # row index → (sheet, cell)
    registry: Registry = field(default_factory=Registry)
    meta: dict[str, str] = field(default_factory=dict)
    check_title: str = CHECK_SHEET  # the tool's own sheets (see toolkit.workbook.meta.tool_sheet_titles)
    meta_title: str = META_SHEET
    notes_cells: set[tuple[str, str]] = field(default_factory=set)  # the 问题说明 blocks (toolkit.workbook.printing)
    notes_ends: dict[str, int] = field(default_factory=dict)  # sheet → last row of the form above its block

    def cell(self, sheet: str, ref: str, **changes) -> CellEdit:
        edit = self.edits.setdefault((sheet, ref), CellEdit(sheet, ref))
        for key, value in changes.items():
            setattr(edit, key, value)
        return edit

    def by_sheet(self) -> dict[str, list[CellEdit]]:
        grouped: dict[str, list[CellEdit]] = {}
        for edit in self.edits.values():
            grouped.setdefault(edit.sheet, []).append(edit)
        return grouped


def is_header_row(row: list) -> bool:
    """Header rows of the 「校验结果」 sheet (bold, grey), for both writers.

    >>> is_header_row(SUMMARY_HEADER), is_header_row(CODES_HEADER), is_header_row([1, "政府采购"])
    (True, True, False)
    """
    return bool(row) and (row[0] in ("工作表", "序号") or row[:2] == CODES_HEADER[:2])


def _worst(flags: list[Flag]) -> str:
    return min((f.severity for f in flags), key=SEVERITIES.index)


def build_plan(results: list[FormResult], *, previous: Registry, tool_valued: set[tuple[str, str]],
               meta: dict[str, str], workbook_flags: list[Flag] = (),
               keys: dict[tuple[str, str], str] | None = None,
               notes_at: dict[str, NotesPlace] | None = None) -> EditPlan:
    """Plan every edit for the scored forms of one workbook.

    ``previous`` is the registry read from the workbook, ``tool_valued`` the cells that still
    hold the tool's earlier value (so they may be updated or cleared), ``keys`` each cell's
    registry key (its row-independent anchor; the reference when absent), ``notes_at`` where each
    form sheet's 问题说明 block goes (see :mod:`toolkit.workbook.printing`; none without it).
    """
    keys = keys or {}
    refs_by_key = {(sheet, key): ref for (sheet, ref), key in keys.items()}

    def key_of(sheet: str, ref: str) -> str:
        return keys.get((sheet, ref), ref)

    plan = EditPlan(meta=dict(meta))
    plan.meta["scored_by"] = f"jixiao-toolkit {__version__}"

    for result in results:
        sheet = result.sheet
        for ref, value in result.fills.items():
            plan.cell(sheet, ref, value=value)
            plan.registry.filled[(sheet, key_of(sheet, ref))] = value
        for item in result.items:
            shown = item.status or ("—" if item.computed is None else item.computed)  # status: rows without 分值
            plan.cell(sheet, item.computed_ref, value=shown)
            notes = [item.explanation] + [f"【{SEVERITY_LABELS[f.severity]}】{f.message}" for f in item.flags]
            plan.cell(sheet, item.explanation_ref, value="\n".join(n for n in notes if n))
        total_refs = _total_tool_refs(result.items[0].computed_ref if result.items else "", result)
        if total_refs:
            computed_ref, explanation_ref = total_refs
            plan.cell(sheet, computed_ref, value="—" if result.total_computed is None else result.total_computed)
            plan.cell(sheet, explanation_ref,
                      value=f"按规则：{result.total_explanation}；等级 {result.grade or '—'}"
                      if result.total_computed is not None else "总分未能计算，见标色单元格")

        by_cell: dict[str, list[Flag]] = {}
        for flag in result.flags:
            if flag.cell:
                by_cell.setdefault(flag.cell, []).append(flag)
        for ref, flags in by_cell.items():
            text = "\n".join(f"【{SEVERITY_LABELS[f.severity]}】{f.message}" for f in flags)
            key, digest = (sheet, key_of(sheet, ref)), note_digest(text)
            plan.cell(sheet, ref, fill=SEVERITY_COLORS[_worst(flags)], comment=text,
                      comment_in_place=previous.noted.get(key) == digest)
            plan.registry.flagged.add(key)
            plan.registry.noted[key] = digest

    # Cells the tool coloured last time but not now: clear the colour and the comment — where
    # they are now (rows may have moved); a key that is no cell of the form is an A1 reference.
    for sheet, key in previous.flagged - plan.registry.flagged:
        ref = refs_by_key.get((sheet, key), key if ":" not in key else None)
        if ref is not None:
            plan.cell(sheet, ref, fill=None, comment=None, comment_in_place=(sheet, key) not in previous.noted)
    # Values the tool wrote last time that it no longer proposes, still untouched by the clerk.
    for sheet, ref in tool_valued:
        if (sheet, key_of(sheet, ref)) not in plan.registry.filled:
            plan.cell(sheet, ref, value=None)

    for sheet, place in (notes_at or {}).items():  # the reasons on paper, under each form
        plan_notes(plan, sheet, [f for r in results if r.sheet == sheet for f in r.flags], place)
    _check_sheet(plan, results, workbook_flags)
    return plan


def _total_tool_refs(_fund_ref: str, result: FormResult) -> tuple[str, str] | None:
    """Tool cells of the total row: same columns as the items', on the total row."""
    if not result.total_cell or not result.items:  # no item scored (a framework that does not match): no columns to follow
        return None
    row = "".join(ch for ch in result.total_cell if ch.isdigit())
    computed_col = "".join(ch for ch in result.items[0].computed_ref if ch.isalpha())
    explanation_col = "".join(ch for ch in result.items[0].explanation_ref if ch.isalpha())
    return f"{computed_col}{row}", f"{explanation_col}{row}"


def _check_sheet(plan: EditPlan, results: list[FormResult], workbook_flags) -> None:
    rows = plan.check_rows
    rows.append([f"{CHECK_TITLE_MARK}，请勿在此表填写）"])
    rows.append([])
    rows.append(SUMMARY_HEADER)
    for result in results:
        rows.append([result.sheet, result.name, result.total_computed, result.total_shown, result.grade,
                     result.grade_shown, f"错误 {result.count('error')} · 提醒 {result.count('warning')} · "
                                         f"说明 {result.count('info')}"])
        plan.check_links[len(rows) - 1] = (result.sheet, "A1")
    rows.append([])
    rows.append(CHECK_HEADER)
    number = 0
    for flag in workbook_flags:
        number += 1
        rows.append([number, "", "", "", SEVERITY_LABELS[flag.severity], _title(flag.code), flag.message, flag.code])
    for result in results:
        ordered = sorted(result.flags, key=lambda f: (SEVERITIES.index(f.severity), _row_of(f.cell)))
        for flag in ordered:
            number += 1
            rows.append([number, result.sheet, result.name, flag.cell or "", SEVERITY_LABELS[flag.severity],
                         _title(flag.code), flag.message, flag.code])
            if flag.cell:
                plan.check_links[len(rows) - 1] = (result.sheet, flag.cell)
    if number == 0:
        rows.append(["", "", "", "", "", "", "未发现问题。"])
        return
    # What each code used above means, from the one catalogue (toolkit.core.catalogue).
    used = dict.fromkeys([f.code for f in workbook_flags] + [f.code for r in results for f in r.flags])
    rows.append([])
    rows.append(CODES_HEADER)
    rows += [["", "", "", "", level, title, description, code] for code, level, title, description in
             (row for row in catalogue_rows() if row[0] in used)]


def _title(code: str) -> str:
    """The Chinese name of a problem code (the code itself when the catalogue lacks it).

    >>> _title("score_mismatch")
    '填报得分与按规则计算不符'
    """
    entry = CATALOGUE.get(code)
    return entry.title if entry is not None else code


def _row_of(ref: str | None) -> int:
    digits = "".join(ch for ch in (ref or "") if ch.isdigit())
    return int(digits) if digits else 0


def summary_line(result: FormResult) -> str:
    """One line per form for terminals and message boxes.

    >>> from toolkit.core.results import FormResult
    >>> summary_line(FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {}))
    '项目：总分 91.9（填报 91.9），等级 优；错误 0，提醒 0，说明 0'
    """
    counts = f"错误 {result.count('error')}，提醒 {result.count('warning')}，说明 {result.count('info')}"
    if result.completion_only:
        return f"{result.name}：{result.total_explanation}，不计总分；{counts}"
    total = "无法计算" if result.total_computed is None else fmt(result.total_computed)
    if result.total_entered is not None:
        shown = f"填报 {fmt(result.total_entered)}"
    elif result.total_shown is None:
        shown = "表中未填"
    else:
        shown = "已填入表中" if result.total_shown == result.total_computed else f"表中按各项得分填入 {fmt(result.total_shown)}"
    return (f"{result.name}：总分 {total}（{shown}），等级 {result.grade or '—'}；"
            f"错误 {result.count('error')}，提醒 {result.count('warning')}，说明 {result.count('info')}")
