"""The content blocks of a project workbook's report (项目支出绩效自评表, one form per project).

Each block writes facts of the forms and of their scored results as real reports write them —
amounts in 万元 with two decimals (:func:`~toolkit.narrative.formats.wan`), rates as percents with
two decimals computed from the amounts (never the 2-decimal rate a scoring convention uses),
scores with two decimals — and a placeholder only where no cell holds what the report needs,
each asked once (a field blank on every form, such as 实施单位, is asked once, in the summary).
Workbook-wide facts come first: the number of projects, the 年初 and 全年 budget totals, each
mid-year adjustment, the overall execution rate, the lowest rates and the grade split.
:data:`BLOCKS` names the blocks for the outline.

Example (the 社保业务公众服务经费 form of the seed-003 sample)::

    >>> from toolkit.narrative.draft import read_draft
    >>> draft = read_draft("samples/seed003_项目支出绩效自评表.xlsx")
    >>> doc = ReportDocument("示例")
    >>> funds(doc, Scope(draft, draft.book.forms[1]))
    >>> print(doc.document.paragraphs[0].text)  # doctest: +NORMALIZE_WHITESPACE
    项目金额 1,438.93万元，年初预算数 447.80万元，年中调减 3.00万元；全年预算数 444.80万元，全年执行数 386.67万元，预算执行率为 86.93%（表中填为 0.86），执行率自评得分 8.60 分（分值 10 分）。资金来源：当年财政拨款全年预算 444.80万元、执行 386.67万元；其他资金年初预算 447.80万元。
    >>> print(doc.document.paragraphs[1].text)
    按规则复核，执行率得分为 8.70 分（填报得分与按规则计算不符）。
    >>> achievement_of(ItemResult("indicator", "案件调查数", 10.0, 10.0, 10.0, "H12", "positive_met", "", "J12", "K12"))
    '达成'
"""

from __future__ import annotations

from toolkit.core.results import FormResult, ItemResult
from toolkit.forms.project.layout import FUND_ROWS
from toolkit.narrative import context, issues
from toolkit.narrative.context import Scope, below_weight, by_cell, checked_score, text_or_gap
from toolkit.narrative.document import ReportDocument, Segment
from toolkit.narrative.figures import TOLERANCE, difference_of, form_figures
from toolkit.narrative.formats import Placeholder, cell_text, in_wan, money, percent, score, wan, weight
from toolkit.narrative.outline import low_execution_rate

FUND_LABELS = dict(FUND_ROWS)
SOURCE_ROWS = (("appropriation", "当年财政拨款"), ("carryover", "上年结转资金"), ("other", "其他资金"))
OVER_ACHIEVEMENT = ("over_achievement", "over_achievement_explained", "over_achievement_deducted")
ACHIEVEMENT = {  # scoring method → what it says about the target
    "positive_met": "达成", "reverse_met": "达成", "equal_met": "达成", "qualitative_met": "达成",
    "positive_ratio": "未达成", "equal_missed": "未达成", "reverse_ratio": "未达成（超出目标）",
    "reverse_linear": "未达成（超出目标）", "over_achievement_deducted": "超额完成",
    "qualitative_manual": "人工评分", "qualitative_clamped": "人工评分", "quantitative_manual": "人工评分",
    "qualitative_judgement": "需人工评分", "not_applicable": "不适用", "unscored": "未能计分",
}
LOWEST_SHOWN = 3  # the lowest execution rates named in the funds overview


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


def number(cell) -> float | None:
    """A cell's number (None when blank or text)."""
    value = cell.value if cell is not None else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def execution_rate(form) -> float | None:
    """全年执行数 ÷ 全年预算数 of the 年度资金总额 row, not rounded (a scoring convention may round
    it before it scores; a report states the rate itself).

    >>> from toolkit.service import read_workbook
    >>> round(execution_rate(read_workbook("samples/seed003_项目支出绩效自评表.xlsx").forms[1]), 6)
    0.86931
    """
    total = form.funds["total"]
    budget, actual = number(total.budget), number(total.actual)
    return actual / budget if budget and actual is not None else None


def _result(scope: Scope, form) -> FormResult | None:
    return scope.draft.result(form.sheet)


def _amount(cell, unit: str) -> str:
    value = number(cell)
    return wan(value, unit) if value is not None else cell_text(cell)


def _in_wan_cell(cell, unit: str) -> str:
    """An amount as a table cell of a 「（万元）」 column."""
    value = number(cell)
    return money(in_wan(value, unit)) if value is not None else cell_text(cell)


def _sum(forms, row: str, column: str) -> float:
    """The total in 万元 of one fund cell over ``forms``."""
    return sum(in_wan(value, unit_of(form)) for form in forms
               if (value := number(getattr(form.funds[row], column))) is not None)


def _adjustment(form) -> float | None:
    """全年预算数 − 年初预算数 of the form's total, in 万元 (None when either is blank)."""
    total, unit = form.funds["total"], unit_of(form)
    initial, budget = number(total.initial), number(total.budget)
    if initial is None or budget is None:
        return None
    return in_wan(budget, unit) - in_wan(initial, unit)


def _change(amount: float) -> str:
    """调增 / 调减 and the amount in 万元."""
    return f"{'调增' if amount > 0 else '调减'} {money(abs(amount), '万元')}"


# -- workbook-wide blocks -------------------------------------------------------------------

def project_summary(doc: ReportDocument, scope: Scope) -> None:
    """How many projects, who runs them (a field blank on every form asked once), and one table:
    each project's budget, spending, execution rate, the unit's total and grade, the re-check
    where it differs; a 合计 row."""
    forms = scope.forms
    departments = list(dict.fromkeys(form.fields["department"].text for form in forms if form.fields["department"].text))
    implementers = list(dict.fromkeys(form.fields["implementer"].text for form in forms
                                      if form.fields["implementer"].text))
    missing = [form.name for form in forms if not form.fields["implementer"].text]
    segments: list[Segment] = [f"本次自评的项目共 {len(forms)} 个"]
    if departments:
        segments.append(f"，主管部门为{'、'.join(departments)}")
    segments.append("；实施单位：")
    if implementers:
        segments.append("、".join(implementers))
    if missing and implementers:
        segments += ["；", Placeholder(f"{'、'.join(missing)}的实施单位")]
    elif missing:
        segments.append(Placeholder("各项目的实施单位"))
    doc.paragraph(*segments, "。各项目的资金和自评结果如下（金额单位：万元）：")
    rows = []
    for form in forms:
        result, unit, total = _result(scope, form), unit_of(form), form.funds["total"]
        figures = form_figures(result) if result is not None else None
        unit_total, recheck = context.total_cells(figures) if figures is not None else ("", "未能评分")
        rate = execution_rate(form)
        rows.append([form.name, _in_wan_cell(total.initial, unit), _in_wan_cell(total.budget, unit),
                     _in_wan_cell(total.actual, unit), percent(rate) if rate is not None else "未能计算",
                     unit_total, (figures.unit_grade or "") if figures else "", recheck])
    budget = _sum(forms, "total", "budget")
    overall = _sum(forms, "total", "actual") / budget if budget else None
    rows.append(["合计", money(_sum(forms, "total", "initial")), money(budget), money(_sum(forms, "total", "actual")),
                 percent(overall) if overall is not None else "", "", "", ""])
    doc.table(["项目名称", "年初预算数", "全年预算数", "全年执行数", "预算执行率", "自评总分", "自评等级", "复核总分"],
              rows, widths=(3.7, 1.9, 1.9, 1.9, 1.7, 1.5, 1.3, 2.1))


def goals_overview(doc: ReportDocument, scope: Scope) -> None:
    """How many indicators the projects set, by 一级指标 (those marked 不适用 apart)."""
    applicable, skipped = [], 0
    for form in scope.forms:
        for ind in form.indicators:
            if not_applicable(ind):
                skipped += 1
            else:
                applicable.append(ind.level1 or "其他")
    by_level = {level: applicable.count(level) for level in dict.fromkeys(applicable)}
    split = "、".join(f"{level} {count} 个" for level, count in by_level.items())
    aside = f"（另有 {skipped} 个标为「不适用」，不计分）" if skipped else ""
    doc.paragraph(f"{len(scope.forms)} 个项目共设置三级绩效指标 {len(applicable)} 个{aside}，其中{split}；"
                  "各项目的年度总体目标和指标完成情况见各项目的绩效目标完成情况。")


def overall_conclusion(doc: ReportDocument, scope: Scope) -> None:
    """The grade split of the unit's results, and how many totals the re-check sees differently."""
    grades: dict[str, list[str]] = {}
    differing, unchecked = [], []
    for form in scope.forms:
        result = _result(scope, form)
        if result is None:
            unchecked.append(form.name)
            continue
        figures = form_figures(result)
        grades.setdefault(figures.unit_grade or "未定等级", []).append(f"{form.name} {score(figures.unit_total)} 分"
                                                                       if figures.unit_total is not None else form.name)
        if figures.agreement in ("disputed", "unchecked"):
            differing.append(form.name)
    order = [band["grade"] for band in scope.draft.profile.get("grades", [])]
    ranked = sorted(grades, key=lambda grade: order.index(grade) if grade in order else len(order))
    split = "；".join(f"「{grade}」{len(names)} 个（{'、'.join(names)}）" for grade, names in
                     ((grade, grades[grade]) for grade in ranked))
    doc.paragraph(f"{len(scope.forms)} 个项目的自评等级：{split}。")
    if differing:
        doc.paragraph(f"按评分规则复核，{'、'.join(differing)}的得分与自评不同，见各项目的自评结论；"
                      "其余项目的自评得分与复核一致或差异已说明。")
    if unchecked:
        doc.paragraph(f"{'、'.join(unchecked)}未能评分，见附件「待核对事项」。")


def funds_overview(doc: ReportDocument, scope: Scope) -> None:
    """Budget totals, mid-year adjustments per project, spending by source, the overall execution
    rate and the lowest rates."""
    forms = scope.forms
    initial, budget, actual = (_sum(forms, "total", column) for column in ("initial", "budget", "actual"))
    change = budget - initial
    adjusted = [(form, amount) for form in forms if (amount := _adjustment(form)) is not None and abs(amount) > TOLERANCE]
    if abs(change) > TOLERANCE:
        moved = f"，较年初{_change(change)}"
    else:
        moved = "，各项目年中调增、调减相抵，合计与年初相同" if adjusted else "，与年初相同"
    overall = f"，总体预算执行率 {percent(actual / budget)}" if budget else ""
    doc.paragraph(f"{len(forms)} 个项目年初预算合计 {money(initial, '万元')}，全年预算合计 {money(budget, '万元')}{moved}；"
                  f"全年执行合计 {money(actual, '万元')}{overall}。")
    if adjusted:
        doc.paragraph(f"年中调整预算的项目 {len(adjusted)} 个：" + "；".join(
            f"{form.name}由 {_amount(form.funds['total'].initial, unit_of(form))}{_change(amount)}至 "
            f"{_amount(form.funds['total'].budget, unit_of(form))}" for form, amount in adjusted) + "。")
    sources = []
    for key, label in SOURCE_ROWS:
        parts = [f"{name} {money(value, '万元')}" for column, name in (("initial", "年初预算"), ("budget", "全年预算"),
                                                                       ("actual", "执行"))
                 if abs(value := _sum(forms, key, column)) > TOLERANCE]
        if parts:
            sources.append(f"{label}{'、'.join(parts)}")
    if sources:
        doc.paragraph(f"按资金来源：{'；'.join(sources)}。")
    rates = sorted((rate, form.name) for form in forms if (rate := execution_rate(form)) is not None)
    if rates:
        lowest = "、".join(f"{name} {percent(rate)}" for rate, name in rates[:LOWEST_SHOWN])
        doc.paragraph(f"执行率最低的{'项目' if len(rates) == 1 else f' {min(len(rates), LOWEST_SHOWN)} 个项目'}：{lowest}。")


# -- per-project blocks ---------------------------------------------------------------------

def project_overview(doc: ReportDocument, scope: Scope) -> None:
    """Who runs the project, for which year, with how much money (for outlines that ask per project)."""
    for form in scope.forms:
        fields = form.fields
        doc.paragraph("项目名称：", text_or_gap(fields["project_name"].text, "项目名称"),
                      "；主管部门：", text_or_gap(fields["department"].text, "主管部门"),
                      "；实施单位：", text_or_gap(fields["implementer"].text, "实施单位"),
                      "；评价年度：", text_or_gap(cell_text(fields["year"]), "评价年度"), "。")


def funds(doc: ReportDocument, scope: Scope) -> None:
    """The 项目资金 block in words: 项目金额, 年初 and 全年 budget, the adjustment, spending by
    source, the execution rate and its score (the re-check beside it where it differs)."""
    for form in scope.forms:
        unit, total = unit_of(form), form.funds["total"]
        opening = []
        if number(form.fields["project_amount"]) is not None:
            opening.append(f"项目金额 {_amount(form.fields['project_amount'], unit)}")
        if number(total.initial) is not None:
            amount = _adjustment(form)
            moved = f"，年中{_change(amount)}" if amount is not None and abs(amount) > TOLERANCE else ""
            opening.append(f"年初预算数 {_amount(total.initial, unit)}{moved}")
        lead = "，".join(opening) + "；" if opening else ""
        result = _result(scope, form)
        execution = next((item for item in result.items if item.kind == "execution"), None) if result else None
        rate_value = execution_rate(form)
        sources = []
        for key, label in SOURCE_ROWS:
            row = form.funds.get(key)
            parts = [f"{name} {_amount(cell, unit)}" for cell, name in
                     ((row.initial, "年初预算"), (row.budget, "全年预算"), (row.actual, "执行"))
                     if number(cell)] if row is not None else []
            if parts:
                sources.append(f"{label}{'、'.join(parts)}")
        by_source = f"资金来源：{'；'.join(sources)}。" if sources else ""
        if execution is None or execution.computed is None or rate_value is None:
            doc.paragraph(f"{lead}预算执行率未能计算（见附件「待核对事项」）。{by_source}")
            continue
        rate = f"预算执行率为 {percent(rate_value)}"
        if any(flag.code == "rate_mismatch" and flag.cell == total.rate.ref for flag in result.flags):
            rate += f"（表中填为 {cell_text(total.rate)}）"
        facts = f"全年预算数 {_amount(total.budget, unit)}，全年执行数 {_amount(total.actual, unit)}，{rate}"
        difference = difference_of(execution)
        if difference is None:
            doc.paragraph(f"{lead}{facts}，执行率得分 {score(execution.standing)} 分（分值 {weight(execution.weight)} 分）。"
                          f"{by_source}")
        else:
            doc.paragraph(f"{lead}{facts}，执行率自评得分 {score(difference.unit)} 分（分值 {weight(execution.weight)} 分）。"
                          f"{by_source}")
            doc.paragraph(f"按规则复核，执行率得分为 {score(difference.rule)} 分（{context.difference_cause(difference)}）。")


def goals(doc: ReportDocument, scope: Scope) -> None:
    """年度总体目标: what was planned and what was done, as written in the form."""
    for form in scope.forms:
        doc.paragraph("预期目标：", text_or_gap(form.fields["goal_expected"].text, "年度总体目标·预期目标"))
        doc.paragraph("实际完成情况：", text_or_gap(form.fields["goal_actual"].text, "年度总体目标·实际完成情况"))


def not_applicable(ind) -> bool:
    """A row the form marks 不适用 with no points (real reports leave it out of their tables)."""
    return "不适用" in (ind.level3.text, cell_text(ind.target)) and not number(ind.weight)


def indicators(doc: ReportDocument, scope: Scope) -> None:
    """Every applicable indicator: target, actual, weight, the unit's score, the re-check where it
    differs, and achievement (rows marked 不适用 without points are counted in the overview)."""
    for form in scope.forms:
        items = by_cell(_result(scope, form))
        rows = []
        for ind in form.indicators:
            if not_applicable(ind):
                continue
            item = items.get(ind.score_ref)
            scores = [context.unit_cell(item), context.recheck_cell(item)] if item else ["", "未能计分"]
            rows.append([ind.level1, ind.level2, ind.label, cell_text(ind.target), cell_text(ind.actual),
                         cell_text(ind.weight), *scores, achievement_of(item) if item else "未能计分"])
        doc.table(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "复核得分",
                   "完成情况"], rows,
                  widths=(1.7, 1.9, 3.0, 2.0, 1.8, 0.9, 1.2, 1.6, 1.5), merge_columns=(0, 1))


def conclusion(doc: ReportDocument, scope: Scope) -> None:
    """The unit's total and grade; the re-check where it differs."""
    for form in scope.forms:
        context.conclusion(doc, scope, _result(scope, form),
                           {ind.score_ref: ind.reason_text for ind in form.indicators})


def problems(doc: ReportDocument, scope: Scope) -> None:
    """存在的问题 by kind: projects whose execution is low, indicators not (fully) met with the
    reasons written; the deviations no cell explains asked for once. An indicator the rule
    rates 达成 at full marks is never listed (a deduction on it is a checker finding)."""
    threshold = low_execution_rate()
    low = sorted((rate, form) for form in scope.forms
                 if (rate := execution_rate(form)) is not None and rate < threshold - 1e-12)
    execution = issues.Kind(f"部分项目预算执行率偏低，{len(low)} 个项目全年预算执行率低于 {percent(threshold)}",
                            [f"{form.name} {percent(rate)}（全年预算 {_amount(form.funds['total'].budget, unit_of(form))}，"
                             f"执行 {_amount(form.funds['total'].actual, unit_of(form))}）" for rate, form in low])
    missed = issues.Kind("部分绩效指标未完全达成")
    unexplained = [f"预算执行率偏低的 {len(low)} 个项目"] if low else []
    for form in scope.forms:
        items = by_cell(_result(scope, form))
        for ind in form.indicators:
            item = items.get(ind.score_ref)
            if item is None or not below_weight(item):
                continue
            facts = (f"{form.name}「{ind.label}」年度指标值 {cell_text(ind.target)}，实际完成 {cell_text(ind.actual)}，"
                     f"{context.score_phrase(item)}")
            missed.items.append(issues.with_reason(facts, ind.reason_text))
            if not ind.reason_text:
                unexplained.append(f"「{ind.label}」（{form.name}）")
    issues.write_problems(doc, [execution, missed], unexplained)


def checklist(doc: ReportDocument, scope: Scope) -> None:
    """附件「待核对事项」: the checker's open findings (see :mod:`toolkit.narrative.issues`)."""
    book_flags = list(scope.draft.book.flags) if scope.form is None else []
    issues.checklist(doc, [_result(scope, form) for form in scope.forms], book_flags)


def scoring_table(doc: ReportDocument, scope: Scope) -> None:
    """The scoring table: every item's weight, the unit's score and the re-check where it differs."""
    for form in scope.forms:
        result = _result(scope, form)
        if result is None:
            continue
        rows = [[item.label, *context.score_cells(item)] for item in result.items]
        rows.append(["总分", cell_text(form.fields["total_weight"]), *context.total_cells(form_figures(result))])
        doc.table(["指标", "分值", "自评得分", "复核得分"], rows, widths=(7.0, 2.0, 3.0, 4.0))


BLOCKS = {
    "project_summary": project_summary, "goals_overview": goals_overview, "overall_conclusion": overall_conclusion,
    "funds_overview": funds_overview, "project_overview": project_overview, "funds": funds, "goals": goals,
    "indicators": indicators, "conclusion": conclusion, "problems": problems, "checklist": checklist,
    "scoring_table": scoring_table,
    "deviations": problems, "open_flags": checklist,  # the names of earlier outlines
}
