"""The unit's figures and the re-check, side by side: two numbers, never one replacing the other.

The form holds the unit's own figures — each indicator's 得分, the 总分 (for a department the
综合评分 of the 评分表) and the 等级 — and the report states those as the 自评 result. The
re-check (按规则复核: the same engine as ``jixiao score``) is stated beside them only where it
differs, naming the cells whose scores differ and why.

A difference is *accepted* when the check itself keeps the unit's figure and says so with a
说明 (info) flag on the item, and the item has no error:

* ``manual_deduction`` at info — the target is met, the unit deducted points and wrote why;
* ``rounding_convention`` — the unit's score is what another common rounding convention gives;
* ``manual_score_accepted`` — a person's score inside its tier.

Any other difference (``score_mismatch``, a ``manual_deduction`` without a reason, a score
outside its tier …) is *disputed*: the unit has to check it. A total is in ``agreement``:

* ``same`` — every score and the total agree with the re-check;
* ``accepted`` — they differ only by accepted differences (the unit's total stands);
* ``disputed`` — a disputed score, a total that is not the sum of the form's scores, or a rule
  adjustment of the total (a cap) makes them differ;
* ``unchecked`` — the rule could not give a total (an indicator could not be scored).

Example (the 社会保险转移接续工作外包服务 form of the seed-003 sample: the unit 98, the rule 100,
a 2-point deduction on 满意度 written and explained, so kept)::

    >>> from toolkit.narrative.draft import read_draft
    >>> draft = read_draft("samples/seed003_项目支出绩效自评表.xlsx")
    >>> figures = form_figures(draft.results[0])
    >>> figures.unit_total, figures.recheck_total, figures.agreement
    (98.0, 100.0, 'accepted')
    >>> [(d.item.cell, d.unit, d.rule, d.accepted, d.code) for d in figures.differences]
    [('H20', 18.0, 20.0, True, 'manual_deduction')]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.core.arith import round_score
from toolkit.core.catalogue import ACCEPTED_DIFFERENCES  # at info severity
from toolkit.core.problems import Flag
from toolkit.core.results import FormResult, ItemResult

TOLERANCE = 0.005  # scores carry two decimals
TOTAL_CODES = ("total_mismatch", "total_not_sum", "total_incomplete", "grade_mismatch", "grade_undefined")


@dataclass(frozen=True)
class ScoreDifference:
    """An item whose score on the form (``unit``) differs from the rule's (``rule``)."""

    item: ItemResult
    unit: float
    rule: float
    accepted: bool
    code: str  # the flag that explains it ('' when none does)


def difference_of(item: ItemResult) -> ScoreDifference | None:
    """The difference between the unit's score and the rule's, accepted or disputed; None where
    they agree, where the unit gave no score (the form shows the rule's) or where the rule gives
    none (a person's score stands).

    >>> kept = ItemResult("indicator", "满意度", 20.0, 20.0, 18.0, "H20", "positive_met", "", "J20", "K20",
    ...                   flags=[Flag("manual_deduction", "info", "H20", "人工扣 2")])
    >>> difference_of(kept).accepted, difference_of(kept).code
    (True, 'manual_deduction')
    >>> slip = ItemResult("indicator", "采购数", 10.0, 2.76, 2.75, "H13", "positive_ratio", "", "J13", "K13",
    ...                   flags=[Flag("score_mismatch", "error", "H13", "8 ÷ 29 × 10 = 2.76，填报 2.75")])
    >>> difference_of(slip).accepted, difference_of(slip).code
    (False, 'score_mismatch')
    >>> difference_of(ItemResult("indicator", "到岗率", 15.0, 13.89, 13.89, "H13", "positive_ratio", "", "", ""))
    """
    if item.entered is None or item.computed is None or abs(item.entered - item.computed) <= TOLERANCE:
        return None
    errors = any(flag.severity == "error" for flag in item.flags)
    kept = next((flag for flag in item.flags if flag.code in ACCEPTED_DIFFERENCES and flag.severity == "info"), None)
    if kept is not None and not errors:
        return ScoreDifference(item, item.entered, item.computed, True, kept.code)
    raised = sorted((flag for flag in item.flags if flag.severity in ("error", "warning")),
                    key=lambda flag: flag.cell != item.cell)  # the score cell's own flag first
    cause = next(iter(raised), None) or kept
    return ScoreDifference(item, item.entered, item.computed, False, cause.code if cause else "")


@dataclass(frozen=True)
class FormFigures:
    """A form's figures: the unit's (what the form holds) and the re-check's, and how they differ."""

    result: FormResult
    unit_total: float | None  # the form's total: the unit's, else the sum the tool filled in
    unit_grade: str | None  # the form's grade: the unit's, else the band of unit_total
    recheck_total: float | None
    recheck_grade: str | None
    differences: list[ScoreDifference] = field(default_factory=list)
    scores_sum: float | None = None  # the sum of the scores the form shows

    @property
    def total_entered(self) -> bool:
        return self.result.total_entered is not None

    @property
    def grade_entered(self) -> bool:
        return self.result.grade_entered is not None

    @property
    def accepted(self) -> list[ScoreDifference]:
        return [difference for difference in self.differences if difference.accepted]

    @property
    def disputed(self) -> list[ScoreDifference]:
        return [difference for difference in self.differences if not difference.accepted]

    @property
    def sum_gap(self) -> bool:
        """The form's total is not the sum of the scores it shows (``total_not_sum``)."""
        return (self.unit_total is not None and self.scores_sum is not None
                and abs(self.unit_total - self.scores_sum) > TOLERANCE)

    @property
    def total_flags(self) -> list[Flag]:
        """Form-level flags on the total cell other than the consistency checks: rule adjustments
        of the total such as a cap by execution rate (``total_capped``)."""
        cell = self.result.total_cell
        return [flag for flag in self.result.flags
                if cell and flag.cell == cell and flag.code not in TOTAL_CODES
                and not any(flag in item.flags for item in self.result.items)]

    @property
    def adjustment(self) -> bool:
        """The rule's total is not the sum of the rule's scores (a cap, a rule-level adjustment)."""
        if self.recheck_total is None or self.scores_sum is None:
            return False
        explained = self.scores_sum - sum(d.unit - d.rule for d in self.differences)
        return abs(explained - self.recheck_total) > TOLERANCE

    @property
    def agreement(self) -> str:
        """``same`` / ``accepted`` / ``disputed`` / ``unchecked`` (see the module docstring)."""
        if self.recheck_total is None:
            return "unchecked"
        if self.disputed or self.sum_gap or self.adjustment:
            return "disputed"
        if self.unit_total is not None and abs(self.unit_total - self.recheck_total) > TOLERANCE \
                and not self.differences:
            return "disputed"
        return "accepted" if self.differences else "same"


def form_figures(result: FormResult) -> FormFigures:
    """The unit's figures of ``result`` beside the re-check (see the module docstring)."""
    shown = [item.standing for item in result.items]
    scores_sum = round_score(sum(shown), 2) if shown and all(value is not None for value in shown) else None
    differences = [difference for item in result.items if (difference := difference_of(item)) is not None]
    return FormFigures(result=result, unit_total=result.total_shown,
                       unit_grade=result.grade_entered or result.grade_shown,
                       recheck_total=result.total_computed, recheck_grade=result.grade,
                       differences=differences, scores_sum=scores_sum)
