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
    >>> from toolkit.workbook.reader import read_workbook
    >>> book = read_workbook("samples/seed003_项目支出绩效自评表.xlsx")
    >>> score_form(book.forms[2], load_profile("national")).total_computed
    91.9
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.core.arith import fmt, fmt_percent, round_score
from toolkit.forms.project.model import CellValue, IndicatorRow, ProjectForm
from toolkit.core.problems import Flag
from toolkit.core.profile import Profile, grade_for
from toolkit.core.values import ParsedValue, parse_indicator_value, parse_number

CODES = {
    "fund_total_mismatch": "年度资金总额与分项合计不符",
    "not_a_number": "数值单元格填了非数字",
    "budget_zero": "全年预算数为 0 或空，无法计算执行率",
    "rate_mismatch": "填报执行率与计算不符",
    "execution_weight": "执行率分值与规则不同",
    "score_mismatch": "填报得分与按规则计算不符",
    "manual_deduction": "目标已达成但填报得分低于满分（人工扣分）",
    "score_exceeds_weight": "得分超过分值",
    "reason_missing": "得分低于分值但未填写偏差原因",
    "over_achievement": "超额完成未说明原因",
    "over_achievement_explained": "超额完成，已说明原因",
    "over_achievement_deducted": "超额完成按规则扣分",
    "unit_mismatch": "指标值与实际值单位不一致",
    "unit_assumed": "单位缺失，按另一方单位理解",
    "unparseable_value": "指标值或实际值无法识别",
    "missing_value": "缺少必填内容",
    "judgement_required": "需要人工评分（定性指标，或目标/实际为 0、负数）",
    "manual_quantitative": "目标或实际为 0、负数，采用人工评分",
    "manual_score_accepted": "定性指标人工评分在档次内，予以采纳",
    "manual_score_outside_tier": "定性指标人工评分不在对应档次内",
    "na_with_weight": "不适用指标设置了分值",
    "weights_total": "分值合计不等于 100",
    "level1_weight_mismatch": "一级指标分值与其下指标分值合计不符",
    "total_not_sum": "填报总分不等于各项得分之和",
    "total_mismatch": "填报总分与按规则计算的总分不同",
    "total_incomplete": "有指标未能计分，总分不完整",
    "total_capped": "按执行率封顶总分",
    "formula_not_calculated": "公式没有计算结果",
    "grade_mismatch": "填报等级与总分不符",
    "grade_undefined": "总分落在规则未定义等级的区间",
}


@dataclass
class ItemResult:
    """One scored line: the 预算执行率 or a 三级指标."""

    kind: str  # "execution" | "indicator"
    label: str
    weight: float | None
    computed: float | None
    entered: float | None
    cell: str
    method: str
    explanation: str
    computed_ref: str
    explanation_ref: str
    flags: list[Flag] = field(default_factory=list)

    @property
    def standing(self) -> float | None:
        """The score the form shows: the clerk's entry, else the computed value."""
        return self.entered if self.entered is not None else self.computed


@dataclass
class FormResult:
    sheet: str
    name: str
    kind: str
    items: list[ItemResult]
    total_computed: float | None
    total_entered: float | None
    grade: str | None
    grade_entered: str | None
    execution_rate: float | None
    flags: list[Flag]
    fills: dict[str, object]  # cell → value proposed for a blank output cell
    total_explanation: str = ""
    total_cell: str = ""

    def count(self, severity: str) -> int:
        return sum(1 for f in self.flags if f.severity == severity)


class _Scorer:
    """Holds the profile, the form and the flags being collected for one form."""

    def __init__(self, form: ProjectForm, profile: Profile):
        self.form = form
        self.profile = profile
        self.decimals = profile["rounding"]["decimals"]
        self.mode = profile["rounding"]["mode"]
        self.tolerance = profile.get("score_tolerance", 0.005)
        self.flags: list[Flag] = []
        self.fills: dict[str, object] = {}

    # -- helpers ---------------------------------------------------------------------
    def flag(self, code: str, severity: str, cell: str | None, message: str,
             item: ItemResult | None = None) -> Flag:
        flag = Flag(code, severity, cell, message, sheet=self.form.sheet)
        (item.flags if item is not None else self.flags).append(flag)
        return flag

    def round(self, value: float) -> float:
        return round_score(value, self.decimals, self.mode)

    def number(self, cell: CellValue, what: str, *, entered_only: bool = False) -> float | None:
        raw = cell.entered if entered_only else (None if cell.tool_filled else cell.value)
        if raw is None:
            return None
        parsed = parse_number(raw)
        if parsed.value is None and parsed.reason:
            self.flag("not_a_number", "error", cell.ref,
                      f"「{what}」应填数字：{parsed.reason}。该单元格未参与计算，请改为数字。")
        return parsed.value

    # -- execution rate --------------------------------------------------------------
    def fund_amount(self, column: str, label: str) -> float | None:
        funds = self.form.funds
        total_cell: CellValue = getattr(funds["total"], column)
        total = self.number(total_cell, f"年度资金总额·{label}")
        parts = [(getattr(funds[key], column), self.number(getattr(funds[key], column), label))
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

    def score_execution(self) -> ItemResult:
        rules = self.profile["execution_rate"]
        row = self.form.funds["total"]
        item = ItemResult("execution", "预算执行率", None, None, None, row.score.ref, "execution_rate",
                          "", self.form.fund_computed_ref, self.form.fund_explanation_ref)
        weight = self.number(row.weight, "执行率分值")
        if weight is None:
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
        item.entered = self.number(row.score, "执行率得分", entered_only=True)
        entered_rate = self.number(row.rate, "执行率", entered_only=True)
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
        shown = rate if rules["rate_decimals"] is None else round_score(rate, rules["rate_decimals"], self.mode)
        used = min(shown, rules["cap_rate"])
        item.computed = self.round(used * weight)
        self.execution_rate = shown
        cap_note = f"（封顶 {fmt(rules['cap_rate'])}）" if shown > rules["cap_rate"] else ""
        item.explanation = (f"执行率 = {fmt(actual, money=True)} ÷ {fmt(budget, money=True)} = {fmt(rate)}"
                            f"{' → ' + fmt(shown) if shown != rate else ''}；得分 = {fmt(used)}{cap_note} × "
                            f"{fmt(weight)} = {fmt(item.computed)}")
        if entered_rate is not None:
            written_as_percent = isinstance(row.rate.entered, str) and ("%" in row.rate.entered or "％" in row.rate.entered)
            if written_as_percent or entered_rate > 2:  # "86%" typed as text, or 86 meaning 86%
                entered_rate /= 100
            if abs(entered_rate - shown) > rules.get("mismatch_tolerance", 0.005):
                self.flag("rate_mismatch", "error", row.rate.ref,
                          f"填报执行率 {fmt(entered_rate)}，按 {fmt(actual, money=True)} ÷ {fmt(budget, money=True)} = "
                          f"{fmt(rate)} → {fmt(shown)} 计算，应为 {fmt(shown)}。", item)
        else:
            self.fills[row.rate.ref] = shown
        self.check_sub_row_rates(rules)
        self.compare_entered(item, target_met=False)
        return item

    def check_sub_row_rates(self, rules) -> None:
        """执行率 written on 当年财政拨款 / 上年结转 / 其他资金 rows must match their own amounts."""
        for key in ("appropriation", "carryover", "other"):
            row = self.form.funds[key]
            entered = self.number(row.rate, f"{row.label.text}执行率", entered_only=True)
            budget = parse_number(row.budget.value).value
            actual = parse_number(row.actual.value).value or 0.0
            if entered is None or not budget:
                continue  # a 0.00 rate on a row without budget is how the seeds write it
            rate = actual / budget
            shown = rate if rules["rate_decimals"] is None else round_score(rate, rules["rate_decimals"], self.mode)
            if abs(entered - shown) > rules.get("mismatch_tolerance", 0.005):
                self.flag("rate_mismatch", "warning", row.rate.ref,
                          f"「{row.label.text}」执行率填报 {fmt(entered)}，按 {fmt(actual, money=True)} ÷ "
                          f"{fmt(budget, money=True)} = {fmt(rate)} 应为 {fmt(shown)}。")

    # -- indicators ------------------------------------------------------------------
    def score_indicator(self, ind: IndicatorRow, weight_factor: float) -> ItemResult:
        item = ItemResult("indicator", ind.label, None, None, None, ind.score.ref, "unscored", "",
                          ind.computed_ref, ind.explanation_ref)
        weight = self.number(ind.weight, "分值")
        item.entered = self.number(ind.score, "得分", entered_only=True)
        target = parse_indicator_value(ind.target.value, ind.target.number_format)
        actual = parse_indicator_value(ind.actual.value, ind.actual.number_format)
        not_applicable = ("不适用" in ind.level3.text or target.kind == "not_applicable"
                          or actual.kind == "not_applicable")
        if weight is None:
            if not not_applicable:
                self.flag("missing_value", "error", ind.weight.ref, f"指标「{item.label}」未填写分值。", item)
                return item
            weight = 0.0
        item.weight = self.round(weight * weight_factor) if weight_factor != 1 else weight
        if not_applicable:
            return self.score_not_applicable(item, ind, weight)
        for parsed, cell, what in ((target, ind.target, "年度指标值"), (actual, ind.actual, "实际完成值")):
            if parsed.kind == "empty":
                self.flag("missing_value", "error", cell.ref, f"指标「{item.label}」未填写{what}。", item)
                return item
            if parsed.kind == "unparseable":
                self.flag("unparseable_value", "error", cell.ref,
                          f"{what}「{parsed.text}」无法识别：{parsed.reason}。请按「≥95%」「27人」「及时」等形式填写。",
                          item)
                return item
        if target.kind == "number" and actual.kind == "number":
            self.score_quantitative(item, ind, target, actual)
        else:
            self.score_qualitative(item, ind, target, actual)
        if item.computed is not None:  # no rule awards more than its weight, nor less than 0
            item.computed = min(max(item.computed, 0.0), item.weight)
        return item

    def score_not_applicable(self, item: ItemResult, ind: IndicatorRow, weight: float) -> ItemResult:
        item.method = "not_applicable"
        item.computed = 0.0
        item.explanation = "不适用指标，分值 0，得分 0"
        if self.profile["not_applicable"]["mode"] == "rescale":
            item.weight = 0.0  # its points were spread over the applicable indicators
            item.explanation = f"不适用指标，剔除；其分值 {fmt(weight)} 按比例分配给其余指标"
        elif weight:
            self.flag("na_with_weight", "warning", ind.weight.ref,
                      f"指标「{item.label}」不适用，但分值为 {fmt(weight)}；按规则不适用指标分值应为 0，"
                      "请把分值调整到其他指标。", item)
        self.compare_entered(item, target_met=False)
        return item

    def reconcile_units(self, item: ItemResult, ind: IndicatorRow, target: ParsedValue,
                        actual: ParsedValue) -> tuple[ParsedValue, ParsedValue] | None:
        """Make units comparable, flagging every assumption; None when they cannot be."""
        rules = self.profile["quantitative"]
        if target.percent != actual.percent:
            bare = actual if target.percent else target
            if bare.unit is None and rules.get("missing_percent", "assume_percent") == "assume_percent":
                cell = ind.actual if bare is actual else ind.target
                self.flag("unit_assumed", "warning", cell.ref,
                          f"年度指标值与实际完成值一个带 %、一个不带（「{target.text}」与「{actual.text}」）；"
                          f"已按「{fmt(bare.number)}%」计算，请补上 % 号以免误解。", item)
                return target, actual
            self.flag("unit_mismatch", "error", ind.actual.ref,
                      f"单位不一致：年度指标值「{target.text}」与实际完成值「{actual.text}」无法比较，未计分。"
                      "请统一单位。", item)
            return None
        if target.unit != actual.unit:
            if target.unit and actual.unit:
                self.flag("unit_mismatch", "error", ind.actual.ref,
                          f"单位不一致：年度指标值为「{target.unit}」，实际完成值为「{actual.unit}」"
                          f"（「{target.text}」与「{actual.text}」），不能直接比较，未计分。请统一单位。", item)
                return None
            known = target.unit or actual.unit
            cell = ind.actual if actual.unit is None else ind.target
            self.flag("unit_assumed", "warning", cell.ref,
                      f"「{cell.text}」未写单位，已按「{known}」理解（另一方为「{target.text if actual.unit is None else actual.text}」）。",
                      item)
        return target, actual

    def score_quantitative(self, item: ItemResult, ind: IndicatorRow, target: ParsedValue,
                           actual: ParsedValue) -> None:
        if self.reconcile_units(item, ind, target, actual) is None:
            return
        rules = self.profile["quantitative"]
        weight = item.weight
        comparator = target.comparator or ("=" if rules["no_comparator"] == "equal" else ">=")
        t, a = target.number, actual.number
        unit = "%" if target.percent else (target.unit or actual.unit or "")
        shown = f"{fmt(a)}{unit} 对目标 {target.text}"
        met = {">=": a >= t, ">": a > t, "<=": a <= t, "<": a < t, "=": abs(a - t) < 1e-9}[comparator]
        reverse = comparator in ("<=", "<")
        if not met and (t <= 0 or (reverse and a <= 0)):
            # A ratio of a zero or negative target (or actual, for 反向) means nothing: a person decides.
            self.manual_quantitative(item, ind, target, actual)
            return
        if met:
            item.computed = weight
            item.method = {"<=": "reverse_met", "<": "reverse_met", "=": "equal_met"}.get(comparator, "positive_met")
            item.explanation = f"{shown}：已达成，得满分 {fmt(weight)}"
            if comparator in (">=", ">", "=") and t > 0 and a / t >= self.profile["over_achievement"]["trigger_ratio"]:
                self.over_achievement(item, ind, a, t)
        elif comparator in ("<=", "<"):
            reverse = rules["reverse"]
            if reverse["method"] == "ratio":
                item.computed = self.round(weight * t / a)
                item.method = "reverse_ratio"
                item.explanation = f"{shown}：超出目标，得分 = {fmt(t)} ÷ {fmt(a)} × {fmt(weight)} = {fmt(item.computed)}"
            else:
                zero_at = reverse.get("zero_at_multiple", 2.0)
                fraction = max(0.0, (zero_at * t - a) / ((zero_at - 1) * t)) if t else 0.0
                item.computed = self.round(weight * min(fraction, 1.0))
                item.method = "reverse_linear"
                item.explanation = (f"{shown}：超出目标，线性扣分至 {fmt(zero_at)} 倍目标为 0：得分 = "
                                    f"({fmt(zero_at)} × {fmt(t)} − {fmt(a)}) ÷ ({fmt(zero_at - 1)} × {fmt(t)}) × "
                                    f"{fmt(weight)} = {fmt(item.computed)}")
        elif comparator == "=" and rules["equal"] == "all_or_nothing":
            item.computed = 0.0
            item.method = "equal_missed"
            item.explanation = f"{shown}：未等于目标，得 0 分"
        else:
            ratio = a / t if t else 0.0
            item.computed = self.round(weight * min(max(ratio, 0.0), 1.0))
            item.method = "positive_ratio"
            item.explanation = f"{shown}：得分 = {fmt(a)} ÷ {fmt(t)} × {fmt(weight)} = {fmt(item.computed)}"
        self.compare_entered(item, target_met=met)

    def manual_quantitative(self, item: ItemResult, ind: IndicatorRow, target: ParsedValue,
                            actual: ParsedValue) -> None:
        weight = item.weight
        item.method = "quantitative_manual"
        why = f"目标「{target.text}」、实际「{actual.text}」含 0 或负数，不能按比例计分"
        if item.entered is not None and 0 <= item.entered <= weight + self.tolerance:
            item.computed = item.entered
            item.explanation = f"{why}：采用人工评分 {fmt(item.entered)}"
            self.flag("manual_quantitative", "warning", ind.score.ref,
                      f"{why}；采用填报得分 {fmt(item.entered)}，请在偏差原因中写明评分依据。", item)
            self.check_reason(item, ind)
            return
        item.explanation = f"{why}，需人工评分"
        self.flag("judgement_required", "error", ind.score.ref,
                  f"指标「{item.label}」{why}：请在得分栏填写 0–{fmt(weight)} 之间的人工评分并写明依据。", item)

    def over_achievement(self, item: ItemResult, ind: IndicatorRow, actual: float, target: float) -> None:
        rules = self.profile["over_achievement"]
        ratio_text = f"{fmt(actual)} ÷ {fmt(target)} = {fmt_percent(actual / target)}"
        if rules["consequence"] == "deduct":
            fraction = rules.get("deduct_fraction", 0.0)
            item.computed = self.round(item.weight * (1 - fraction))
            item.method = "over_achievement_deducted"
            self.flag("over_achievement_deducted", "warning", ind.score.ref,
                      f"超额完成 {ratio_text}，达到 {fmt_percent(rules['trigger_ratio'])} 的超额线，按规则扣 "
                      f"{fmt_percent(fraction)}：{fmt(item.weight)} × (1 − {fmt(fraction)}) = {fmt(item.computed)}。",
                      item)
            item.explanation += f"；超额扣分后 {fmt(item.computed)}"
        if ind.reason.text:
            self.flag("over_achievement_explained", "info", ind.reason.ref,
                      f"超额完成 {ratio_text}，已在偏差原因中说明。", item)
        else:
            self.flag("over_achievement", "warning", ind.reason.ref,
                      f"实际完成远超目标（{ratio_text}，超额线 {fmt_percent(rules['trigger_ratio'])}）："
                      "请在「偏差原因分析及改进措施」中说明原因（目标是否设置偏低）。", item)

    def qualitative_tier(self, target: ParsedValue, actual: ParsedValue) -> tuple[str | None, str]:
        """Which tier the actual value plainly falls in, and why; (None, why) when it is a judgement."""
        rules = self.profile["qualitative"]
        if actual.kind == "number":
            at_least = rules.get("met_percent_at_least", 100)
            if (actual.percent or actual.unit is None) and actual.number >= at_least:
                return "met", f"实际「{actual.text}」达到 {fmt(at_least)}%"
            return None, f"实际「{actual.text}」是数值，目标「{target.text}」是定性描述"
        label = actual.label or ""
        target_label = target.label or target.text
        if label == target_label:
            return "met", f"实际「{label}」与目标一致"
        for tier_id, words in (("not_met", rules["not_met_words"]), ("partial", rules["partial_words"]),
                               ("met", rules["met_words"])):
            word = next((w for w in words if w in label), None)
            if word:
                return tier_id, f"实际「{label}」含「{word}」"
        return None, f"实际「{label}」需人工判断"

    def score_qualitative(self, item: ItemResult, ind: IndicatorRow, target: ParsedValue,
                          actual: ParsedValue) -> None:
        rules = self.profile["qualitative"]
        weight = item.weight
        tiers = {tier["id"]: tier for tier in rules["tiers"]}
        tier_id, why = self.qualitative_tier(target, actual)
        tier = tiers.get(tier_id) if tier_id else None
        entered = item.entered
        if entered is not None and weight:
            share = entered / weight * 100
            if tier is not None and not (tier["min"] - 1e-9 <= share <= tier["max"] + 1e-9):
                low, high = self.round(weight * tier["min"] / 100), self.round(weight * tier["max"] / 100)
                item.computed = min(max(entered, low), high)
                item.method = "qualitative_clamped"
                item.explanation = f"定性指标：{why}，属「{tier['label']}」档 [{fmt(low)}, {fmt(high)}]"
                self.flag("manual_score_outside_tier", "error", ind.score.ref,
                          f"定性指标「{item.label}」：{why}，属「{tier['label']}」档，得分应在 "
                          f"{fmt(low)}–{fmt(high)} 之间（{fmt(tier['min'])}%–{fmt(tier['max'])}% × {fmt(weight)}），"
                          f"填报 {fmt(entered)}（{fmt(share, decimals=1)}%）。", item)
                return
            if 0 <= entered <= weight + self.tolerance:
                chosen = tier or self.tier_of_share(share)
                item.computed = entered
                full_and_met = tier_id == "met" and abs(entered - weight) <= self.tolerance
                item.method = "qualitative_met" if full_and_met else "qualitative_manual"
                item.explanation = (f"定性指标人工评分 {fmt(entered)} = {fmt(share, decimals=1)}% × {fmt(weight)}，"
                                    f"属「{chosen['label']}」档 [{fmt(chosen['min'])}%, {fmt(chosen['max'])}%]；{why}")
                if entered < weight - self.tolerance:
                    self.flag("manual_score_accepted", "info", ind.score.ref,
                              f"定性指标「{item.label}」人工评分 {fmt(entered)}（{fmt(share, decimals=1)}%），"
                              f"在「{chosen['label']}」档 {fmt(chosen['min'])}%–{fmt(chosen['max'])}% 内，予以采纳。",
                              item)
                self.check_reason(item, ind)
                return
            self.compare_entered(item, target_met=False)  # reports score > weight
            return
        if tier_id == "met" and rules.get("propose_when_met", "top_of_tier") == "top_of_tier":
            item.computed = weight
            item.method = "qualitative_met"
            item.explanation = f"定性指标：{why}，属「{tiers['met']['label']}」档，取档次上限 {fmt(weight)}"
            self.compare_entered(item, target_met=True)
            return
        if not weight:
            item.computed = 0.0
            item.method = "qualitative_zero_weight"
            item.explanation = "分值为 0"
            return
        ranges = "；".join(f"{t['label']} {fmt(self.round(weight * t['min'] / 100))}–"
                          f"{fmt(self.round(weight * t['max'] / 100))}" for t in rules["tiers"])
        item.method = "qualitative_judgement"
        item.explanation = f"定性指标需人工评分：{why}。档次：{ranges}"
        self.flag("judgement_required", "error", ind.score.ref,
                  f"定性指标「{item.label}」（目标「{target.text}」，实际「{actual.text}」）需要人工评分：{why}。"
                  f"请在得分栏按档次填写：{ranges}。", item)

    def tier_of_share(self, share: float) -> dict:
        tiers = sorted(self.profile["qualitative"]["tiers"], key=lambda t: t["min"])
        for tier in reversed(tiers):
            if share >= tier["min"] - 1e-9:
                return tier
        return tiers[0]

    # -- comparisons -----------------------------------------------------------------
    def compare_entered(self, item: ItemResult, *, target_met: bool) -> None:
        """Flag an entered score that differs from the computed one; propose a fill if blank."""
        entered, computed = item.entered, item.computed
        if item.weight is not None and entered is not None and entered > item.weight + self.tolerance:
            self.flag("score_exceeds_weight", "error", item.cell,
                      f"得分 {fmt(entered)} 超过分值 {fmt(item.weight)}。", item)
        if computed is None:
            return
        if entered is None:
            self.fills[item.cell] = computed
        elif abs(entered - computed) > self.tolerance:
            if target_met and entered < computed:
                has_reason = item.kind == "indicator" and self.reason_text(item)
                self.flag("manual_deduction", "info" if has_reason else "warning", item.cell,
                          f"按规则目标已达成，应得 {fmt(computed)}，填报 {fmt(entered)}（人工扣 {fmt(computed - entered)}）。"
                          + ("填报值保留，扣分理由见偏差原因。" if has_reason
                             else "填报值保留；如确需扣分，请在偏差原因中写明依据，否则请改为 "
                                  f"{fmt(computed)}。"), item)
            else:
                self.flag("score_mismatch", "error", item.cell,
                          f"{item.explanation}，填报 {fmt(entered)}，相差 {fmt(entered - computed)}。", item)
        if item.kind == "indicator":
            self.check_reason(item, self._indicator_of(item))

    def reason_text(self, item: ItemResult) -> str:
        ind = self._indicator_of(item)
        return ind.reason.text if ind else ""

    def _indicator_of(self, item: ItemResult) -> IndicatorRow | None:
        return next((ind for ind in self.form.indicators if ind.score.ref == item.cell), None)

    def check_reason(self, item: ItemResult, ind: IndicatorRow | None) -> None:
        if ind is None or not self.profile.get("deviation_reason_required", True):
            return
        standing = item.standing
        if item.weight and standing is not None and standing < item.weight - self.tolerance and not ind.reason.text:
            self.flag("reason_missing", "warning", ind.reason.ref,
                      f"「{item.label}」得分 {fmt(standing)} 低于分值 {fmt(item.weight)}，"
                      "请填写偏差原因分析及改进措施。", item)

    # -- the whole form --------------------------------------------------------------
    def weight_factor(self) -> float:
        """1, or the rescaling factor when 不适用 rows are dropped and the rest rescaled."""
        if self.profile["not_applicable"]["mode"] != "rescale":
            return 1.0
        applicable = na = 0.0
        for ind in self.form.indicators:
            weight = parse_number(ind.weight.value).value or 0.0
            is_na = ("不适用" in ind.level3.text
                     or parse_indicator_value(ind.target.value).kind == "not_applicable"
                     or parse_indicator_value(ind.actual.value).kind == "not_applicable")
            if is_na:
                na += weight
            else:
                applicable += weight
        return (applicable + na) / applicable if applicable and na else 1.0

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
        entered_total = self.number(form.fields["total_weight"], "分值合计", entered_only=True)
        if entered_total is None:
            self.fills[form.fields["total_weight"].ref] = self.round(total)
        elif abs(entered_total - total) > 1e-6 and abs(total - 100) <= 1e-6:
            self.flag("weights_total", "error", form.fields["total_weight"].ref,
                      f"填报分值合计 {fmt(entered_total)}，各项分值之和为 {fmt(total)}。")
        from toolkit.forms.project.layout import LEVEL1_WEIGHT_FIELDS
        profile_weights = self.profile.get("level1_weights") or {}
        for label, key in LEVEL1_WEIGHT_FIELDS.items():
            rows = [ind for ind in form.indicators if ind.level1 == label]
            sub = sum(parse_number(ind.weight.value).value or 0.0 for ind in rows)
            cell = form.fields[key]
            declared = self.number(cell, f"{label}分值", entered_only=True)
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

    def grade_of(self, total: float | None) -> str | None:
        return grade_for(total, self.profile["grades"])

    def run(self) -> FormResult:
        form = self.form
        self.execution_rate = None
        execution = self.score_execution()
        factor = self.weight_factor()
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

        standing_parts = [item.standing for item in items]
        standing_total = self.round(sum(standing_parts)) if all(v is not None for v in standing_parts) else None
        total_entered = self.number(total_cell, "总分", entered_only=True)
        if total_entered is None:
            if standing_total is not None:
                self.fills[total_cell.ref] = standing_total
        elif standing_total is not None and abs(total_entered - standing_total) > self.tolerance:
            shown = " + ".join(fmt(v) for v in standing_parts)
            self.flag("total_not_sum", "error", total_cell.ref,
                      f"填报总分 {fmt(total_entered)}，但表中各项得分之和为 {shown} = {fmt(standing_total)}。")
        shown_total = total_entered if total_entered is not None else standing_total
        if total_computed is not None and shown_total is not None and abs(shown_total - total_computed) > self.tolerance:
            self.flag("total_mismatch", "warning", total_cell.ref,
                      f"按规则「{self.profile['title']}」计算总分为 {fmt(total_computed)}（{total_explanation}），"
                      f"表中总分为 {fmt(shown_total)}，差异见各标色单元格。")

        grade = self.grade_of(total_computed)
        if total_computed is not None and grade is None:
            self.flag("grade_undefined", "error", form.fields["grade"].ref,
                      f"总分 {fmt(total_computed)} 落在规则未定义等级的区间，请检查规则配置的等级档次。")
        grade_cell = form.fields["grade"]
        grade_entered = grade_cell.entered
        grade_entered = str(grade_entered).strip() if grade_entered is not None else None
        shown_grade = self.grade_of(shown_total)
        if grade_entered is None:
            if shown_grade:
                self.fills[grade_cell.ref] = shown_grade
        elif shown_grade and grade_entered != shown_grade:
            self.flag("grade_mismatch", "error", grade_cell.ref,
                      f"填报等级「{grade_entered}」，总分 {fmt(shown_total)} 按规则应为「{shown_grade}」。")

        flags = list(self.flags)
        for item in items:
            flags.extend(item.flags)
        return FormResult(
            sheet=form.sheet, name=form.name, kind=form.kind, items=items,
            total_computed=total_computed, total_entered=total_entered, grade=grade,
            grade_entered=grade_entered, execution_rate=self.execution_rate,
            flags=flags, fills=self.fills, total_explanation=total_explanation,
            total_cell=total_cell.ref,
        )


def score_form(form: ProjectForm, profile: Profile) -> FormResult:
    """Score one project form by ``profile``."""
    return _Scorer(form, profile).run()
