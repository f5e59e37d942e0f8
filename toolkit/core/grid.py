"""The indicator grid every form kind shares: 一级/二级/三级指标, 年度指标值, 实际完成值 and,
where the form has them, 分值, 得分 and 偏差原因. The project form's grid and the department
目标完成情况自评表's grid are scored and flagged by this one code.

A row with a 分值 is scored in points. A row of a completion-only grid (no 分值 column) gets a
status instead — 达成 / 未达成（完成 x%）/ 需人工判断 — with the same flags (units, direction,
over-achievement, missing reason); no points are invented.

Example::

    >>> from toolkit.core.model import CellValue
    >>> from toolkit.core.profile import load_profile
    >>> row = IndicatorRow(row=5, level1="产出指标", level2="数量指标", level3=CellValue("C5", "案件数"),
    ...                    target=CellValue("D5", "≥14宗"), actual=CellValue("E5", "24宗"),
    ...                    weight=None, score=None, reason=None, computed_ref="I5", explanation_ref="J5")
    >>> item = GridScorer("目标表", load_profile("national")).score_indicator(row)
    >>> item.status, item.computed, [f.code for f in item.flags]
    ('达成', None, ['over_achievement'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from toolkit.core.arith import fmt, fmt_percent
from toolkit.core.model import CellValue
from toolkit.core.pairing import Reading, compare
from toolkit.core.results import ItemResult
from toolkit.core.scorer import Alternative, FormScorer
from toolkit.core.values import ParsedValue, is_dash, parse_indicator_value, parse_number

# A completion-only row's status: a stable code (the JSON report's ``status.code``) and its Chinese label.
STATUS_LABELS = {"met": "达成", "not_met": "未达成", "judgement": "需人工判断", "not_applicable": "不适用"}
STATUS_MET, STATUS_NOT_MET, STATUS_JUDGEMENT = STATUS_LABELS["met"], STATUS_LABELS["not_met"], STATUS_LABELS["judgement"]


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One 三级指标 row of the 绩效指标 grid.

    ``level1``/``level2`` are the labels that apply (merged cells resolved); the tool
    references are where the computed score and its explanation go.
    """

    row: int
    level1: str
    level2: str
    level3: CellValue
    target: CellValue
    actual: CellValue
    weight: CellValue | None  # None: a completion-only grid (no 分值 column)
    score: CellValue | None
    reason: CellValue | None
    computed_ref: str
    explanation_ref: str

    @property
    def score_ref(self) -> str:
        """Where a score flag belongs: the 得分 cell, or the 实际完成值 where there is none."""
        return self.score.ref if self.score is not None else self.actual.ref

    @property
    def reason_ref(self) -> str:
        return self.reason.ref if self.reason is not None else self.actual.ref

    @property
    def reason_text(self) -> str:
        return self.reason.text if self.reason is not None else ""

    def is_not_applicable(self) -> bool:
        """不适用 written in the 三级指标, the target or the actual. A target printed 「—」 is a target
        not written (the 项目决策/项目管理 items of a 共性 framework), not a 不适用 row."""
        return ("不适用" in self.level3.text
                or (parse_indicator_value(self.target.value).kind == "not_applicable" and not is_dash(self.target.value))
                or parse_indicator_value(self.actual.value).kind == "not_applicable")

    @property
    def label(self) -> str:
        return self.level3.text or f"{self.level2 or self.level1}（第 {self.row} 行）"


class GridScorer(FormScorer):
    """Scores indicator rows by the profile's ``quantitative``, ``qualitative``,
    ``over_achievement`` and ``not_applicable`` knobs."""

    def __init__(self, sheet, profile):
        super().__init__(sheet, profile)
        self.rows_by_cell: dict[str, IndicatorRow] = {}
        self.status_cells: set[str] = set()  # rows without 分值: no score is proposed or compared
        self.exceeded: dict[str, str] = {}  # item cell → by how much its actual exceeds a ceiling (≤)

    def compare_entered(self, item: ItemResult, *, target_met: bool, **conventions) -> None:
        if item.cell not in self.status_cells:
            super().compare_entered(item, target_met=target_met, **conventions)

    def reason_text(self, item: ItemResult) -> str:
        ind = self.rows_by_cell.get(item.cell)
        return ind.reason_text if ind is not None else ""

    def after_compare(self, item: ItemResult) -> None:
        if item.kind == "indicator":
            self.check_reason(item, self.rows_by_cell.get(item.cell))

    def score_indicator(self, ind: IndicatorRow, weight_factor: float = 1.0) -> ItemResult:
        """Score one row: in points where the grid has a 分值 column, as a status where it has none."""
        if ind.weight is None:
            return self.status_of(ind)
        item = ItemResult("indicator", ind.label, None, None, None, ind.score_ref, "unscored", "",
                          ind.computed_ref, ind.explanation_ref)
        self.rows_by_cell[item.cell] = ind
        weight = self.number(ind.weight, "分值", entered_only=False)
        item.entered = self.number(ind.score, "得分") if ind.score is not None else None
        return self.evaluate(item, ind, weight, weight_factor)

    def status_of(self, ind: IndicatorRow) -> ItemResult:
        """A row without 分值: evaluated against a notional 100 points, reported as a status."""
        item = ItemResult("indicator", ind.label, None, None, None, ind.actual.ref, "status", "",
                          ind.computed_ref, ind.explanation_ref)
        self.status_cells.add(item.cell)
        self.evaluate(item, ind, 100.0, 1.0)
        share, item.computed, item.weight = item.computed, None, None
        shown = f"实际「{ind.actual.text}」对目标「{ind.target.text}」"
        # No points hang on a status: what would block a score is a warning here, and a request
        # for a manual score becomes the status 需人工判断.
        item.flags = [replace(f, severity="warning") if f.severity == "error" else f for f in item.flags
                      if f.code not in ("judgement_required", "manual_quantitative")]
        if item.method == "not_applicable":
            item.status_code = "not_applicable"
            item.status, item.explanation = STATUS_LABELS["not_applicable"], "不适用指标"
        elif share is None:
            item.status_code, item.status = "judgement", STATUS_JUDGEMENT
            item.explanation = f"完成情况：{STATUS_JUDGEMENT}（{item.explanation}）"
            self.flag("indicator_status", "warning", ind.actual.ref,
                      f"指标「{item.label}」完成情况{STATUS_JUDGEMENT}：{shown}。请核对实际完成值并确认是否达成。", item)
        elif share >= 100 - self.tolerance and item.cell not in self.exceeded:
            item.status_code, item.status = "met", STATUS_MET
            item.explanation = f"完成情况：{STATUS_MET}（{shown}）"
        else:
            item.status_code = "not_met"
            done = f"完成 {fmt(share, decimals=2)}%" if share < 100 - self.tolerance else ""
            over = f"超出上限 {self.exceeded[item.cell]}" if item.cell in self.exceeded else ""
            item.status = f"{STATUS_NOT_MET}（{'，'.join(part for part in (done, over) if part)}）"
            item.explanation = f"完成情况：{item.status}（{shown}）"
            if ind.reason is None:
                self.flag("indicator_status", "info", ind.actual.ref,
                          f"指标「{item.label}」{item.status}：{shown}。", item)
            elif not ind.reason_text:
                self.flag("reason_missing", "warning", ind.reason_ref,
                          f"「{item.label}」{item.status}，请填写偏差原因分析及改进措施。", item)
        return item

    def evaluate(self, item: ItemResult, ind: IndicatorRow, weight: float | None, weight_factor: float) -> ItemResult:
        """Score ``item`` of row ``ind`` worth ``weight`` points (rescaled by ``weight_factor``)."""
        target = parse_indicator_value(ind.target.value, ind.target.number_format)
        actual = parse_indicator_value(ind.actual.value, ind.actual.number_format)
        not_applicable = ind.is_not_applicable()
        if weight is None:
            if not not_applicable:
                self.flag("missing_value", "error", ind.weight.ref, f"指标「{item.label}」未填写分值。", item)
                return item
            weight = 0.0
        item.weight = self.round(weight * weight_factor) if weight_factor != 1 else weight
        if not_applicable:
            return self.score_not_applicable(item, ind, weight)
        if (target.kind == "empty" or is_dash(ind.target.value)) and actual.kind not in ("empty", "not_applicable"):
            # No target to compare with (a 共性 item judged by its description, or a target left out):
            # the clerk's score within [0, weight] is a person's judgement, said — not an error.
            shown = f"「{ind.target.value}」" if ind.target.value is not None else "空白"
            self.flag("target_not_written", "info", ind.target.ref,
                      f"「{item.label}」的年度指标值未写（{shown}）：无法按公式计算，按评价人评分核对。", item)
            if item.entered is None:
                self.flag("judgement_required", "error", ind.score_ref,
                          f"「{item.label}」没有年度指标值，须由评价人评分（0–{fmt(item.weight)} 分），得分未填。", item)
            return self.manual_fallback(item, ind, "年度指标值未写")
        for parsed, cell, what in ((target, ind.target, "年度指标值"), (actual, ind.actual, "实际完成值")):
            if parsed.kind == "empty":
                self.flag("missing_value", "error", cell.ref, f"指标「{item.label}」未填写{what}。", item)
                return self.manual_fallback(item, ind, f"未填写{what}")
        self.check_percent_ceiling(item, ind, target)
        reading = compare(target, actual, f"{ind.level2} {ind.level3.text}".strip(), self.profile["quantitative"])
        for note in reading.notes:
            self.flag(note.code, note.severity, self.cell_of(ind, note.side), note.message, item)
        if reading.problem is not None:
            note = reading.problem
            self.flag(note.code, note.severity, self.cell_of(ind, note.side), note.message, item)
            return self.manual_fallback(item, ind, note.message.split("：")[0])
        if reading.direction is not None:
            self.score_quantitative(item, ind, reading)
        else:
            for parsed, cell, what in ((target, ind.target, "年度指标值"), (actual, ind.actual, "实际完成值")):
                if parsed.kind == "unparseable":
                    self.flag("unparseable_value", "error", cell.ref,
                              f"{what}「{parsed.text}」无法识别：{parsed.reason}。"
                              "请按「≥95%」「27人」「及时」等形式填写，或人工评分。", item)
                    return self.manual_fallback(item, ind, f"{what}无法识别")
            self.score_qualitative(item, ind, target, actual)
        if item.computed is not None:  # no rule awards more than its weight, nor less than 0
            item.computed = min(max(item.computed, 0.0), item.weight)
        return item

    def check_percent_ceiling(self, item: ItemResult, ind: IndicatorRow, target: ParsedValue) -> None:
        """A 满意度 target above 100 % (「≥105%」) cannot be reached: said, scoring unchanged
        (``quantitative.at_most_100_percent`` names the indicators)."""
        words = self.profile["quantitative"].get("at_most_100_percent", [])
        names = f"{ind.level1 or ''}{ind.level2 or ''}{ind.level3.text}"
        if target.percent and target.number is not None and target.number > 100 and any(w in names for w in words):
            self.flag("target_above_100", "warning", ind.target.ref,
                      f"「{item.label}」的年度指标值「{target.text}」超过 100%：满意度等比率不可能超过 100%，"
                      "请核对目标（是否多写了数字或把分值写进了目标）。", item)

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

    @staticmethod
    def cell_of(ind: IndicatorRow, side: str) -> str:
        return ind.target.ref if side == "target" else ind.actual.ref

    def manual_fallback(self, item: ItemResult, ind: IndicatorRow, why: str) -> ItemResult:
        """A row the engine cannot compute: the score the clerk typed is its score (never ignored);
        what stopped the computation stays flagged, as a warning once a person has scored it."""
        entered = item.entered
        if entered is None or item.weight is None or not -1e-9 <= entered <= item.weight + self.tolerance:
            if entered is not None and item.weight is not None:
                self.compare_entered(item, target_met=False)  # reports a score above the weight
            return item
        item.computed, item.method = min(max(entered, 0.0), item.weight), "manual"
        item.explanation = f"{why}，采用人工评分 {fmt(entered)}（分值 {fmt(item.weight)}）"
        item.flags = [replace(f, severity="warning") if f.severity == "error" and f.code != "missing_value" else f
                      for f in item.flags]
        below = entered < item.weight - self.tolerance
        self.flag("manual_score", "info", ind.score_ref,
                  f"「{item.label}」{why}，工具无法计算，采用人工评分 {fmt(entered)}"
                  + ("，请在偏差原因栏写明依据。" if below else "。"), item)
        self.check_reason(item, ind)
        return item

    def score_quantitative(self, item: ItemResult, ind: IndicatorRow, reading: Reading) -> None:
        rules = self.profile["quantitative"]
        weight = item.weight
        comparator, t, a = reading.direction, reading.target, reading.actual
        target = reading.target_value
        # A bare date as a target (「2023年12月」 for 项目完工时限) is a deadline: done by then is on time,
        # whatever the rule's default direction for a number without a comparator.
        deadline = target.date and reading.direction_source == "default"
        if deadline:
            comparator = "<="
        unit = "%" if target.percent or reading.actual_value.percent else (target.unit or reading.actual_value.unit or "")
        shown_t, shown_a = fmt(t), fmt(a)
        shown = f"{shown_a}{unit} 对目标 {target.text}"
        if target.date or reading.actual_value.date:  # dates: 「2021年11月完成」 对目标 「2021年12月完成」
            shown = f"「{reading.actual_value.text}」对目标「{target.text}」"
        if deadline:
            shown += "，目标日期按完成期限计（不晚于即达成）"
        elif reading.direction_source != "comparator":
            shown += f"，{reading.direction_text}"
        met = {">=": a >= t, ">": a > t, "<=": a <= t, "<": a < t, "=": abs(a - t) < 1e-9}[comparator]
        reverse = comparator in ("<=", "<")
        alternatives: list[Alternative] = []
        if not met and (target.date or reading.actual_value.date):
            # A missed date has no ratio (months since year 0 mean nothing divided): a person decides.
            self.manual_quantitative(item, ind, reading, why=f"{shown}：晚于目标时间，不能按比例计分")
            return
        if not met and (t <= 0 or (reverse and a <= 0)):
            # A ratio of a zero or negative target (or actual, for 反向) means nothing: a person decides.
            if reverse and a > t:
                self.ceiling_exceeded(item, ind, reading)
            self.manual_quantitative(item, ind, reading)
            return
        if met:
            item.computed = weight
            item.method = {"<=": "reverse_met", "<": "reverse_met", "=": "equal_met"}.get(comparator, "positive_met")
            item.explanation = f"{shown}：已达成，得满分 {fmt(weight)}"
            if comparator in (">=", ">", "=") and t > 0 and not target.date \
                    and a / t >= self.profile["over_achievement"]["trigger_ratio"]:
                self.over_achievement(item, ind, a, t)
        elif reverse:
            method = rules["reverse"]
            if method["method"] == "ratio":
                alternatives = self.ratio_score(item, t / a, f"{shown_t} ÷ {shown_a}")
                item.method = "reverse_ratio"
                item.explanation = f"{shown}：超出目标，得分 = {item.explanation}"
            else:
                zero_at = method.get("zero_at_multiple", 2.0)
                fraction = max(0.0, (zero_at * t - a) / ((zero_at - 1) * t)) if t else 0.0
                item.computed = self.round(weight * min(fraction, 1.0))
                item.method = "reverse_linear"
                item.explanation = (f"{shown}：超出目标，线性扣分至 {fmt(zero_at)} 倍目标为 0：得分 = "
                                    f"({fmt(zero_at)} × {shown_t} − {shown_a}) ÷ ({fmt(zero_at - 1)} × {shown_t}) × "
                                    f"{fmt(weight)} = {fmt(item.computed)}")
        elif comparator == "=" and rules["equal"] == "all_or_nothing":
            item.computed = 0.0
            item.method = "equal_missed"
            item.explanation = f"{shown}：未等于目标，得 0 分"
        else:
            alternatives = self.ratio_score(item, a / t if t else 0.0, f"{shown_a} ÷ {shown_t}")
            item.method = "positive_ratio"
            item.explanation = f"{shown}：得分 = {item.explanation}"
        if reverse and a > t:
            self.ceiling_exceeded(item, ind, reading)
        self.compare_entered(item, target_met=met, alternatives=alternatives,
                             convention=self.convention_text(rules.get("ratio_decimals"), "完成比率"))

    def ratio_score(self, item: ItemResult, ratio: float, quotient: str) -> list[Alternative]:
        """``item`` scored ``min(ratio, 1) × weight`` (the ratio rounded first when the profile says
        ``quantitative.ratio_decimals``), its arithmetic put in ``item.explanation``; returns what the
        other common rounding conventions give (see :meth:`FormScorer.alternatives`)."""
        decimals = self.profile["quantitative"].get("ratio_decimals")
        used = self.rounded_ratio(ratio, decimals)
        item.computed = self.round(item.weight * min(max(used, 0.0), 1.0))
        rounded = f" = {fmt(ratio)} → {fmt(used)}" if used != ratio else ""
        item.explanation = f"{quotient}{rounded} × {fmt(item.weight)} = {fmt(item.computed)}"
        return self.alternatives(ratio, item.weight, decimals, "完成比率", quotient)

    def ceiling_exceeded(self, item: ItemResult, ind: IndicatorRow, reading: Reading) -> None:
        """An actual above a ceiling (≤ / <) is flagged whatever the score rounds to: 38012 元 against
        38000.00 元 scores 38000 ÷ 38012 × 10 = 9.9968 → 10, yet it is an overrun."""
        target, actual = reading.target_value, reading.actual_value
        unit_side = target if target.unit or target.percent else actual
        excess = (reading.actual - reading.target) / unit_side.scale
        amount = f"{fmt(excess)} 个百分点" if unit_side.percent else f"{fmt(excess)}{unit_side.unit_label}"
        share = f"，为上限的 {fmt_percent(reading.actual / reading.target)}" if reading.target > 0 else ""
        self.exceeded[item.cell] = amount
        full = (item.cell not in self.status_cells and item.computed is not None and bool(item.weight)
                and item.computed >= item.weight - self.tolerance)
        self.flag("ceiling_exceeded", "warning", ind.actual.ref,
                  f"「{item.label}」实际完成值「{actual.text}」超过上限「{target.text}」：超出 {amount}{share}"
                  + (f"（得分舍入后仍为满分 {fmt(item.weight)}，但已超出上限）" if full else "")
                  + "。请在「偏差原因分析及改进措施」中说明超出的原因。", item)

    def manual_quantitative(self, item: ItemResult, ind: IndicatorRow, reading: Reading, why: str | None = None) -> None:
        weight = item.weight
        item.method = "quantitative_manual"
        why = why or (f"目标「{reading.target_value.text}」、实际「{reading.actual_value.text}」含 0 或负数，"
                      "不能按比例计分")
        if item.entered is not None and 0 <= item.entered <= weight + self.tolerance:
            item.computed = item.entered
            item.explanation = f"{why}：采用人工评分 {fmt(item.entered)}"
            self.flag("manual_quantitative", "warning", ind.score_ref,
                      f"{why}；采用填报得分 {fmt(item.entered)}，请在偏差原因中写明评分依据。", item)
            self.check_reason(item, ind)
            return
        item.explanation = f"{why}，需人工评分"
        self.flag("judgement_required", "error", ind.score_ref,
                  f"指标「{item.label}」{why}：请在得分栏填写 0–{fmt(weight)} 之间的人工评分并写明依据。", item)

    def over_achievement(self, item: ItemResult, ind: IndicatorRow, actual: float, target: float) -> None:
        rules = self.profile["over_achievement"]
        ratio_text = f"{fmt(actual)} ÷ {fmt(target)} = {fmt_percent(actual / target)}"
        if rules["consequence"] == "deduct":
            fraction = rules.get("deduct_fraction", 0.0)
            item.computed = self.round(item.weight * (1 - fraction))
            item.method = "over_achievement_deducted"
            self.flag("over_achievement_deducted", "warning", ind.score_ref,
                      f"超额完成 {ratio_text}，达到 {fmt_percent(rules['trigger_ratio'])} 的超额线，按规则扣 "
                      f"{fmt_percent(fraction)}：{fmt(item.weight)} × (1 − {fmt(fraction)}) = {fmt(item.computed)}。",
                      item)
            item.explanation += f"；超额扣分后 {fmt(item.computed)}"
        if ind.reason_text:
            self.flag("over_achievement_explained", "info", ind.reason_ref,
                      f"超额完成 {ratio_text}，已在偏差原因中说明。", item)
        else:
            self.flag("over_achievement", "warning", ind.reason_ref,
                      f"实际完成远超目标（{ratio_text}，超额线 {fmt_percent(rules['trigger_ratio'])}）："
                      "请在「偏差原因分析及改进措施」中说明原因（目标是否设置偏低）。", item)

    def qualitative_tier(self, ind: IndicatorRow, target: ParsedValue, actual: ParsedValue) -> tuple[str | None, str]:
        """Which tier the actual value plainly falls in, and why; (None, why) when it is a judgement.

        Only a closed list of attainment phrases (``qualitative.attainment_phrases``), the target's
        own words, or a number at or above ``met_percent_at_least`` place a row in the met tier;
        partial/not-met words only bound a score the clerk typed. A statement of activity
        (已开展…, 已组织…) is never a result, and rows named in ``number_required_for`` (满意度)
        need a number."""
        rules = self.profile["qualitative"]
        if actual.kind == "number":
            at_least = rules.get("met_percent_at_least", 100)
            if (actual.percent or actual.unit is None) and actual.number >= at_least:
                return "met", f"实际「{actual.text}」达到 {fmt(at_least)}%"
            return None, f"实际「{actual.text}」是数值，目标「{target.text}」是定性描述"
        label = actual.label or actual.text
        named = f"{ind.level2}{ind.level3.text}"
        needs_number = next((w for w in rules.get("number_required_for", []) if w in named), None)
        if needs_number:
            return None, f"「{needs_number}」类指标须填写调查得到的数值（如 95%），「{label}」不是数值"
        activity = next((w for w in rules.get("activity_words", []) if w in label), None)
        if activity:
            return None, f"实际「{label}」陈述的是开展了工作（「{activity}」），不是达到的结果"
        bare = re.sub(r"[\s，。,.;；！!]+", "", label)
        if label == (target.label or target.text) or bare in rules.get("attainment_phrases", []):
            return "met", f"实际「{label}」" + ("与目标一致" if label == (target.label or target.text) else "表示已达成")
        for tier_id, words in (("not_met", rules["not_met_words"]), ("partial", rules["partial_words"])):
            word = next((w for w in words if w in label), None)
            if word:
                return tier_id, f"实际「{label}」含「{word}」"
        return None, f"实际「{label}」需人工判断"

    def score_qualitative(self, item: ItemResult, ind: IndicatorRow, target: ParsedValue,
                          actual: ParsedValue) -> None:
        rules = self.profile["qualitative"]
        weight = item.weight
        tiers = {tier["id"]: tier for tier in rules["tiers"]}
        tier_id, why = self.qualitative_tier(ind, target, actual)
        tier = tiers.get(tier_id) if tier_id else None
        entered = item.entered
        if entered is not None and weight:
            share = entered / weight * 100
            if tier is not None and not (tier["min"] - 1e-9 <= share <= tier["max"] + 1e-9):
                low, high = self.round(weight * tier["min"] / 100), self.round(weight * tier["max"] / 100)
                item.computed = min(max(entered, low), high)
                item.method = "qualitative_clamped"
                item.explanation = f"定性指标：{why}，属「{tier['label']}」档 [{fmt(low)}, {fmt(high)}]"
                self.flag("manual_score_outside_tier", "error", ind.score_ref,
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
                    self.flag("manual_score_accepted", "info", ind.score_ref,
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
            if entered is None and weight and item.cell not in self.status_cells:
                self.flag("score_proposed", "info", ind.score_ref,
                          f"建议得分 {fmt(weight)}（{why}，属「{tiers['met']['label']}」档），请确认；"
                          "如不同意，请直接改写得分。", item)
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
        self.flag("judgement_required", "error", ind.score_ref,
                  f"定性指标「{item.label}」（目标「{target.text}」，实际「{actual.text}」）需要人工评分：{why}。"
                  f"请在得分栏按档次填写：{ranges}。", item)

    def tier_of_share(self, share: float) -> dict:
        tiers = sorted(self.profile["qualitative"]["tiers"], key=lambda t: t["min"])
        for tier in reversed(tiers):
            if share >= tier["min"] - 1e-9:
                return tier
        return tiers[0]

    # -- comparisons -----------------------------------------------------------------
    def check_reason(self, item: ItemResult, ind: IndicatorRow | None) -> None:
        if ind is None or not self.profile.get("deviation_reason_required", True):
            return
        standing = item.standing
        if item.weight and standing is not None and standing < item.weight - self.tolerance and not ind.reason_text:
            self.flag("reason_missing", "warning", ind.reason_ref,
                      f"「{item.label}」得分 {fmt(standing)} 低于分值 {fmt(item.weight)}，"
                      "请填写偏差原因分析及改进措施。", item)

    def weight_factor(self, rows: list[IndicatorRow]) -> float:
        """1, or the rescaling factor when 不适用 rows are dropped and the rest rescaled."""
        if self.profile["not_applicable"]["mode"] != "rescale":
            return 1.0
        applicable = na = 0.0
        for ind in rows:
            weight = parse_number(ind.weight.value).value or 0.0 if ind.weight is not None else 0.0
            if ind.is_not_applicable():
                na += weight
            else:
                applicable += weight
        return (applicable + na) / applicable if applicable and na else 1.0
