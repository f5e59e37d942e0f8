"""The content blocks of a department workbook's report (部门整体支出绩效: 评分表, 目标完成情况自评表, 基础数据).

The 评分表 result carries the framework's scores; the 目标完成情况自评表 result carries the
task amounts and each indicator's status (达成 / 未达成 / 需人工判断); the 基础数据 sheet holds the
inputs the framework's formulas use (amounts, staff, rates), each declared by the profile with
its label and unit. Amounts are written in 万元 with two decimals as real reports write them
(the template's task columns are in 元). :data:`BLOCKS` names the blocks for the outline.

Example (the seed-004 sample, 五华 2023: 32 of 35 staff, revenue totals in 基础数据, no tasks)::

    >>> from toolkit.narrative.draft import read_draft
    >>> draft = read_draft("samples/seed004_部门整体支出绩效.xlsx")
    >>> doc = ReportDocument("示例")
    >>> staffing(doc, Scope(draft))
    >>> print(doc.document.paragraphs[0].text)
    本单位在编人数为 32 人，核定编制数为 35 人。
    >>> department_funds(doc, Scope(draft))
    >>> [cell.text for cell in doc.document.tables[0].rows[1].cells]
    ['财政拨款收入年初预算数', '19,473.01']
"""

from __future__ import annotations

from toolkit.core.arith import fmt
from toolkit.forms.department.layout import TASK_COLUMNS, TASK_HEADERS
from toolkit.narrative import context, issues
from toolkit.narrative.context import Scope, below_weight, by_cell, text_or_gap
from toolkit.narrative.document import ReportDocument
from toolkit.narrative.figures import form_figures
from toolkit.narrative.formats import Placeholder, cell_text, in_wan, money, percent
from toolkit.narrative.outline import low_execution_rate

MONEY_UNIT = "元"  # the template's 预算数（元）/ 执行数（元）
TASK_HEADER = dict(zip(TASK_COLUMNS, TASK_HEADERS))
AMOUNTS = TASK_COLUMNS[3:]
MONEY_UNITS = ("元", "万元")


def _score_result(scope: Scope, form):
    return scope.draft.result(form.sheet)


def _target_result(scope: Scope, form):
    return scope.draft.result(form.target.sheet) if form.target is not None else None


def _shown(cell, result) -> object:
    """A cell as the scored workbook shows it: the clerk's entry, else the tool's fill."""
    if cell.entered is not None:
        return cell.entered
    return result.fills.get(cell.ref) if result is not None else None


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _wan(value) -> str:
    """A task amount (元) as a 「（万元）」 table cell."""
    return money(in_wan(value, MONEY_UNIT)) if _is_number(value) else ""


def declared_inputs(scope: Scope, form) -> list[tuple[dict, object]]:
    """The 基础数据 inputs the profile declares that the form fills: (declaration, value)."""
    found = []
    for declared in scope.draft.profile.get("inputs", []):
        cell = form.inputs.get(declared["id"])
        if cell is not None and cell.value is not None and cell.value != "":
            found.append((declared, cell.value))
    return found


def _task_totals(scope: Scope, form) -> dict[str, object]:
    result = _target_result(scope, form)
    return {key: _shown(form.target.total[key], result) for key in AMOUNTS} if form.target is not None else {}


def task_execution_rate(scope: Scope, form) -> float | None:
    """执行数·总额 ÷ 预算数·总额 of the 金额合计 row (None without both)."""
    totals = _task_totals(scope, form)
    budget, actual = totals.get("budget_total"), totals.get("actual_total")
    return actual / budget if _is_number(budget) and budget and _is_number(actual) else None


def tasks(doc: ReportDocument, scope: Scope) -> None:
    """年度主要任务: name, content and completion as the clerk wrote them."""
    for form in scope.forms:
        if form.target is None or not form.target.tasks:
            doc.paragraph(Placeholder("年度重点工作任务及完成情况"))
            continue
        doc.paragraph("部门年度主要任务及完成情况如下：")
        doc.table([TASK_HEADER[key] for key in ("name", "content", "status")],
                  [[row.cells["name"].text, row.cells["content"].text,
                    text_or_gap(row.cells["status"].text, "完成情况")] for row in form.target.tasks],
                  widths=(3.2, 10.0, 2.8))


def department_budget(doc: ReportDocument, scope: Scope) -> None:
    """The year's budget: the 金额合计 of the tasks' 预算数 (total and 财政拨款)."""
    for form in scope.forms:
        totals = _task_totals(scope, form)
        if not _is_number(totals.get("budget_total")):
            continue
        fiscal = totals.get("budget_fiscal")
        aside = f"，其中财政拨款 {money(in_wan(fiscal, MONEY_UNIT), '万元')}" if _is_number(fiscal) else ""
        doc.paragraph(f"部门年度预算数合计 {money(in_wan(totals['budget_total'], MONEY_UNIT), '万元')}{aside}"
                      f"（{len(form.target.tasks)} 项任务，见预算执行情况表）。")


def department_funds(doc: ReportDocument, scope: Scope) -> None:
    """Budget and spending per task and in total (万元), the execution rate, and the amounts of
    the 基础数据 sheet (revenue, carry-over …); a placeholder only when neither holds a figure."""
    for form in scope.forms:
        has_tasks = form.target is not None and bool(form.target.tasks)
        if has_tasks:
            totals = _task_totals(scope, form)
            rows = [[row.cells["name"].text] + [_wan(row.cells[key].entered) for key in AMOUNTS]
                    for row in form.target.tasks]
            rows.append(["金额合计"] + [_wan(totals[key]) for key in AMOUNTS])
            doc.table(["任务名称"] + [f"{TASK_HEADER[key]}（万元）" for key in AMOUNTS], rows,
                      widths=(4.0, 3.0, 3.0, 3.0, 3.0))
            rate = task_execution_rate(scope, form)
            if rate is not None:
                doc.paragraph(f"部门年度预算数合计 {money(in_wan(totals['budget_total'], MONEY_UNIT), '万元')}，执行数合计 "
                              f"{money(in_wan(totals['actual_total'], MONEY_UNIT), '万元')}，预算执行率为 {percent(rate)}。")
        amounts = [(declared, value) for declared, value in declared_inputs(scope, form)
                   if declared.get("unit") in MONEY_UNITS and _is_number(value)]
        if amounts:
            doc.paragraph("基础数据表中的收支数据如下（金额单位：万元）：")
            doc.table(["数据项", "金额"], [[declared["label"], money(in_wan(value, declared["unit"]))]
                                          for declared, value in amounts], widths=(11.0, 5.0))
        if not has_tasks and not amounts:
            doc.paragraph(Placeholder("部门预算数和执行数"))


def staffing(doc: ReportDocument, scope: Scope) -> None:
    """人员编制: the 基础数据 counts in 人 (在编人数, 核定编制数 …)."""
    for form in scope.forms:
        staff = [(declared, value) for declared, value in declared_inputs(scope, form)
                 if declared.get("unit") == "人" and _is_number(value)]
        if not staff:
            doc.paragraph(Placeholder("人员编制情况（核定编制数、在编人数）"))
            continue
        doc.paragraph("本单位" + "，".join(f"{declared['label']}为 {fmt(float(value))} 人"
                                          for declared, value in staff) + "。")


def basic_data(doc: ReportDocument, scope: Scope) -> None:
    """The other 基础数据 the framework's formulas use (rates, counts, yes/no), as filled."""
    for form in scope.forms:
        rows = []
        for declared, value in declared_inputs(scope, form):
            unit = declared.get("unit") or ""
            if unit in MONEY_UNITS or unit == "人":
                continue  # stated with the funds and the staff
            if declared.get("type") == "percent" and _is_number(value):
                shown = percent(value) if abs(value) <= 1.5 else f"{fmt(float(value))}%"
            elif _is_number(value):
                shown = fmt(float(value)) + ("" if unit.startswith(("分", "是")) else unit)
            else:
                shown = str(value)
            rows.append([declared["label"], shown])
        if rows:
            doc.paragraph("评分所用的其他基础数据：")
            doc.table(["数据项", "数值"], rows, widths=(11.0, 5.0))


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


def problems(doc: ReportDocument, scope: Scope) -> None:
    """存在问题 by kind: a low execution rate, the 评分表 indicators that lost points by the rule
    (or, where a person scores, by the unit's score) with the 扣分理由 written, the target-grid
    indicators not met with their reasons; the deviations no cell explains asked for once."""
    for form in scope.forms:
        kinds, unexplained = [], []
        rate = task_execution_rate(scope, form)
        if rate is not None and rate < low_execution_rate() - 1e-12:
            kinds.append(issues.Kind("部门预算执行率偏低", [f"全年预算执行率 {percent(rate)}，低于 "
                                                             f"{percent(low_execution_rate())}"]))
            unexplained.append("部门预算执行率偏低")
        deducted = issues.Kind("部分评分指标扣分")
        items = by_cell(_score_result(scope, form))
        for row in form.rows:
            item = items.get(row.score.ref)
            if item is None or not below_weight(item):
                continue
            label, reason = row.level3.text, row.justification.text
            deducted.items.append(issues.with_reason(f"「{label}」{context.score_phrase(item)}", reason, "扣分理由"))
            if not reason:
                unexplained.append(f"「{label}」")
        missed = issues.Kind("部分年度绩效指标未达成")
        statuses = by_cell(_target_result(scope, form))
        for ind in form.target.indicators if form.target is not None else []:
            item = statuses.get(ind.score_ref)
            if item is None or not (item.status or "").startswith("未达成"):
                continue
            facts = f"「{ind.label}」预期指标值 {cell_text(ind.target)}，实际完成 {cell_text(ind.actual)}，{item.status}"
            missed.items.append(issues.with_reason(facts, ind.reason_text))
            if not ind.reason_text:
                unexplained.append(f"「{ind.label}」")
        issues.write_problems(doc, kinds + [deducted, missed], unexplained)


def checklist(doc: ReportDocument, scope: Scope) -> None:
    """附件「待核对事项」: the checker's open findings on the 评分表 and the 目标完成情况自评表."""
    book_flags = list(scope.draft.book.flags) if scope.form is None else []
    issues.checklist(doc, [result for form in scope.forms
                           for result in (_score_result(scope, form), _target_result(scope, form))], book_flags)


def scoring_table(doc: ReportDocument, scope: Scope) -> None:
    """The 评分表: every indicator's weight, the unit's score, the re-check where it differs and
    the 指标实际值 the form states."""
    for form in scope.forms:
        result = _score_result(scope, form)
        items = by_cell(result)
        rows = [[row.level1, row.level2, row.level3.text, *context.score_cells(items.get(row.score.ref)),
                 cell_text(row.measure)] for row in form.rows]
        totals = context.total_cells(form_figures(result)) if result is not None else ["", "未能评分"]
        rows.append(["合计", "", "", "", *totals, ""])
        doc.table(["一级指标", "二级指标", "三级指标", "分值", "自评得分", "复核得分", "指标实际值"], rows,
                  widths=(1.8, 2.0, 4.2, 1.2, 1.6, 2.0, 3.2), merge_columns=(0, 1))


BLOCKS = {
    "tasks": tasks, "department_budget": department_budget, "department_funds": department_funds,
    "staffing": staffing, "basic_data": basic_data, "goal_expected": goal_expected,
    "goal_actual": goal_actual, "target_indicators": target_indicators, "conclusion": conclusion,
    "problems": problems, "checklist": checklist, "scoring_table": scoring_table,
    "deviations": problems, "open_flags": checklist,  # the names of earlier outlines
}
