"""The project form's layout: every field's documented name, label and place.

This module is the one map between the 项目支出绩效自评表 and code. Every field a clerk
fills or the tool computes has a sheet-scoped *defined name* (``JX_…``) written into the
template; readers and writers locate fields through those names, never through fixed
coordinates, so a clerk may insert indicator rows (Excel moves the names with them).

The indicator grid is the rows strictly between the header row (``JX_IndicatorHeader``)
and the total row (``JX_TotalScore``); its columns are fixed offsets from the header's first
column (:data:`GRID_COLUMNS`). Two tool columns to the right of the grid hold the computed
score and its explanation; they are outside the print area and never part of a submission.

Example::

    >>> FIELDS["project_name"].name
    'JX_ProjectName'
    >>> GRID_COLUMNS.index("score")
    6
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.workbook import meta
from toolkit.workbook.anchors import Anchor

TEMPLATE_ID = "jixiao.project-self-evaluation"
TEMPLATE_VERSION = "1.0"
TEMPLATE_TITLE = "项目支出绩效自评表"
# The tool's own sheets (the same in every kind's workbook).
META_SHEET, CHECK_SHEET, INSTRUCTIONS_SHEET = meta.META_SHEET, meta.CHECK_SHEET, meta.INSTRUCTIONS_SHEET


@dataclass(frozen=True)
class Field:
    """A single-cell field of the form.

    ``name`` is the defined name in the workbook, ``label`` the Chinese label printed
    beside it (used to verify the structure is intact), ``role`` either ``input``
    (the clerk types it) or ``output`` (the tool may fill it when empty).
    """

    key: str
    name: str
    label: str
    role: str = "input"
    description: str = ""


_FIELD_LIST = [
    Field("year", "JX_Year", "评价年度", description="评价年度，如 2021"),
    Field("money_unit", "JX_MoneyUnit", "金额单位", description="元 或 万元"),
    Field("project_name", "JX_ProjectName", "项目名称"),
    Field("project_amount", "JX_ProjectAmount", "项目金额", description="可选"),
    Field("department", "JX_Department", "主管部门"),
    Field("implementer", "JX_Implementer", "实施单位"),
    Field("goal_expected", "JX_GoalExpected", "预期目标"),
    Field("goal_actual", "JX_GoalActual", "实际完成情况"),
    Field("total_weight", "JX_TotalWeight", "总分", "output", "分值合计，应为 100"),
    Field("total_score", "JX_TotalScore", "总分", "output", "总得分 = 执行率得分 + 各指标得分"),
    Field("grade", "JX_Grade", "等级", "output", "按规则档次评定"),
    Field("weight_output", "JX_WeightOutput", "产出指标", description="一级指标分值：产出指标"),
    Field("weight_benefit", "JX_WeightBenefit", "效益指标", description="一级指标分值：效益指标"),
    Field("weight_satisfaction", "JX_WeightSatisfaction", "满意度指标",
          description="一级指标分值：满意度指标"),
    Field("preparer", "JX_Preparer", "填表人"),
    Field("phone", "JX_Phone", "联系电话"),
    Field("fill_date", "JX_FillDate", "填报日期"),
]
FIELDS: dict[str, Field] = {f.key: f for f in _FIELD_LIST}

# 一级指标 whose weights the weight line declares, keyed like FIELDS.
LEVEL1_WEIGHT_FIELDS = {
    "产出指标": "weight_output",
    "效益指标": "weight_benefit",
    "满意度指标": "weight_satisfaction",
}

# The 项目资金 block: one defined name over the whole block (rows × columns below).
FUND_BLOCK_NAME = "JX_Funds"
FUND_ROWS = [
    ("total", "年度资金总额"),
    ("appropriation", "其中：当年财政拨款"),
    ("carryover", "上年结转资金"),
    ("other", "其他资金"),
]
FUND_COLUMNS = ["label", "initial", "budget", "actual", "weight", "rate", "score"]
FUND_HEADERS = ["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]

# The indicator grid: the header row's defined name and its columns, left to right.
GRID_HEADER_NAME = "JX_IndicatorHeader"
GRID_COLUMNS = ["level1", "level2", "level3", "target", "actual", "weight", "score", "reason"]
GRID_HEADERS = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                "偏差原因分析及改进措施"]
# Tool columns to the right of the grid (and of the fund block): computed score, explanation.
TOOL_COLUMNS = ["computed", "explanation"]
TOOL_HEADERS = ["系统计算得分", "计算说明"]

LEVEL1_LABELS = ["产出指标", "效益指标", "满意度指标"]
DEFAULT_INDICATOR_ROWS = [
    ("产出指标", "数量指标"),
    ("产出指标", "质量指标"),
    ("产出指标", "时效指标"),
    ("产出指标", "成本指标"),
    ("效益指标", "经济效益指标"),
    ("效益指标", "社会效益指标"),
    ("效益指标", "生态效益指标"),
    ("效益指标", "可持续影响指标"),
    ("满意度指标", "服务对象满意度指标"),
]


def all_names() -> list[str]:
    """Every defined name a project sheet carries.

    >>> "JX_Funds" in all_names() and "JX_IndicatorHeader" in all_names()
    True
    """
    return [f.name for f in _FIELD_LIST] + [FUND_BLOCK_NAME, GRID_HEADER_NAME]


# How the template prints every name: label and offset (see toolkit.workbook.anchors). The Excel
# buttons find the names from these labels in one bulk read; file readers confirm the stored names
# with them. Kept beside the names: a change to the template's geometry changes both.
_GRID = GRID_HEADER_NAME
ANCHORS: tuple[Anchor, ...] = (
    Anchor("JX_Year", "评价年度"),
    Anchor("JX_MoneyUnit", "金额单位"),
    Anchor("JX_ProjectName", "项目名称"),
    Anchor("JX_ProjectAmount", "项目金额"),
    Anchor("JX_Department", "主管部门"),
    Anchor("JX_Implementer", "实施单位"),
    Anchor(FUND_BLOCK_NAME, FUND_ROWS[0][1], offset=(0, 0), span=(len(FUND_ROWS), len(FUND_COLUMNS)),
           row_labels=tuple(label for _, label in FUND_ROWS)),
    Anchor("JX_GoalExpected", "预期目标", offset=(1, 0)),
    Anchor("JX_GoalActual", "实际完成情况", offset=(1, 0)),
    Anchor(_GRID, GRID_HEADERS[0], offset=(0, 0), span=(1, len(GRID_COLUMNS)), headers=tuple(GRID_HEADERS)),
    Anchor("JX_TotalWeight", "总分", offset=(0, GRID_COLUMNS.index("weight")), below=_GRID, column_from=_GRID),
    Anchor("JX_TotalScore", "总分", offset=(0, GRID_COLUMNS.index("score")), below=_GRID, column_from=_GRID),
    Anchor("JX_Grade", "等级", offset=(0, GRID_COLUMNS.index("score")), below=_GRID, column_from=_GRID),
    Anchor("JX_WeightOutput", "一级指标分值", offset=(0, 2), below=_GRID),
    Anchor("JX_WeightBenefit", "一级指标分值", offset=(0, 4), below=_GRID),
    Anchor("JX_WeightSatisfaction", "一级指标分值", offset=(0, 6), below=_GRID),
    Anchor("JX_Preparer", "填表人", below=_GRID),
    Anchor("JX_Phone", "联系电话", below=_GRID),
    Anchor("JX_FillDate", "填报日期", below=_GRID),
)
