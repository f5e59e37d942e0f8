"""What every content block reads, and the blocks all form kinds share.

A :class:`Draft` is everything the report is written from: the workbook as read, the results
of scoring it (the same engine as ``jixiao score``), the JSON score report and the profile.
A block is a function ``block(doc, scope)`` writing into a
:class:`~toolkit.narrative.document.ReportDocument`; its :class:`Scope` is one form inside a
``for_each_form`` section, else the whole workbook.

Example::

    >>> from toolkit.core.results import ItemResult
    >>> item = ItemResult("indicator", "案件调查数", 10.0, None, 8.4, "H12", "qualitative_manual", "", "J12", "K12")
    >>> checked_score(item)
    8.4
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.core.problems import SEVERITY_LABELS, Flag
from toolkit.core.profile import Profile
from toolkit.core.results import FormResult, ItemResult
from toolkit.narrative.document import ReportDocument, Segment
from toolkit.narrative.formats import Placeholder, score, weight
from toolkit.workbook.sheets import WorkbookData

OPEN_SEVERITIES = ("error", "warning")  # 说明 (info) flags explain; they are not open problems
TOLERANCE = 0.005


@dataclass
class Draft:
    """The facts a report is drafted from."""

    book: WorkbookData
    results: list[FormResult]
    report: dict
    profile: Profile

    def result(self, sheet: str) -> FormResult | None:
        """The result of the form on ``sheet`` (a form spanning several sheets has one per sheet)."""
        return next((result for result in self.results if result.sheet == sheet), None)

    @property
    def file_name(self) -> str:
        return Path(self.report["file"]).name


@dataclass
class Scope:
    """Where a block is: one form (inside a ``for_each_form`` section) or the whole workbook."""

    draft: Draft
    form: object | None = None

    @property
    def forms(self) -> list:
        return [self.form] if self.form is not None else list(self.draft.book.forms)


def checked_score(item: ItemResult) -> float | None:
    """The score the report states: the rule's result, else (where a person scores) the entry."""
    return item.computed if item.computed is not None else item.entered


def below_weight(item: ItemResult) -> bool:
    """A scored item that lost points by the rule (or, where a person scores, by the entry).

    >>> below_weight(ItemResult("indicator", "到岗率", 15.0, 13.89, 13.89, "H13", "positive_ratio", "", "J13", "K13"))
    True
    """
    value = checked_score(item)
    return bool(item.weight) and value is not None and value < item.weight - TOLERANCE


def lost_points(item: ItemResult) -> bool:
    """Points lost by the rule or by the form: either needs explaining in the report.

    >>> deducted = ItemResult("indicator", "满意度", 20.0, 20.0, 18.0, "H21", "positive_met", "", "J21", "K21")
    >>> below_weight(deducted), lost_points(deducted)
    (False, True)
    """
    entered_short = item.entered is not None and bool(item.weight) and item.entered < item.weight - TOLERANCE
    return below_weight(item) or entered_short


def score_phrase(item: ItemResult) -> str:
    """「得分 13.89（分值 15）」, with the form's own score where it differs from the checked one.

    >>> score_phrase(ItemResult("indicator", "采购数", 10.0, 2.76, 2.75, "H13", "positive_ratio", "", "J13", "K13"))
    '得分 2.76（分值 10，表中填报 2.75）'
    """
    checked = checked_score(item)
    text = f"得分 {score(checked) if checked is not None else '未能计分'}（分值 {weight(item.weight or 0)}"
    if item.entered is not None and checked is not None and abs(item.entered - checked) > TOLERANCE:
        text += f"，表中填报 {score(item.entered)}"
    return text + "）"


def by_cell(result: FormResult | None) -> dict[str, ItemResult]:
    """A result's items by the cell they score (a row's 得分, or its 实际完成值 without 分值)."""
    return {item.cell: item for item in result.items} if result is not None else {}


def text_or_gap(text: str, what: str) -> Segment:
    """The workbook's text, or a placeholder saying what is missing.

    >>> text_or_gap("社保局", "主管部门"), str(text_or_gap("", "实施单位"))
    ('社保局', '【待填写：实施单位】')
    """
    return text if text else Placeholder(what)


def deviation(doc: ReportDocument, label: str, facts: str, reason: str, gap: str,
              reason_label: str = "偏差原因分析及改进措施") -> None:
    """One deviation: what happened (facts), then the clerk's explanation or a gap to fill."""
    end = "" if not reason or reason.endswith(("。", "；", ".")) else "。"
    doc.paragraph(f"「{label}」：{facts}。{reason_label}：", text_or_gap(reason, gap), end)


def open_flags(doc: ReportDocument, scope: Scope, results: list[FormResult | None]) -> None:
    """The errors and reminders the check still shows for ``results`` (and, for the whole
    workbook, the workbook's own), where they are and why."""
    flags: list[Flag] = list(scope.draft.book.flags) if scope.form is None else []
    flags += [flag for result in results if result is not None for flag in result.flags]
    shown = [flag for flag in flags if flag.severity in OPEN_SEVERITIES]
    if not shown:
        doc.paragraph("经校验，表中没有尚未解决的错误或提醒。")
        return
    doc.paragraph("经校验，表中仍有以下问题尚未解决（定稿前应逐项核实、修改表格后重新生成本报告）：")
    doc.table(["级别", "位置", "问题"],
              [[SEVERITY_LABELS[flag.severity], flag.where, flag.message] for flag in shown],
              widths=(1.4, 3.6, 11.0))


def conclusion(doc: ReportDocument, scope: Scope, result: FormResult | None) -> None:
    """Total and grade as the rule gives them, and whether the form says the same."""
    draft = scope.draft
    indicators = [item for item in result.items if item.kind == "indicator"] if result is not None else []
    if indicators and result.total_computed is None and all(item.status for item in indicators):
        doc.paragraph("本表没有分值，只按规则判定各项指标的完成情况（见上表），不计总分和等级。")
        return
    if result is None or result.total_computed is None:
        doc.paragraph("总分未能按规则核定：有指标未能计分（见下文问题清单）。核定前请先修改表中标出的问题。")
        return
    grade = f"，等级为「{result.grade}」" if result.grade else "，总分落在规则未定义等级的区间"
    doc.paragraph(f"按规则配置「{draft.profile.id}」核定，自评总分为 {score(result.total_computed)} 分"
                  f"（{result.total_explanation}）{grade}。")
    if result.total_entered is not None:
        same = abs(result.total_entered - result.total_computed) <= TOLERANCE
        doc.paragraph(f"表中填报总分为 {score(result.total_entered)} 分，"
                      + ("与核定结果一致。" if same else "与核定结果不一致，差异见「存在的问题」所列各项。"))
    if result.grade_entered and result.grade_entered != result.grade:
        doc.paragraph(f"表中填报等级为「{result.grade_entered}」，与核定等级不一致。")


def score_cells(item: ItemResult | None) -> list[str]:
    """分值, 填报得分 and 核定得分 of an item as table cells ('' where there is none)."""
    if item is None:
        return ["", "", ""]
    checked = checked_score(item)
    return [weight(item.weight) if item.weight is not None else "",
            score(item.entered) if item.entered is not None else "",
            score(checked) if checked is not None else "未能计分"]
