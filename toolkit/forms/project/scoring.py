"""Score a project form by a rule profile: execution rate, indicators, total, grade, flags.

The engine reads a :class:`~toolkit.forms.project.model.ProjectForm` and a :class:`~toolkit.core.profile.Profile`
and returns a :class:`FormResult`. It knows nothing about Excel: cells are only the
references the model carries, so every flag can say where it belongs.

Principles, from the domain brief:

* the clerk's entries are never replaced: a computed value is *proposed* (``fills``) only for
  blank cells; a difference between an entered and a computed value is a flag that shows the
  arithmetic;
* every variant is a profile knob (no locality in code);
* a rule never awards more than its weight nor less than 0.

Example::

    >>> from toolkit.core.profile import load_profile
    >>> from toolkit.service import read_workbook
    >>> book = read_workbook("samples/seed003_项目支出绩效自评表.xlsx")
    >>> score_form(book.forms[2], load_profile("shenzhen")).total_computed  # the rate rounded first: 0.19 × 10
    91.9
    >>> score_form(book.forms[2], load_profile("national")).total_computed  # the rate not: 0.1939 × 10 = 1.94
    91.94
"""
from __future__ import annotations

from toolkit.core.arith import fmt, fmt_percent
from toolkit.core.grid import GridScorer
from toolkit.core.model import CellValue
from toolkit.core.profile import Profile
from toolkit.core.results import FormResult, ItemResult
from toolkit.core.values import parse_number, rate_as_ratio
from toolkit.forms.project.layout import LEVEL1_WEIGHT_FIELDS
from toolkit.forms.project.model import ProjectForm


class _Scorer(GridScorer):
    """The project form: 预算执行率, the shared indicator grid, the weight line, total and grade."""

    def __init__(self, form: ProjectForm, profile: Profile):
        super().__init__(form.sheet, profile)
        self.form = form
        self.execution_rate: float | None = None

    # -- execution rate --------------------------------------------------------------
    def fund_amount(self, column: str, label: str) -> float | None:
        funds = self.form.funds
        total_cell: CellValue = getattr(funds["total"], column)
        total = self.number(total_cell, f"年度资金总额·{label}", entered_only=False)
        parts = [(getattr(funds[key], column), self.number(getattr(funds[key], column), label, entered_only=False))
                 for key in ("appropriation", "carryover", "other")]
        if all(value is None for _, value in parts):
            return total
        part_sum = sum(value or 0.0 for _, value in parts)
        arithmetic = " + ".join(fmt(value or 0.0, money=True) for _, value in parts)
        if not total and part_sum:
            self.flag("fund_total_mismatch", "error", total_cell.ref,
                      f"年度资金总额的{label}为 {fmt(total or 0.0, money=True)}，但分项合计 {arithmetic} = "
                      f"{fmt(part_sum, money=True)}；已按分项合计计算，请填写正确的总额。")
            return part_sum
        if total is not None and abs(total - part_sum) > 0.005:
            self.flag("fund_total_mismatch", "error", total_cell.ref,
                      f"年度资金总额的{label} {fmt(total, money=True)} ≠ 分项合计 {arithmetic} = "
                      f"{fmt(part_sum, money=True)}；按总额计算，请核对。")
        return total

    def score_execution(self, *, points: bool = True) -> ItemResult:
        """The 预算执行率 line: the rate, and (``points``) its score; a completion-only form gets the rate."""
        rules = self.profile["execution_rate"]
        row = self.form.funds["total"]
        item = ItemResult("execution", "预算执行率", None, None, None, row.score.ref, "execution_rate",
                          "", self.form.fund_computed_ref, self.form.fund_explanation_ref)
        weight = self.number(row.weight, "执行率分值", entered_only=False)
        if not points:
            weight = None
        elif weight is None:
            weight = float(rules["weight"])
            self.fills[row.weight.ref] = weight
        elif abs(weight - rules["weight"]) > 1e-9:
            self.flag("execution_weight", "warning", row.weight.ref,
                      f"预算执行率分值为 {fmt(weight)}，规则「{self.profile['title']}」规定为 "
                      f"{fmt(rules['weight'])}；按表中分值计算，请核对。", item)
        item.weight = weight
        budget = self.fund_amount("budget", "全年预算数")
        actual = self.fund_amount("actual", "全年执行数")
        self.fund_amount("initial", "年初预算数")
        item.entered = self.number(row.score, "执行率得分")
        entered_rate = self.number(row.rate, "执行率")
        if not budget:
            self.flag("budget_zero", "error", row.budget.ref,
                      "全年预算数为 0 或未填写，无法计算预算执行率。", item)
            item.explanation = "缺少全年预算数，未计算"
            return item
        if actual is None:
            self.flag("missing_value", "error", row.actual.ref, "未填写全年执行数，无法计算预算执行率。", item)
            item.explanation = "缺少全年执行数，未计算"
            return item
        rate = actual / budget
        shown = self.rounded_ratio(rate, rules["rate_decimals"])
        self.execution_rate = shown
        item.explanation = (f"执行率 = {fmt(actual, money=True)} ÷ {fmt(budget, money=True)} = {fmt(rate)}"
                            f"{' → ' + fmt(shown) if shown != rate else ''}")
        if weight is None:
            item.status = f"执行率 {fmt_percent(shown)}"
        else:
            used = min(shown, rules["cap_rate"])
            item.computed = self.round(used * weight)
            cap_note = f"（封顶 {fmt(rules['cap_rate'])}）" if shown > rules["cap_rate"] else ""
            item.explanation += f"；得分 = {fmt(used)}{cap_note} × {fmt(weight)} = {fmt(item.computed)}"
        if entered_rate is not None:
            entered_rate = rate_as_ratio(row.rate.entered, entered_rate)
            if abs(entered_rate - shown) > rules.get("mismatch_tolerance", 0.005):
                self.flag("rate_mismatch", "error", row.rate.ref,
                          f"填报执行率 {fmt(entered_rate)}，按 {fmt(actual, money=True)} ÷ {fmt(budget, money=True)} = "
                          f"{fmt(rate)}{' → ' + fmt(shown) if shown != rate else ''} 计算，应为 {fmt(shown)}。", item)
        else:
            self.fills[row.rate.ref] = shown
        self.check_sub_row_rates(rules)
        alternatives = [] if weight is None else self.alternatives(
            rate, weight, rules["rate_decimals"], "执行率", f"{fmt(actual, money=True)} ÷ {fmt(budget, money=True)}",
            cap=rules["cap_rate"])
        self.compare_entered(item, target_met=False, alternatives=alternatives,
                             convention=self.convention_text(rules["rate_decimals"], "执行率"))
        return item

    def check_sub_row_rates(self, rules) -> None:
        """执行率 written on 当年财政拨款 / 上年结转 / 其他资金 rows must match their own amounts."""
        for key in ("appropriation", "carryover", "other"):
            row = self.form.funds[key]
            entered = self.number(row.rate, f"{row.label.text}执行率")
            entered = rate_as_ratio(row.rate.entered, entered) if entered is not None else None
            budget = parse_number(row.budget.value).value
            actual = parse_number(row.actual.value).value or 0.0
            if entered is None or not budget:
                continue  # a 0.00 rate on a row without budget is how the seeds write it
            rate = actual / budget
            shown = self.rounded_ratio(rate, rules["rate_decimals"])
            if abs(entered - shown) > rules.get("mismatch_tolerance", 0.005):
                self.flag("rate_mismatch", "warning", row.rate.ref,
                          f"「{row.label.text}」执行率填报 {fmt(entered)}，按 {fmt(actual, money=True)} ÷ "
                          f"{fmt(budget, money=True)} = {fmt(rate)} 应为 {fmt(shown)}。")

    # -- indicators ------------------------------------------------------------------
    # -- the whole form --------------------------------------------------------------
    def check_weights(self, items: list[ItemResult]) -> None:
        form = self.form
        weights = [item.weight for item in items]
        if any(w is None for w in weights):
            return
        total = sum(weights)
        if abs(total - 100) > 1e-6:
            shown = " + ".join(fmt(w) for w in weights)
            self.flag("weights_total", "error", form.fields["total_weight"].ref,
                      f"分值合计 {shown} = {fmt(total)}，应为 100。")
        entered_total = self.number(form.fields["total_weight"], "分值合计")
        if entered_total is None:
            self.fills[form.fields["total_weight"].ref] = self.round(total)
        elif abs(entered_total - total) > 1e-6 and abs(total - 100) <= 1e-6:
            self.flag("weights_total", "error", form.fields["total_weight"].ref,
                      f"填报分值合计 {fmt(entered_total)}，各项分值之和为 {fmt(total)}。")
        profile_weights = self.profile.get("level1_weights") or {}
        for label, key in LEVEL1_WEIGHT_FIELDS.items():
            rows = [ind for ind in form.indicators if ind.level1 == label]
            sub = sum(parse_number(ind.weight.value).value or 0.0 for ind in rows)
            cell = form.fields[key]
            declared = self.number(cell, f"{label}分值")
            if declared is None:
                if rows:
                    self.fills[cell.ref] = self.round(sub)
                continue
            if abs(declared - sub) > 1e-6:
                shown = " + ".join(fmt(parse_number(ind.weight.value).value or 0.0) for ind in rows) or "0"
                self.flag("level1_weight_mismatch", "error", cell.ref,
                          f"{label}分值为 {fmt(declared)}，其下各指标分值 {shown} = {fmt(sub)}。")
            if self.profile.get("level1_weights_check") == "must_match" and label in profile_weights \
                    and abs(declared - profile_weights[label]) > 1e-6:
                self.flag("level1_weight_mismatch", "error", cell.ref,
                          f"{label}分值 {fmt(declared)} 与规则规定的 {fmt(profile_weights[label])} 不符。")

    def is_completion_only(self) -> bool:
        """A 绩效目标完成情况表: no 分值 anywhere (no indicator weight, no 执行率 weight typed), and
        the profile lets such forms be checked without points (``completion_only``)."""
        form = self.form
        return (self.profile.get("completion_only", "never") == "when_no_weights" and bool(form.indicators)
                and form.funds["total"].weight.entered is None
                and all(ind.weight is None or ind.weight.entered is None for ind in form.indicators))

    def run_completion_only(self) -> FormResult:
        """Statuses instead of points: the rate, each indicator 达成 / 未达成 / 需人工判断, no total
        and no grade invented."""
        form = self.form
        items = [self.score_execution(points=False)] + [self.status_of(ind) for ind in form.indicators]
        total_cell = form.fields["total_score"]
        met = sum(1 for item in items[1:] if item.status_code == "met")
        typed, total_entered = self.check_typed_scores(items)
        self.flag("completion_only", "info", total_cell.ref,
                  f"本表没有填写分值：按完成情况表检查（{len(items) - 1} 项指标中 {met} 项达成），不计总分和等级。"
                  + typed + "如需计分，请填写各指标分值。")
        return FormResult(sheet=form.sheet, name=form.name, kind=form.kind, items=items, total_computed=None,
                          total_entered=total_entered, grade=None, grade_entered=None, execution_rate=self.execution_rate,
                          flags=self.flags + [f for item in items for f in item.flags], fills=self.fills,
                          total_explanation=f"完成情况表：{met}/{len(items) - 1} 项达成", total_cell="",
                          completion_only=True)

    def check_typed_scores(self, items: list[ItemResult]) -> tuple[str, float | None]:
        """A 完成情况表 whose clerk typed 得分 anyway (a 得分 column and no 分值 column, the 一级 分值
        printed in labels: 云南保山 2022, 湖北黄石 2023): without 分值 no row can be re-scored, but the
        sums can be checked — each 一级's rows against its printed 分值, the 总分 against the 执行率
        得分 plus the rows. Returns (the sentence for the completion_only note, the typed 总分).

        Nothing typed is ignored: the rows' scores become the items' ``entered`` and are listed."""
        form = self.form
        typed: list[tuple[str, float]] = []
        for ind, item in zip(form.indicators, items[1:]):
            value = self.number(ind.score, "得分", item=item) if ind.score is not None else None
            if value is not None:
                item.entered = value
                typed.append((ind.level1, value))
        total_cell = form.fields["total_score"]
        total_entered = self.number(total_cell, "总分")
        if not typed:
            return "", total_entered
        fund_score = form.funds["total"].score
        execution = self.number(fund_score, "执行率得分") if fund_score is not None else None
        checked = []
        for label, key in LEVEL1_WEIGHT_FIELDS.items():
            scores = [value for level1, value in typed if level1 == label]
            declared = self.number(form.fields[key], f"{label}分值") if key in form.fields else None
            if not scores or declared is None:
                continue
            sub = self.round(sum(scores))
            checked.append(f"{label} {' + '.join(fmt(v) for v in scores)} = {fmt(sub)}（分值 {fmt(declared)}）")
            if sub > declared + self.tolerance:
                self.flag("level1_weight_mismatch", "error", form.fields[key].ref,
                          f"{label}各指标填报得分 {' + '.join(fmt(v) for v in scores)} = {fmt(sub)}，超过{label}分值 "
                          f"{fmt(declared)}。")
        parts = ([execution] if execution is not None else []) + [value for _, value in typed]
        total = self.round(sum(parts))
        said = (f"执行率得分 {fmt(execution)} + " if execution is not None else "") + \
            f"各指标得分 {fmt(self.round(sum(v for _, v in typed)))} = {fmt(total)}"
        rows_only = self.round(sum(value for _, value in typed))
        if total_entered is not None and abs(total_entered - total) > self.tolerance:
            if execution and abs(total_entered - rows_only) <= self.tolerance:
                # 湖北某区 2020: 一级 labels add up to 100 on their own and the 总分 leaves the 执行率得分 out
                self.flag("total_not_sum", "warning", total_cell.ref,
                          f"总分填 {fmt(total_entered)}，等于各指标得分之和，未计入执行率得分 {fmt(execution)}；按表式"
                          f"（预算执行 + 绩效目标）{said}。请核对本表的分值安排。")
            else:
                self.flag("total_not_sum", "error", total_cell.ref,
                          f"总分填 {fmt(total_entered)}，但{said}，相差 {fmt(total_entered - total)}。")
        return (f"填报的各指标得分没有分值，无法逐项按规则复核；已核对合计：{'；'.join(checked + [said])}"
                + (f"，与填报总分 {fmt(total_entered)} {'一致' if abs(total_entered - total) <= self.tolerance else '不符'}"
                   if total_entered is not None else "") + "。", total_entered)

    def run(self) -> FormResult:
        form = self.form
        self.execution_rate = None
        if self.is_completion_only():
            return self.run_completion_only()
        execution = self.score_execution()
        factor = self.weight_factor(form.indicators)
        items = [execution] + [self.score_indicator(ind, factor) for ind in form.indicators]
        self.check_weights(items)

        total_cell = form.fields["total_score"]
        computed_parts = [item.computed for item in items]
        total_computed = None
        total_explanation = ""
        if all(value is not None for value in computed_parts):
            total_computed = self.round(sum(computed_parts))
            total_explanation = " + ".join(fmt(v) for v in computed_parts) + f" = {fmt(total_computed)}"
            for cap in self.profile["total_cap_by_execution"]:
                rate = self.execution_rate
                if rate is not None and cap["rate_min"] <= rate < cap["rate_max"] and total_computed > cap["max_total"]:
                    self.flag("total_capped", "info", total_cell.ref,
                              f"执行率 {fmt(rate)} 在 [{fmt(cap['rate_min'])}, {fmt(cap['rate_max'])}) 内，"
                              f"总分封顶 {fmt(cap['max_total'])}（原为 {fmt(total_computed)}）。")
                    total_computed = float(cap["max_total"])
                    total_explanation += f"，按执行率封顶 {fmt(total_computed)}"
        else:
            missing = "、".join(item.label for item in items if item.computed is None)
            self.flag("total_incomplete", "error", total_cell.ref,
                      f"以下项目未能计分，总分无法计算：{missing}。请按对应单元格的提示修改。")

        check = self.check_total_and_grade(items, total_cell=total_cell, grade_cell=form.fields["grade"],
                                           total_computed=total_computed, explanation=total_explanation)
        flags = list(self.flags)
        for item in items:
            flags.extend(item.flags)
        return FormResult(
            sheet=form.sheet, name=form.name, kind=form.kind, items=items,
            total_computed=total_computed, total_entered=check.total_entered, grade=check.grade,
            grade_entered=check.grade_entered, execution_rate=self.execution_rate,
            total_shown=check.total_shown, grade_shown=check.grade_shown,
            flags=flags, fills=self.fills, total_explanation=total_explanation,
            total_cell=total_cell.ref,
        )


def score_form(form: ProjectForm, profile: Profile) -> FormResult:
    """Score one project form by ``profile``."""
    return _Scorer(form, profile).run()

