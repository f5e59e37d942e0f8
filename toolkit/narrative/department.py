"""The content blocks of a department workbook's report (部门整体支出绩效: 评分表, 目标完成情况自评表).

The 评分表 result carries the framework's scores; the 目标完成情况自评表 result carries the
task amounts and each indicator's status (达成 / 未达成 / 需人工判断). Amounts are in 元, as the
template's 预算数（元）/ 执行数（元） columns say. :data:`BLOCKS` names the blocks for the outline.

Example (the seed-000 sample, 盐田 2021)::

    >>> from toolkit.narrative.draft import read_draft
    >>> draft = read_draft("samples/seed000_部门整体支出绩效.xlsx")
    >>> doc = ReportDocument("示例")
    >>> deviations(doc, Scope(draft))
    >>> print(doc.document.paragraphs[1].text)
    「绩效指标明确性」：得分 5.00（分值 7）。扣分理由：【待填写：「绩效指标明确性」扣分理由和改进措施】
"""

from __future__ import annotations

from toolkit.forms.department.layout import TASK_COLUMNS, TASK_HEADERS
from toolkit.narrative import context
from toolkit.narrative.context import Scope, by_cell, lost_points, text_or_gap
from toolkit.narrative.document import ReportDocument
from toolkit.narrative.figures import form_figures
from toolkit.narrative.formats import Placeholder, cell_text, money, score

MONEY_UNIT = "元"  # the template's 预算数（元）/ 执行数（元）
TASK_HEADER = dict(zip(TASK_COLUMNS, TASK_HEADERS))
AMOUNTS = TASK_COLUMNS[3:]


def _score_result(scope: Scope, form):
    return scope.draft.result(form.sheet)


def _target_result(scope: Scope, form):
    return scope.draft.result(form.target.sheet) if form.target is not None else None


def _shown(cell, result) -> object:
    """A cell as the scored workbook shows it: the clerk's entry, else the tool's fill."""
    if cell.entered is not None:
        return cell.entered
    return result.fills.get(cell.ref) if result is not None else None


def _money(value) -> str:
    return money(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def tasks(doc: ReportDocument, scope: Scope) -> None:
    """年度主要任务: name, content and completion as the clerk wrote them."""
    for form in scope.forms:
        if form.target is None or not form.target.tasks:
            doc.paragraph(Placeholder("年度总体工作和重点工作任务"))
            continue
        doc.paragraph("部门年度主要任务及完成情况如下：")
        doc.table([TASK_HEADER[key] for key in ("name", "content", "status")],
                  [[row.cells["name"].text, row.cells["content"].text,
                    text_or_gap(row.cells["status"].text, "完成情况")] for row in form.target.tasks],
                  widths=(3.2, 10.0, 2.8))


def department_funds(doc: ReportDocument, scope: Scope) -> None:
    """Budget and spending per task and in total (元)."""
    for form in scope.forms:
        if form.target is None:
            doc.paragraph(Placeholder("部门预算数和执行数"))
            continue
        result = _target_result(scope, form)
        rows = [[row.cells["name"].text] + [_money(row.cells[key].entered) for key in AMOUNTS]
                for row in form.target.tasks]
        total = {key: _shown(form.target.total[key], result) for key in AMOUNTS}
        rows.append(["金额合计"] + [_money(total[key]) for key in AMOUNTS])
        doc.table(["任务名称"] + [f"{TASK_HEADER[key]}（{MONEY_UNIT}）" for key in AMOUNTS], rows,
                  widths=(3.6, 3.1, 3.1, 3.1, 3.1))
        if _money(total["budget_total"]) and _money(total["actual_total"]):
            doc.paragraph(f"部门年度预算数合计 {money(total['budget_total'], MONEY_UNIT)}，执行数合计 "
                          f"{money(total['actual_total'], MONEY_UNIT)}。")
        doc.paragraph("预算执行情况分析：", Placeholder("预算调整、执行进度和未执行原因"))


def goal_expected(doc: ReportDocument, scope: Scope) -> None:
    """年度总体目标·预期目标, as written."""
    for form in scope.forms:
        goals = form.target.goals if form.target is not None else {}
        cell = goals.get("goal_expected")
        doc.paragraph(text_or_gap(cell.text if cell else "", "年度总体目标·预期目标"))


def goal_actual(doc: ReportDocument, scope: Scope) -> None:
    """年度总体目标·目标实际完成情况, as written."""
    for form in scope.forms:
        goals = form.target.goals if form.target is not None else {}
        cell = goals.get("goal_actual")
        doc.paragraph(text_or_gap(cell.text if cell else "", "年度总体目标·目标实际完成情况"))


def target_indicators(doc: ReportDocument, scope: Scope) -> None:
    """The 年度绩效指标 grid with each indicator's status (no points: the grid has no 分值)."""
    for form in scope.forms:
        if form.target is None or not form.target.indicators:
            doc.paragraph(Placeholder("年度绩效指标完成情况"))
            continue
        items = by_cell(_target_result(scope, form))
        rows = [[ind.level1, ind.level2, ind.label, cell_text(ind.target), cell_text(ind.actual),
                 items[ind.score_ref].status if ind.score_ref in items else ""] for ind in form.target.indicators]
        doc.paragraph("年度绩效指标完成情况如下（完成情况按规则判定）：")
        doc.table(["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值", "完成情况"], rows,
                  widths=(1.9, 1.9, 4.1, 2.6, 2.6, 2.9), merge_columns=(0, 1))


def conclusion(doc: ReportDocument, scope: Scope) -> None:
    """The unit's 综合评分 and grade (the total filled in the 评分表); the re-check where it differs."""
    for form in scope.forms:
        context.conclusion(doc, scope, _score_result(scope, form),
                           {row.score.ref: row.justification.text for row in form.rows})


def deviations(doc: ReportDocument, scope: Scope) -> None:
    """Points lost in the 评分表 with the 扣分理由 written, and indicators not met or far exceeded."""
    for form in scope.forms:
        written = False
        items = by_cell(_score_result(scope, form))
        for row in form.rows:
            item = items.get(row.score.ref)
            if item is None or not (lost_points(item) or row.justification.text):
                continue
            label = row.level3.text
            context.deviation(doc, label, context.score_phrase(item), row.justification.text,
                              f"「{label}」扣分理由和改进措施", "扣分理由")
            written = True
        statuses = by_cell(_target_result(scope, form))
        for ind in form.target.indicators if form.target is not None else []:
            item = statuses.get(ind.score_ref)
            over = item is not None and any(flag.code == "over_achievement" for flag in item.flags)
            if item is None or not (over or (item.status or "").startswith("未达成") or ind.reason_text):
                continue
            what = "超额完成" if over else item.status
            facts = f"预期指标值「{cell_text(ind.target)}」，实际完成指标值「{cell_text(ind.actual)}」，{what}"
            context.deviation(doc, ind.label, facts, ind.reason_text,
                              f"「{ind.label}」{'超额完成' if over else '未达成'}的原因和改进措施")
            written = True
        if not written:
            doc.paragraph("未发现需要说明的偏差：评分表各项指标均按分值得分，年度绩效指标均已达成。")


def open_flags(doc: ReportDocument, scope: Scope) -> None:
    context.open_flags(doc, scope, [result for form in scope.forms
                                    for result in (_score_result(scope, form), _target_result(scope, form))])


def scoring_table(doc: ReportDocument, scope: Scope) -> None:
    """The 评分表: every indicator's weight, the unit's score, the re-check where it differs and the
    rule's arithmetic."""
    for form in scope.forms:
        result = _score_result(scope, form)
        items = by_cell(result)
        rows = [[row.level1, row.level2, row.level3.text, *context.score_cells(items.get(row.score.ref)),
                 items[row.score.ref].explanation if row.score.ref in items else ""] for row in form.rows]
        totals = context.total_cells(form_figures(result)) if result is not None else ["", "未能评分"]
        rows.append(["合计", "", "", "", *totals, result.total_explanation if result else ""])
        doc.paragraph("自评得分为评分表中填报的得分；「复核得分」只列出按规则复核与自评不同或表中未填的得分"
                      "（须人工评分或基础数据未填的指标，复核按单位评分计入）；计算说明为按规则计算的算式。")
        doc.table(["一级指标", "二级指标", "三级指标", "分值", "自评得分", "复核得分", "计算说明"], rows,
                  widths=(1.5, 1.5, 2.5, 1.1, 1.3, 2.8, 5.3), merge_columns=(0, 1))


BLOCKS = {
    "tasks": tasks, "department_funds": department_funds, "goal_expected": goal_expected,
    "goal_actual": goal_actual, "target_indicators": target_indicators, "conclusion": conclusion,
    "deviations": deviations, "open_flags": open_flags, "scoring_table": scoring_table,
}
