"""What every content block reads, and the blocks all form kinds share.

A :class:`Draft` is everything the report is written from: the workbook as read, the results
of scoring it (the same engine as ``jixiao score``), the JSON score report and the profile.
A block is a function ``block(doc, scope)`` writing into a
:class:`~toolkit.narrative.document.ReportDocument`; its :class:`Scope` is one form inside a
``for_each_form`` section, else the whole workbook.

Scores are stated as the unit's (the form's 得分, 总分, 等级); the re-check (按规则复核) stands
beside them only where it differs, each difference accepted or disputed as
:mod:`toolkit.narrative.figures` classifies it (:func:`conclusion`, :func:`score_phrase`,
:func:`score_cells`).

Example::

    >>> from toolkit.core.results import ItemResult
    >>> item = ItemResult("indicator", "案件调查数", 10.0, None, 8.4, "H12", "qualitative_manual", "", "J12", "K12")
    >>> checked_score(item)
    8.4
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.core.catalogue import CATALOGUE
from toolkit.core.problems import Flag
from toolkit.core.profile import Profile
from toolkit.core.results import NOT_CHOSEN, FormResult, ItemResult
from toolkit.narrative.document import ReportDocument, Segment
from toolkit.narrative.figures import TOLERANCE, FormFigures, ScoreDifference, difference_of, form_figures
from toolkit.narrative.formats import Placeholder, score, weight
from toolkit.workbook.sheets import WorkbookData

KEPT = {  # an accepted difference (toolkit.core.catalogue.ACCEPTED_DIFFERENCES): why the unit's score stands
    "manual_deduction": "人工扣分已写明理由，予以保留",
    "rounding_convention": "是另一种常见舍入口径的结果，两种口径都常见，予以保留",
    "manual_score_accepted": "人工评分在档次内，予以采纳",
}
KEPT_MARK = "\n（保留自评）"  # beside a re-checked score in a table: the difference is accepted
DISPUTED = {"manual_deduction": "目标已达成，单位人工扣分但未写扣分理由"}  # else the flag's catalogue title


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
    """The re-check's score: the rule's result, else (where a person scores) the entry. The report
    states the unit's score (:attr:`ItemResult.standing`); this one judges achievement and shortfall."""
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
    """「得分 13.89（分值 15）」: the unit's score, with the re-check beside it where it differs.

    >>> score_phrase(ItemResult("indicator", "采购数", 10.0, 2.76, 2.75, "H13", "positive_ratio", "", "J13", "K13"))
    '自评得分 2.75（分值 10，按规则复核为 2.76）'
    >>> score_phrase(ItemResult("indicator", "满意度", 20.0, 20.0, 18.0, "H20", "positive_met", "", "J20", "K20",
    ...                         flags=[Flag("manual_deduction", "info", "H20", "人工扣 2")]))
    '自评得分 18.00（分值 20，按规则为 20.00，人工扣分已写明理由，予以保留）'
    """
    shown = item.standing
    difference = difference_of(item)
    if difference is None:
        return f"得分 {score(shown) if shown is not None else '未能计分'}（分值 {weight(item.weight or 0)}）"
    rule = (f"按规则为 {score(difference.rule)}，{KEPT[difference.code]}" if difference.accepted
            else f"按规则复核为 {score(difference.rule)}")
    return f"自评得分 {score(difference.unit)}（分值 {weight(item.weight or 0)}，{rule}）"


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


def conclusion(doc: ReportDocument, scope: Scope, result: FormResult | None,
               reasons: dict[str, str] | None = None) -> None:
    """The unit's total and grade (what the form holds), then the re-check only where it differs,
    naming the cells and whether each difference is accepted; ``reasons`` are the 偏差原因 /
    扣分理由 written for each score cell."""
    indicators = [item for item in result.items if item.kind == "indicator"] if result is not None else []
    if indicators and result.total_computed is None and all(item.status for item in indicators):
        doc.paragraph("本表没有分值，只按规则判定各项指标的完成情况（见上表），不计总分和等级。")
        return
    if result is None:
        doc.paragraph("本表未能评分（见下文问题清单）：请先修改表中标出的问题，再重新生成本报告。")
        return
    figures = form_figures(result)
    doc.paragraph(unit_statement(figures))
    for text in recheck_statement(figures, scope.draft.profile.id, reasons or {}):
        doc.paragraph(text)


def unit_statement(figures: FormFigures) -> str:
    """The unit's total and grade as the form holds them.

    >>> from toolkit.narrative.draft import read_draft
    >>> unit_statement(form_figures(read_draft("samples/seed000_部门整体支出绩效.xlsx").results[0]))
    '单位自评总分为 96.80 分，自评等级为「优」。'
    """
    result = figures.result
    if figures.unit_total is None:
        return "表中未填总分，且有指标既未填得分、也未能按规则计分，自评总分无法确定。"
    how = ""
    if not figures.total_entered:
        filled = any(item.entered is None for item in result.items)
        how = "（表中未填总分" + ("和部分得分，由工具按规则填入）" if filled else "，为表中各项得分之和）")
    if figures.unit_grade is None:
        grade = "，总分落在规则未定义等级的区间"
    elif figures.grade_entered:
        grade = f"，自评等级为「{figures.unit_grade}」"
    else:
        grade = f"，等级为「{figures.unit_grade}」（表中未填等级，按自评总分所在档次）"
    text = f"单位自评总分为 {score(figures.unit_total)} 分{how}{grade}。"
    mismatch = next((flag for flag in result.flags if flag.code == "grade_mismatch"), None)
    if mismatch is not None:
        text += f"表中等级与自评总分所在档次不符（{mismatch.cell}）：{mismatch.message}"
    return text


def recheck_statement(figures: FormFigures, profile_id: str, reasons: dict[str, str]) -> list[str]:
    """The re-check as paragraphs: one sentence where it agrees, else the re-check's total and
    one paragraph per differing cell (accepted differences said to be kept)."""
    result = figures.result
    by_rule = "按评分规则复核"  # the profile's id is the tool's word, not the reader's
    person = ("（须人工评分或基础数据未填的指标按单位评分计入）"
              if any(item.computed is None and item.entered is not None for item in result.items) else "")
    agreement = figures.agreement
    if agreement == "unchecked":
        return [f"{by_rule}：有指标未能按规则计分，总分未能复核（见附件「待核对事项」）。"]
    if agreement == "same":
        return [f"{by_rule}，各项得分、总分和等级均与自评一致{person}。"]
    grade = (f"，等级为「{figures.recheck_grade}」" if figures.recheck_grade
             and figures.recheck_grade != figures.unit_grade else "")
    if agreement == "accepted":
        lead = (f"{by_rule}，各项按规则计算合计 {score(figures.recheck_total)} 分{grade}{person}；"
                "与自评总分的差额来自单位写明理由的调整，复核予以接受，自评总分和等级不变：")
    elif figures.unit_total is not None and abs(figures.unit_total - figures.recheck_total) <= TOLERANCE:
        lead = f"{by_rule}，总分同为 {score(figures.recheck_total)} 分{person}，但以下得分与自评不同："
    else:
        lead = (f"{by_rule}，总分为 {score(figures.recheck_total)} 分{grade}{person}，"
                f"与自评{'总分和等级' if grade else '总分'}不同。差异来自：")
    parts = [difference_phrase(d, reasons.get(d.item.cell, "")) for d in figures.disputed + figures.accepted]
    if figures.sum_gap:
        parts.append(f"表中总分 {score(figures.unit_total)} 分不等于表中各项得分之和 "
                     f"{score(figures.scores_sum)} 分（{result.total_cell}）")
    if figures.adjustment:
        parts += ["总分按规则调整"] + [flag.message.rstrip("。") for flag in figures.total_flags]
    paragraphs = [lead] + [part + ("。" if index == len(parts) - 1 else "；") for index, part in enumerate(parts)]
    if agreement == "disputed":
        paragraphs.append(f"以上不一致之处{'（予以保留的调整除外）' if figures.accepted else ''}请单位核实："
                          "确属填报差错的，修改表格后重新生成本报告；自评总分以单位修改后的表格为准。")
    return paragraphs


def difference_phrase(difference: ScoreDifference, reason: str = "") -> str:
    """One differing cell in words: the unit's score, the rule's, and why it is kept or disputed.

    >>> item = ItemResult("indicator", "满意度", 20.0, 20.0, 18.0, "H20", "positive_met", "", "J20", "K20",
    ...                   flags=[Flag("manual_deduction", "info", "H20", "人工扣 2")])
    >>> difference_phrase(difference_of(item), "未收到投诉，酌情扣分。")
    '「满意度」（H20）目标已达成，按规则应得 20.00 分，单位评 18.00 分（人工扣 2.00 分），扣分理由：「未收到投诉，酌情扣分」，予以保留'
    """
    item, unit, rule = difference.item, score(difference.unit), score(difference.rule)
    where = f"「{item.label}」（{item.cell}）"
    if difference.accepted and difference.code == "manual_deduction":
        reason = reason.strip().rstrip("。；;.")
        why = f"，扣分理由：「{reason}」" if reason else ""
        return (f"{where}目标已达成，按规则应得 {rule} 分，单位评 {unit} 分（人工扣 "
                f"{score(difference.rule - difference.unit)} 分）{why}，予以保留")
    if difference.accepted:
        return f"{where}单位评 {unit} 分，按规则为 {rule} 分，{KEPT[difference.code]}"
    return f"{where}单位评 {unit} 分，按规则复核为 {rule} 分（{difference_cause(difference)}）"


def difference_cause(difference: ScoreDifference) -> str:
    """Why the unit's score and the rule's differ, in words: why it is kept, or the flag's title.

    >>> item = ItemResult("execution", "预算执行率", 10.0, 8.7, 8.6, "H6", "execution_rate", "", "", "",
    ...                   flags=[Flag("score_mismatch", "error", "H6", "…")])
    >>> difference_cause(difference_of(item))
    '填报得分与按规则计算不符'
    """
    if difference.accepted:
        return KEPT[difference.code]
    if difference.code in DISPUTED:
        return DISPUTED[difference.code]
    return CATALOGUE[difference.code].title if difference.code in CATALOGUE else "与自评不同"


def score_cells(item: ItemResult | None) -> list[str]:
    """分值, 自评得分 and 复核得分 of an item as table cells: the unit's score; the re-check only
    where it differs (or where the unit gave none), marked where the difference is accepted.

    >>> score_cells(ItemResult("indicator", "采购数", 10.0, 2.76, 2.75, "H13", "positive_ratio", "", "", ""))
    ['10', '2.75', '2.76']
    >>> score_cells(ItemResult("indicator", "到岗率", 15.0, 13.89, 13.89, "H13", "positive_ratio", "", "", ""))
    ['15', '13.89', '']
    >>> score_cells(ItemResult("indicator", "满意度", 20.0, 20.0, 18.0, "H20", "positive_met", "", "", "",
    ...                        flags=[Flag("manual_deduction", "info", "H20", "人工扣 2")]))
    ['20', '18.00', '20.00\\n（保留自评）']
    """
    if item is None:
        return ["", "", ""]
    if item.method == NOT_CHOSEN:  # an optional indicator the department did not choose
        return ["未选用", unit_cell(item) if item.entered else "", ""]
    return [weight(item.weight) if item.weight is not None else "", unit_cell(item), recheck_cell(item)]


def unit_cell(item: ItemResult) -> str:
    """The unit's score as a table cell ('' where the unit gave none, '—' for a row without points)."""
    if item.entered is not None:
        return score(item.entered)
    return "—" if item.status else ""


def recheck_cell(item: ItemResult) -> str:
    """The re-check as a table cell: '' where it agrees with the unit (or a person's score stands)."""
    if item.computed is None:
        return "" if item.entered is not None or item.status else "未能计分"
    if item.entered is None:
        return score(item.computed)
    difference = difference_of(item)
    if difference is None:
        return ""
    return score(difference.rule) + (KEPT_MARK if difference.accepted else "")


def total_cells(figures: FormFigures) -> list[str]:
    """The 自评总分 and 复核总分 of a form as table cells, in the same way as :func:`score_cells`."""
    unit = score(figures.unit_total) if figures.unit_total is not None else ""
    recheck = {"unchecked": "未能复核", "same": ""}.get(figures.agreement)
    if recheck is None:
        recheck = score(figures.recheck_total) + (KEPT_MARK if figures.agreement == "accepted" else "")
    return [unit, recheck]
