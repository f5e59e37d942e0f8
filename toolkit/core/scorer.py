"""What every form kind's scorer shares: the profile's rounding and tolerance, flags, proposed
fills, numbers read from cells, the comparison of an entered score with a computed one, and the
total/grade consistency checks.

A kind's scorer subclasses :class:`FormScorer` and adds only what its form has of its own
(the project form's 预算执行率 and weight line, the department framework's formulas).

Example::

    >>> from toolkit.core.profile import load_profile
    >>> from toolkit.core.model import CellValue
    >>> scorer = FormScorer("项目1", load_profile("national"))
    >>> scorer.number(CellValue("G6", "8.6分"), "得分"), scorer.round(2.7586)
    (8.6, 2.76)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.core.arith import fmt, round_score
from toolkit.core.bands import grade_for
from toolkit.core.catalogue import ACCEPTED_DIFFERENCES
from toolkit.core.model import CellValue
from toolkit.core.problems import Flag
from toolkit.core.profile import Profile
from toolkit.core.results import ItemResult
from toolkit.core.values import parse_number


@dataclass
class TotalCheck:
    """The outcome of :meth:`FormScorer.check_total_and_grade`."""

    total_entered: float | None
    grade: str | None
    grade_entered: str | None
    total_shown: float | None = None
    grade_shown: str | None = None


@dataclass(frozen=True)
class Alternative:
    """The score another common rounding convention gives (``rate_rounding_conventions``): how it
    rounds, in Chinese, its arithmetic and its result."""

    convention: str
    arithmetic: str
    value: float


class FormScorer:
    """Holds the profile, the sheet and the flags and fills being collected for one form."""

    def __init__(self, sheet: str, profile: Profile):
        self.sheet = sheet
        self.profile = profile
        self.decimals = profile["rounding"]["decimals"]
        self.mode = profile["rounding"]["mode"]
        self.tolerance = profile.get("score_tolerance", 0.005)
        self.flags: list[Flag] = []
        self.fills: dict[str, object] = {}

    def flag(self, code: str, severity: str, cell: str | None, message: str,
             item: ItemResult | None = None) -> Flag:
        """Record a flag on ``cell`` of this form (on ``item`` when it concerns one line)."""
        flag = Flag(code, severity, cell, message, sheet=self.sheet)
        (item.flags if item is not None else self.flags).append(flag)
        return flag

    def round(self, value: float) -> float:
        return round_score(value, self.decimals, self.mode)

    def grade_of(self, total: float | None) -> str | None:
        return grade_for(total, self.profile["grades"])

    def number(self, cell: CellValue, what: str, *, entered_only: bool = True,
               item: ItemResult | None = None) -> float | None:
        """The number in ``cell`` (the clerk's entry; with ``entered_only=False`` also a value
        another reader left there). Text that is not a number is flagged, never guessed."""
        raw = cell.entered if entered_only else (None if cell.tool_filled else cell.value)
        if raw is None:
            return None
        parsed = parse_number(raw)
        if parsed.value is None and parsed.reason:
            self.flag("not_a_number", "error", cell.ref,
                      f"「{what}」应填数字：{parsed.reason}。该单元格未参与计算，请改为数字。", item)
        return parsed.value

    def convention_text(self, decimals: int | None, what: str) -> str:
        """A rounding convention in words: ``None`` = the rate is not rounded before it is multiplied.

        >>> from toolkit.core.profile import load_profile
        >>> scorer = FormScorer("项目1", load_profile("national"))
        >>> scorer.convention_text(None, "执行率"), scorer.convention_text(2, "执行率")
        ('执行率不先舍入，得分最后保留 2 位小数', '执行率先保留 2 位小数再乘分值')
        """
        if decimals is None:
            return f"{what}不先舍入，得分最后保留 {self.decimals} 位小数"
        return f"{what}先保留 {decimals} 位小数再乘分值"

    def rounded_ratio(self, ratio: float, decimals: int | None) -> float:
        return ratio if decimals is None else round_score(ratio, decimals, self.mode)

    def alternatives(self, ratio: float, weight: float, own: int | None, what: str, quotient: str,
                     cap: float = 1.0) -> list[Alternative]:
        """The scores ``min(ratio, cap) × weight`` gets under the profile's other common rounding
        conventions (``rate_rounding_conventions``, minus ``own``, the one the profile uses);
        ``quotient`` is how the ratio was computed (``8 ÷ 29``).

        >>> from toolkit.core.profile import load_profile
        >>> [(a.convention, a.arithmetic) for a in FormScorer("项目1", load_profile("national"))
        ...  .alternatives(44594 / 230000, 10, None, "执行率", "44,594.00 ÷ 230,000.00")]
        [('执行率先保留 2 位小数再乘分值', '44,594.00 ÷ 230,000.00 = 0.1939 → 0.19 × 10 = 1.9')]
        """
        found = []
        for decimals in self.profile.get("rate_rounding_conventions", []):
            if decimals == own:
                continue
            used = self.rounded_ratio(ratio, decimals)
            value = self.round(min(max(used, 0.0), cap) * weight)
            shown = f"{quotient} = {fmt(ratio)}" + (f" → {fmt(used)}" if used != ratio else "")
            found.append(Alternative(self.convention_text(decimals, what), f"{shown} × {fmt(weight)} = {fmt(value)}",
                                     value))
        return found

    def reason_text(self, item: ItemResult) -> str:
        """The 偏差原因 written for ``item`` ('' where the form has none); kinds override."""
        return ""

    def after_compare(self, item: ItemResult) -> None:
        """Hook run after an entered score was compared (the grid checks the reason there)."""

    def compare_entered(self, item: ItemResult, *, target_met: bool, alternatives: Sequence[Alternative] = (),
                        convention: str = "") -> None:
        """Flag an entered score that differs from the computed one; propose a fill if blank.

        An entered score that equals what another common rounding convention gives
        (``alternatives``; ``convention`` is the one the profile uses) is an info, not an error."""
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
                has_reason = bool(self.reason_text(item))
                self.flag("manual_deduction", "info" if has_reason else "warning", item.cell,
                          f"按规则目标已达成，应得 {fmt(computed)}，填报 {fmt(entered)}（人工扣 {fmt(computed - entered)}）。"
                          + ("填报值保留，扣分理由见偏差原因。" if has_reason
                             else "填报值保留；如确需扣分，请在偏差原因中写明依据，否则请改为 "
                                  f"{fmt(computed)}。"), item)
            else:
                other = next((alt for alt in alternatives if abs(entered - alt.value) <= self.tolerance), None)
                if other is not None:
                    self.flag("rounding_convention", "info", item.cell,
                              f"填报 {fmt(entered)} 是按「{other.convention}」计算的结果（{other.arithmetic}）；"
                              f"规则「{self.profile['title']}」按「{convention}」计算，应为 {fmt(computed)}"
                              f"（{item.explanation}）。两种舍入口径都常见，填报值保留，请确认采用哪一种。", item)
                else:
                    self.flag("score_mismatch", "error", item.cell,
                              f"{item.explanation}，填报 {fmt(entered)}，相差 {fmt(entered - computed)}。", item)
        self.after_compare(item)

    def differences_accepted(self, items: list[ItemResult], difference: float) -> bool:
        """Is a total's whole difference made of item differences the tool accepts (a manual deduction
        with its reason, a manual score in its tier, another rounding convention: an info of
        :data:`~toolkit.core.catalogue.ACCEPTED_DIFFERENCES` and no error on the item)?"""
        explained = 0.0
        for item in items:
            if item.entered is None or item.computed is None:
                if item.computed is None:
                    return False
                continue
            gap = item.entered - item.computed
            if abs(gap) <= self.tolerance:
                continue
            codes = {flag.code for flag in item.flags if flag.severity == "info"}
            if not codes & ACCEPTED_DIFFERENCES or any(flag.severity == "error" for flag in item.flags):
                return False
            explained += gap
        return abs(difference - explained) <= self.tolerance

    def check_total_and_grade(self, items: list[ItemResult], *, total_cell: CellValue, grade_cell: CellValue,
                              total_computed: float | None, explanation: str, label: str = "总分") -> TotalCheck:
        """The checks every form's total and grade get, and the fills of a blank total/grade.

        * an entered total must be the sum of the scores the form shows (``total_not_sum``);
        * a shown total that differs from the rule's is a warning (``total_mismatch``);
        * the grade must be the band of the shown total (``grade_mismatch``); a total in no
          band is ``grade_undefined``;
        * a blank total is filled with the sum of the scores the form shows, a blank grade with
          that total's band.
        """
        standing = [item.standing for item in items]
        standing_total = self.round(sum(standing)) if items and all(v is not None for v in standing) else None
        total_entered = self.number(total_cell, label)
        if total_entered is None:
            if standing_total is not None:  # the form's own arithmetic: the sum of the scores it shows
                self.fills[total_cell.ref] = standing_total
        elif standing_total is not None and abs(total_entered - standing_total) > self.tolerance:
            shown = " + ".join(fmt(v) for v in standing)
            self.flag("total_not_sum", "error", total_cell.ref,
                      f"填报{label} {fmt(total_entered)}，但表中各项得分之和为 {shown} = {fmt(standing_total)}。")
        shown_total = total_entered if total_entered is not None else standing_total
        if total_computed is not None and shown_total is not None and abs(shown_total - total_computed) > self.tolerance:
            accepted = self.differences_accepted(items, shown_total - total_computed)
            self.flag("total_mismatch", "info" if accepted else "warning", total_cell.ref,
                      f"按规则「{self.profile['title']}」计算{label}为 {fmt(total_computed)}（{explanation}），"
                      f"表中{label}为 {fmt(shown_total)}，相差 {fmt(shown_total - total_computed)}，"
                      + ("差异均为已说明的人工扣分或另一舍入口径，填报值保留。" if accepted else "差异见各标色单元格。"))

        grade = self.grade_of(total_computed)
        if total_computed is not None and grade is None:
            self.flag("grade_undefined", "error", grade_cell.ref,
                      f"{label} {fmt(total_computed)} 落在规则未定义等级的区间，请检查规则配置的等级档次。")
        grade_entered = grade_cell.text or None if grade_cell.entered is not None else None
        shown_grade = self.grade_of(shown_total)
        if grade_entered is None:
            if shown_grade:
                self.fills[grade_cell.ref] = shown_grade
        elif shown_grade and grade_entered != shown_grade:
            self.flag("grade_mismatch", "error", grade_cell.ref,
                      f"填报等级「{grade_entered}」，{label} {fmt(shown_total)} 按规则应为「{shown_grade}」。")
        return TotalCheck(total_entered, grade, grade_entered, shown_total, grade_entered or shown_grade)
