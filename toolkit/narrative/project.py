"""The content blocks of a project workbook's report (项目支出绩效自评表, one form per project).

Each block writes facts of the form and of its scored result, formatted as the form shows them,
and a placeholder where the workbook does not hold what the report needs. :data:`BLOCKS` names
them for the outline.

Example (the 社保业务公众服务经费 form of the seed-003 sample)::

    >>> from toolkit.narrative.draft import read_draft
    >>> draft = read_draft("samples/seed003_项目支出绩效自评表.xlsx")
    >>> doc = ReportDocument("示例")
    >>> funds(doc, Scope(draft, draft.book.forms[1]))
    >>> print(doc.document.paragraphs[-2].text)
    全年预算数 4,448,000.00元，全年执行数 3,866,689.10元，预算执行率为 87.00%（表中填为 0.86），执行率自评得分 8.60 分（分值 10 分）。
    >>> print(doc.document.paragraphs[-1].text.split("：")[0])
    按规则复核，执行率得分为 8.70 分（填报得分与按规则计算不符）
    >>> achievement_of(ItemResult("indicator", "案件调查数", 10.0, 10.0, 10.0, "H12", "positive_met", "", "J12", "K12"))
    '达成'
"""

from __future__ import annotations

from toolkit.core.grid import IndicatorRow
from toolkit.core.results import FormResult, ItemResult
from toolkit.forms.project.layout import FUND_ROWS
from toolkit.narrative import context
from toolkit.narrative.context import Scope, below_weight, by_cell, checked_score, lost_points, text_or_gap
from toolkit.narrative.document import ReportDocument
from toolkit.narrative.figures import difference_of, form_figures
from toolkit.narrative.formats import Placeholder, cell_text, money, percent, score, weight

FUND_LABELS = dict(FUND_ROWS)
FUND_COLUMNS = (("initial", "年初预算数"), ("budget", "全年预算数"), ("actual", "全年执行数"))
OVER_ACHIEVEMENT = ("over_achievement", "over_achievement_explained", "over_achievement_deducted")
ACHIEVEMENT = {  # scoring method → what it says about the target
    "positive_met": "达成", "reverse_met": "达成", "equal_met": "达成", "qualitative_met": "达成",
    "positive_ratio": "未达成", "equal_missed": "未达成", "reverse_ratio": "未达成（超出目标）",
    "reverse_linear": "未达成（超出目标）", "over_achievement_deducted": "超额完成",
    "qualitative_manual": "人工评分", "qualitative_clamped": "人工评分", "quantitative_manual": "人工评分",
    "qualitative_judgement": "需人工评分", "not_applicable": "不适用", "unscored": "未能计分",
}


def achievement_of(item: ItemResult) -> str:
    """What the result says about the target: 达成, 未达成, 超额完成, 不适用, 人工评分 …"""
    if item.status:
        return item.status
    if any(flag.code in OVER_ACHIEVEMENT for flag in item.flags):
        return "超额完成"
    if item.method in ACHIEVEMENT:
        return ACHIEVEMENT[item.method]
    if checked_score(item) is None:
        return "未能计分"
    return "部分达成" if below_weight(item) else "达成"


def unit_of(form) -> str:
    """The form's money unit (元 or 万元; '' when not filled).

    >>> from toolkit.service import read_workbook
    >>> unit_of(read_workbook("samples/seed003_项目支出绩效自评表.xlsx").forms[0])
    '元'
    """
    return form.fields["money_unit"].text


def _result(scope: Scope, form) -> FormResult | None:
    return scope.draft.result(form.sheet)


def _amount(cell, unit: str):
    number = cell.value
    if isinstance(number, (int, float)) and not isinstance(number, bool):
        return money(number, unit)
    return cell_text(cell)


# -- blocks --------------------------------------------------------------------------------

def project_summary(doc: ReportDocument, scope: Scope) -> None:
    """All projects in one table: budget, spending, execution rate, the unit's total and grade,
    and the re-checked total where it differs."""
    rows = []
    for form in scope.forms:
        result, unit, total = _result(scope, form), unit_of(form), form.funds["total"]
        figures = form_figures(result) if result is not None else None
        unit_total, recheck = context.total_cells(figures) if figures is not None else ("", "未能评分")
        rows.append([form.name, _amount(total.budget, unit), _amount(total.actual, unit),
                     percent(result.execution_rate) if result and result.execution_rate is not None else "未能计算",
                     unit_total, (figures.unit_grade or "") if figures else "", recheck])
    doc.paragraph("本次自评的项目及其结果如下（金额单位以各项目自评表为准；执行率按表中金额计算；总分和等级为单位自评，"
                  "「复核总分」只列出按规则复核与自评不同的项目，注「保留自评」的差异来自单位写明理由的调整，复核予以接受）：")
    doc.table(["项目名称", "全年预算数", "全年执行数", "预算执行率", "自评总分", "自评等级", "复核总分"], rows,
              widths=(3.3, 2.8, 2.8, 1.9, 1.6, 1.2, 2.7))


def project_overview(doc: ReportDocument, scope: Scope) -> None:
    """Who runs the project, for which year, with how much money."""
    for form in scope.forms:
        fields = form.fields
        doc.paragraph("项目名称：", text_or_gap(fields["project_name"].text, "项目名称"),
                      "；主管部门：", text_or_gap(fields["department"].text, "主管部门"),
                      "；实施单位：", text_or_gap(fields["implementer"].text, "实施单位"),
                      "；评价年度：", text_or_gap(cell_text(fields["year"]), "评价年度"),
                      "；金额单位：", text_or_gap(unit_of(form), "金额单位"), "。")
        if fields["project_amount"].entered is not None:
            doc.paragraph(f"项目金额：{_amount(fields['project_amount'], unit_of(form))}。")
        doc.paragraph(Placeholder("项目设立背景、主要内容和实施情况"))


def funds(doc: ReportDocument, scope: Scope) -> None:
    """The 项目资金 block, then the execution rate and its score with the arithmetic."""
    for form in scope.forms:
        unit = unit_of(form)
        rows = [[FUND_LABELS[key]] + [_amount(getattr(row, column), "") for column, _ in FUND_COLUMNS]
                for key, row in form.funds.items()]
        headers = ["资金来源"] + [f"{label}（{unit}）" if unit else label for _, label in FUND_COLUMNS]
        doc.table(headers, rows, widths=(4.6, 3.8, 3.8, 3.8))
        result = _result(scope, form)
        execution = next((item for item in result.items if item.kind == "execution"), None) if result else None
        total = form.funds["total"]
        if execution is None or execution.computed is None:
            doc.paragraph("预算执行率未能计算（见「存在的问题」所列各项）。")
            continue
        rate = f"预算执行率为 {percent(result.execution_rate)}"
        if any(flag.code == "rate_mismatch" and flag.cell == total.rate.ref for flag in result.flags):
            rate += f"（表中填为 {cell_text(total.rate)}）"
        facts = f"全年预算数 {_amount(total.budget, unit)}，全年执行数 {_amount(total.actual, unit)}，{rate}"
        difference = difference_of(execution)
        if difference is None:
            doc.paragraph(f"{facts}，执行率得分 {score(execution.standing)} 分（分值 {weight(execution.weight)} 分）。"
                          f"计算过程：{execution.explanation}。")
            continue
        doc.paragraph(f"{facts}，执行率自评得分 {score(difference.unit)} 分（分值 {weight(execution.weight)} 分）。")
        doc.paragraph(f"按规则复核，执行率得分为 {score(difference.rule)} 分（{context.difference_cause(difference)}）："
                      f"{execution.explanation}。")


def goals(doc: ReportDocument, scope: Scope) -> None:
    """年度总体目标: what was planned and what was done, as written in the form."""
    for form in scope.forms:
        doc.paragraph("预期目标：", text_or_gap(form.fields["goal_expected"].text, "年度总体目标·预期目标"))
        doc.paragraph("实际完成情况：", text_or_gap(form.fields["goal_actual"].text, "年度总体目标·实际完成情况"))


def indicators(doc: ReportDocument, scope: Scope) -> None:
    """Every indicator: target, actual, weight, the unit's score, the re-check where it differs,
    and achievement."""
    for form in scope.forms:
        items = by_cell(_result(scope, form))
        rows = []
        for ind in form.indicators:
            item = items.get(ind.score_ref)
            scores = [context.unit_cell(item), context.recheck_cell(item)] if item else ["", "未能计分"]
            rows.append([ind.level1, ind.level2, ind.label, cell_text(ind.target), cell_text(ind.actual),
                         cell_text(ind.weight), *scores, achievement_of(item) if item else "未能计分"])
        doc.paragraph("各项绩效指标的完成情况如下（自评得分为表中填报的得分；「复核得分」只列出按规则复核与自评不同"
                      "或表中未填的得分，注「保留自评」的差异复核予以接受）：")
        doc.table(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "复核得分",
                   "完成情况"], rows,
                  widths=(1.5, 1.5, 2.6, 1.8, 1.8, 1.0, 1.4, 2.8, 1.7), merge_columns=(0, 1))


def conclusion(doc: ReportDocument, scope: Scope) -> None:
    """The unit's total and grade; the re-check where it differs."""
    for form in scope.forms:
        context.conclusion(doc, scope, _result(scope, form),
                           {ind.score_ref: ind.reason_text for ind in form.indicators})


def deviations(doc: ReportDocument, scope: Scope) -> None:
    """Where the project fell short of (or far beyond) its targets, with the reasons the clerk wrote."""
    for form in scope.forms:
        result = _result(scope, form)
        items = by_cell(result)
        execution = next((item for item in result.items if item.kind == "execution"), None) if result else None
        written = [_execution_shortfall(doc, form, result, execution)]
        for ind in form.indicators:
            item = items.get(ind.score_ref)
            if item is not None and needs_explaining(item, ind.reason_text):
                written.append(_deviation(doc, ind, item))
        if not any(written):
            rate = f"预算执行率 {percent(result.execution_rate)}，" if result and result.execution_rate is not None else ""
            doc.paragraph(f"未发现需要说明的偏差：{rate}各项绩效指标均按分值得分。")


def needs_explaining(item: ItemResult, reason: str) -> bool:
    """Points lost (by the rule or by the form), a target far exceeded, or a reason the clerk wrote."""
    return lost_points(item) or achievement_of(item) == "超额完成" or bool(reason)


def _execution_shortfall(doc: ReportDocument, form, result: FormResult | None, execution: ItemResult | None) -> bool:
    if result is None or execution is None or result.execution_rate is None or result.execution_rate >= 1:
        return False
    unit, total = unit_of(form), form.funds["total"]
    doc.paragraph(f"「预算执行率」：全年预算数 {_amount(total.budget, unit)}，全年执行数 {_amount(total.actual, unit)}，"
                  f"执行率 {percent(result.execution_rate)}，{context.score_phrase(execution)}。未执行原因及改进措施：",
                  Placeholder("预算未全部执行的原因和改进措施"))
    return True


def _deviation(doc: ReportDocument, ind: IndicatorRow, item: ItemResult) -> bool:
    state = achievement_of(item)
    facts = (f"年度指标值「{cell_text(ind.target)}」，实际完成值「{cell_text(ind.actual)}」，{state}，"
             f"{context.score_phrase(item)}")
    gap = f"「{ind.label}」{'超额完成' if state == '超额完成' else '偏差'}的原因和改进措施"
    context.deviation(doc, ind.label, facts, ind.reason_text, gap)
    return True


def open_flags(doc: ReportDocument, scope: Scope) -> None:
    context.open_flags(doc, scope, [_result(scope, form) for form in scope.forms])


def scoring_table(doc: ReportDocument, scope: Scope) -> None:
    """The scoring table: every item's weight, the unit's score, the re-check where it differs
    and the rule's arithmetic."""
    for form in scope.forms:
        result = _result(scope, form)
        if result is None:
            continue
        rows = [[item.label, *context.score_cells(item), item.explanation] for item in result.items]
        rows.append(["总分", cell_text(form.fields["total_weight"]), *context.total_cells(form_figures(result)),
                     result.total_explanation])
        doc.paragraph("自评得分为表中填报的得分；「复核得分」只列出按规则复核与自评不同或表中未填的得分；"
                      "计算说明为按规则计算的算式。")
        doc.table(["指标", "分值", "自评得分", "复核得分", "计算说明"], rows, widths=(3.4, 1.1, 1.7, 2.8, 7.0))


BLOCKS = {
    "project_summary": project_summary, "project_overview": project_overview, "funds": funds, "goals": goals,
    "indicators": indicators, "conclusion": conclusion, "deviations": deviations, "open_flags": open_flags,
    "scoring_table": scoring_table,
}
