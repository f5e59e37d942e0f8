"""Names and places of the department workbook (部门整体支出绩效).

Three sheets plus the hidden meta sheet; every field has a sheet-scoped defined name
(``JXD_…``) so readers never depend on coordinates:

* 「目标完成情况自评表」 (seed 000 layout): tasks, 金额合计, 年度总体目标, indicator grid;
* 「评分表」: the framework with 分值, 指标说明, 评分标准, 指标实际值, 得分, 评分说明;
* 「基础数据」: one row per input the framework's formulas use (编号, 数据项, 单位, 数值, 来源).

Example::

    >>> SCORE_COLUMNS.index("score"), TEMPLATE_ID
    (9, 'jixiao.department-self-evaluation')
"""

from __future__ import annotations

from toolkit.workbook.anchors import Anchor

TEMPLATE_ID = "jixiao.department-self-evaluation"
TEMPLATE_VERSION = "1.0"
TEMPLATE_TITLE = "部门整体支出绩效"
TARGET_SHEET = "目标完成情况自评表"
SCORE_SHEET = "评分表"
INPUT_SHEET = "基础数据"
INSTRUCTIONS_SHEET = "填表说明"

TARGET_TITLE = "部门（单位）整体支出绩效目标完成情况自评表"
SCORE_TITLE = "部门整体支出绩效评分表"
INPUT_TITLE = "基础数据表（评分表公式指标所用的数据）"

# 评分表
SCORE_HEADER_NAME = "JXD_ScoreHeader"
SCORE_COLUMNS = ["level1", "level1_weight", "level2", "level2_weight", "level3", "weight",
                 "explanation", "criteria", "measure", "score", "justification"]
SCORE_HEADERS = ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "指标说明", "评分标准",
                 "指标实际值", "得分", "评分说明（扣分理由）"]
TOOL_HEADERS = ["系统计算得分", "计算说明"]
FIELD_NAMES = {
    "department": "JXD_Department", "year": "JXD_Year", "total_score": "JXD_TotalScore",
    "grade": "JXD_Grade", "preparer": "JXD_Preparer",
}

# 基础数据
INPUT_HEADER_NAME = "JXD_InputHeader"
INPUT_COLUMNS = ["id", "label", "unit", "value", "source", "used_by"]
INPUT_HEADERS = ["编号", "数据项", "单位", "数值", "数据来源", "用于指标"]

# 目标完成情况自评表
TASK_HEADER_NAME = "JXD_TaskHeader"
TASK_TOTAL_NAME = "JXD_TaskTotal"
TASK_COLUMNS = ["name", "content", "status", "budget_total", "budget_fiscal", "actual_total", "actual_fiscal"]
TASK_HEADERS = ["任务名称", "主要内容", "完成情况", "预算数·总额", "预算数·其中：财政拨款",
                "执行数·总额", "执行数·其中：财政拨款"]
TARGET_HEADER_NAME = "JXD_TargetHeader"
TARGET_HEADERS = ["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值"]
GOAL_NAMES = {"goal_expected": "JXD_GoalExpected", "goal_actual": "JXD_GoalActual"}

# How each sheet prints its names (see toolkit.workbook.anchors and the project layout's ANCHORS).
SCORE_ANCHORS: tuple[Anchor, ...] = (
    Anchor(FIELD_NAMES["department"], "部门（单位）名称", offset=(0, 2)),
    Anchor(FIELD_NAMES["year"], "评价年度"),
    Anchor(SCORE_HEADER_NAME, SCORE_HEADERS[0], offset=(0, 0), span=(1, len(SCORE_COLUMNS)),
           headers=tuple(SCORE_HEADERS)),
    Anchor(FIELD_NAMES["total_score"], "综合评分", offset=(0, SCORE_COLUMNS.index("score")),
           below=SCORE_HEADER_NAME, column_from=SCORE_HEADER_NAME),
    Anchor(FIELD_NAMES["grade"], "评分等级", offset=(0, SCORE_COLUMNS.index("score")),
           below=SCORE_HEADER_NAME, column_from=SCORE_HEADER_NAME),
    Anchor(FIELD_NAMES["preparer"], "填表人", offset=(0, 2), below=SCORE_HEADER_NAME),
)
INPUT_ANCHORS: tuple[Anchor, ...] = (
    Anchor(INPUT_HEADER_NAME, INPUT_HEADERS[0], offset=(0, 0), span=(1, len(INPUT_COLUMNS)),
           headers=tuple(INPUT_HEADERS)),
)
TARGET_ANCHORS: tuple[Anchor, ...] = (
    Anchor(TASK_HEADER_NAME, TASK_HEADERS[0], offset=(1, 0), span=(1, len(TASK_COLUMNS))),
    Anchor(TASK_TOTAL_NAME, "金额合计", offset=(0, 3), span=(1, 4), below=TASK_HEADER_NAME),
    Anchor(GOAL_NAMES["goal_expected"], "预期目标", offset=(1, 0), below=TASK_HEADER_NAME),
    Anchor(GOAL_NAMES["goal_actual"], "目标实际完成情况", offset=(1, 0), below=TASK_HEADER_NAME),
    Anchor(TARGET_HEADER_NAME, TARGET_HEADERS[0], offset=(0, 0), span=(1, len(TARGET_HEADERS)),
           below=TASK_HEADER_NAME, headers=tuple(TARGET_HEADERS)),
)
