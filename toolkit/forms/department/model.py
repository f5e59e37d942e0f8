"""The department workbook as read: the 评分表 (framework rows), the 基础数据 inputs and the
目标完成情况自评表 (tasks, 金额合计, and the shared indicator grid).

Example::

    >>> from toolkit.service import read_workbook
    >>> form = read_workbook("samples/seed000_部门整体支出绩效.xlsx").forms[0]
    >>> form.kind, form.profile_id, len(form.rows), len(form.target.indicators) > 0
    ('department', 'shenzhen-yantian-2021', 21, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from toolkit.core.grid import IndicatorRow
from toolkit.core.model import CellValue
from toolkit.forms.kind import NamedForm


@dataclass(frozen=True)
class ScoreRow:
    """One 三级 row of the 评分表 (merged 一级/二级 labels resolved)."""

    row: int
    level1: str
    level2: str
    level3: CellValue
    weight: CellValue
    measure: CellValue
    score: CellValue
    justification: CellValue
    computed_ref: str
    explanation_ref: str
    criteria: CellValue | None = None  # 评分标准: on a department-defined row, which allowed rule it follows


@dataclass(frozen=True)
class TaskRow:
    row: int
    name: CellValue
    cells: dict[str, CellValue]


@dataclass
class TargetSheet:
    """The 目标完成情况自评表: task rows and the 金额合计 row."""

    sheet: str
    tasks: list[TaskRow]
    total: dict[str, CellValue]
    total_row: int
    indicators: list[IndicatorRow] = field(default_factory=list)  # the 绩效指标 grid (no 分值)
    total_tool_refs: tuple[str, str] = ("", "")  # computed / explanation cells of the 金额合计 row
    goals: dict[str, CellValue] = field(default_factory=dict)  # 年度总体目标: goal_expected / goal_actual


@dataclass
class DepartmentForm(NamedForm):
    """A department self-evaluation as read from one workbook."""

    sheet: str
    fields: dict[str, CellValue]
    rows: list[ScoreRow]
    inputs: dict[str, CellValue]
    input_sheet: str | None
    target: TargetSheet | None
    profile_id: str | None
    total_computed_ref: str
    total_explanation_ref: str
    profile_embedded: bool = False  # the meta carries the profile in full (compared by content, book-level)
    kind: str = "department"
    name_field = "department"  # the form is named by its 部门（单位）

    def cells(self):
        """Every clerk cell of the 评分表 (the sheet the result belongs to)."""
        yield from self.fields.values()
        for row in self.rows:
            yield from (row.level3, row.weight, row.measure, row.score, row.justification)
