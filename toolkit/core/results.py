"""Scoring results shared by every form kind: one :class:`ItemResult` per scored line, one
:class:`FormResult` per sheet. The edit planner, the JSON report, export and collect read only these.

Example::

    >>> FormResult("s", "项目", "project", [], 91.9, 91.9, "优", None, 0.19, [], {}).count("error")
    0
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.core.problems import Flag

NOT_CHOSEN = "not_chosen"  # ItemResult.method of an optional indicator the department did not choose (0 of 0)


@dataclass(slots=True)
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
    status: str | None = None  # completion-only rows (no 分值): 达成 / 未达成（完成 x%）/ 需人工判断, as shown
    status_code: str | None = None  # the status as a stable code: met / not_met / judgement / not_applicable

    @property
    def standing(self) -> float | None:
        """The score the form shows: the clerk's entry, else the computed value."""
        return self.entered if self.entered is not None else self.computed


@dataclass(slots=True)
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
    total_shown: float | None = None  # what the sheet shows after scoring: the clerk's total, else the one filled
    grade_shown: str | None = None  # the grade the sheet shows (the clerk's, else the band of total_shown)
    completion_only: bool = False  # a 完成情况表 (no 分值): statuses, no total or grade

    def count(self, severity: str) -> int:
        return sum(1 for f in self.flags if f.severity == severity)
