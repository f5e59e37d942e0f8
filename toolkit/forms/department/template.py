"""Build the department workbook from a profile: blank template or filled sample.

The profile decides everything: the 评分表 rows are its 三级 indicators (with 分值, 指标说明,
评分标准), the 基础数据 sheet lists its inputs (unit, source, which indicators use them) with
data validation by type. Sample data (``samples/seed000_department.json`` …) fill the cells.

Example::

    >>> from toolkit.core.profile import load_profile
    >>> wb = build_department_workbook(load_profile("shenzhen-yantian-2021"))
    >>> wb.sheetnames
    ['填表说明', '目标完成情况自评表', '评分表', '基础数据', '_jx_meta']
    >>> wb["评分表"]["E4"].value
    '预算编制合理性'
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from toolkit import __version__
from toolkit.forms.department import layout
from toolkit.core.framework import leaves, rule_inputs
from toolkit.workbook.meta import META_SHEET, template_sheets_row
from toolkit.workbook.styles import (BODY_FONT, BOLD_FONT, BUILD_TIMESTAMP, CENTER, HEADER_FILL, LEFT,
                                     TITLE_FONT, TOOL_ALIGN, TOOL_FILL, TOOL_FONT, TOP_LEFT,
                                     define_name, merge, print_within_page, put_text, show_messages,
                                     style_range, text_lines)

SCORE_WIDTHS = {"A": 8, "B": 5, "C": 9, "D": 5, "E": 14, "F": 5, "G": 30, "H": 44, "I": 11, "J": 7,
                "K": 24, "L": 10, "M": 60}
INPUT_WIDTHS = {"A": 22, "B": 40, "C": 10, "D": 16, "E": 44, "F": 30}
TARGET_WIDTHS = {"A": 9, "B": 14, "C": 30, "D": 24, "E": 15, "F": 15, "G": 15, "H": 15, "I": 10, "J": 50}
LINE = 13.5

INSTRUCTIONS = [
    "部门整体支出绩效自评 填表说明",
    "",
    "1. 本工作簿由规则配置（{profile}）生成：「评分表」的指标、分值、指标说明和评分标准来自该配置，请勿增删指标行。",
    "2. 「基础数据」表列出评分表中公式指标所需的全部数据及其来源（如部门决算报表），请在「数值」列填写；"
    "百分比可填 95.74%，是/否项请从下拉列表选择。",
    "3. 「评分表」的「得分」可以留空，由「计算得分」按规则计算；已填写的得分工具不会改动，与规则不一致时标色并说明算式。",
    "4. 人工评分指标（无公式）须在 [0, 分值] 内评分；低于满分的，须在「评分说明（扣分理由）」中写明理由。",
    "5. 「指标实际值」可填写报告中的比率（如 结转结余率 1%），工具会与按基础数据计算的值核对。",
    "6. 灰色的「系统计算得分」「计算说明」两列由工具填写，不打印、不报送。",
    "7. 标色含义：红色 = 错误，黄色 = 提醒，蓝色 = 说明。命令行：jixiao score 文件名.xlsx",
]


def build_department_workbook(profile: Mapping, data: Mapping | None = None) -> Workbook:
    """The department workbook for ``profile``, filled with ``data`` when given.

    ``data`` keys: department, year, preparer, tasks, task_total, goal_expected, goal_actual,
    targets, inputs (id → value), scores (indicator id → {score, measure, justification}),
    total_score, grade.
    """
    data = data or {}
    wb = Workbook()
    ws = wb.active
    ws.title = layout.INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 110
    for row, text in enumerate(INSTRUCTIONS, start=1):
        ws.cell(row, 1, text.format(profile=f"{profile['id']}：{profile['title']}"))
        ws.cell(row, 1).font = TITLE_FONT if row == 1 else BODY_FONT
        ws.cell(row, 1).alignment = TOP_LEFT
    print_within_page(ws, f"A1:A{len(INSTRUCTIONS)}")
    build_target_sheet(wb.create_sheet(layout.TARGET_SHEET), data)
    build_score_sheet(wb.create_sheet(layout.SCORE_SHEET), profile, data)
    build_input_sheet(wb.create_sheet(layout.INPUT_SHEET), profile, data)
    meta = wb.create_sheet(META_SHEET)
    for row in (("template_id", layout.TEMPLATE_ID), ("template_version", layout.TEMPLATE_VERSION),
                ("profile_id", profile["id"]), ("profile_version", profile["version"]),
                ("generator", f"jixiao-toolkit {__version__}"),
                template_sheets_row([layout.TARGET_SHEET, layout.SCORE_SHEET, layout.INPUT_SHEET])):
        meta.append(row)
    meta.sheet_state = "veryHidden"
    wb.active = 2
    wb.properties.creator = "jixiao-toolkit"
    wb.properties.title = f"{layout.TEMPLATE_TITLE}（{profile['id']}）"
    wb.properties.created = BUILD_TIMESTAMP
    return wb


def _widths(ws, widths: Mapping[str, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[col].width = width


def _fit(ws, row: int, texts: Mapping[str, object], widths: Mapping[str, float]) -> None:
    lines = max([text_lines(str(v), widths[c]) for c, v in texts.items() if v] or [1])
    if lines > 1:
        ws.row_dimensions[row].height = min(lines * LINE + 4, 400)


def build_score_sheet(ws, profile: Mapping, data: Mapping) -> None:
    """The 部门整体支出绩效评分表: one row per 三级 indicator, then 综合评分 and 评分等级.

    >>> from toolkit.core.profile import load_profile
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active; ws.title = "评分表"
    >>> build_score_sheet(ws, load_profile("wuhua-2023"), {})
    >>> ws.defined_names["JXD_TotalScore"].attr_text
    "'评分表'!$J$29"
    """
    _widths(ws, SCORE_WIDTHS)
    merge(ws, "A1:K1", layout.SCORE_TITLE, font=TITLE_FONT, border=None)
    ws.row_dimensions[1].height = 30
    for ref, label in (("A2", "部门（单位）名称"), ("H2", "评价年度")):
        ws[ref] = label
    merge(ws, "A2:B2", "部门（单位）名称", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "C2:G2", None, alignment=LEFT)
    put_text(ws, "C2", data.get("department"))
    style_range(ws, "H2", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "I2:K2", data.get("year"), alignment=LEFT)
    define_name(ws, layout.FIELD_NAMES["department"], "C2")
    define_name(ws, layout.FIELD_NAMES["year"], "I2")

    header = 3
    for offset, text in enumerate(layout.SCORE_HEADERS + layout.TOOL_HEADERS, start=1):
        ws.cell(header, offset, text)
    style_range(ws, f"A{header}:K{header}", font=BOLD_FONT, fill=HEADER_FILL)
    style_range(ws, f"L{header}:M{header}", font=TOOL_FONT, fill=TOOL_FILL)
    define_name(ws, layout.SCORE_HEADER_NAME, f"A{header}:K{header}")

    scores = data.get("scores", {})
    row = header + 1
    runs1: list[tuple[int, int]] = []
    runs2: list[tuple[int, int]] = []
    for leaf in leaves(profile):
        entry = scores.get(leaf.node["id"], {})
        new1 = not runs1 or ws.cell(runs1[-1][0], 1).value != leaf.level1["name"]
        new2 = new1 or ws.cell(runs2[-1][0], 3).value != leaf.level2["name"]
        if new1:
            runs1.append((row, row))
            ws.cell(row, 1, leaf.level1["name"]); ws.cell(row, 2, leaf.level1["weight"])
        runs1[-1] = (runs1[-1][0], row)
        if new2:
            runs2.append((row, row))
            ws.cell(row, 3, leaf.level2["name"]); ws.cell(row, 4, leaf.level2["weight"])
        runs2[-1] = (runs2[-1][0], row)
        ws.cell(row, 5, leaf.name)
        ws.cell(row, 6, leaf.weight)
        ws.cell(row, 7, leaf.node.get("explanation"))
        ws.cell(row, 8, leaf.node.get("criteria"))
        put_text(ws, f"I{row}", entry.get("measure"))
        ws.cell(row, 10, entry.get("score"))
        put_text(ws, f"K{row}", entry.get("justification"))
        style_range(ws, f"A{row}:K{row}")
        for col in "GHK":
            ws[f"{col}{row}"].alignment = LEFT
        ws[f"J{row}"].number_format = "0.00"
        style_range(ws, f"L{row}:M{row}", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)
        _fit(ws, row, {"G": leaf.node.get("explanation"), "H": leaf.node.get("criteria"),
                       "K": entry.get("justification")}, SCORE_WIDTHS)
        row += 1
    last = row - 1
    for runs, cols in ((runs1, "AB"), (runs2, "CD")):
        for start, end in runs:
            if end > start:
                for col in cols:
                    ws.merge_cells(f"{col}{start}:{col}{end}")
    total_row, grade_row, sign_row = last + 1, last + 2, last + 3
    merge(ws, f"A{total_row}:I{total_row}", "综合评分", font=BOLD_FONT, fill=HEADER_FILL)
    ws[f"J{total_row}"] = data.get("total_score")
    merge(ws, f"A{grade_row}:I{grade_row}", "评分等级", font=BOLD_FONT, fill=HEADER_FILL)
    ws[f"J{grade_row}"] = data.get("grade")
    style_range(ws, f"J{total_row}:K{grade_row}", font=BOLD_FONT)
    style_range(ws, f"L{total_row}:M{total_row}", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)
    define_name(ws, layout.FIELD_NAMES["total_score"], f"J{total_row}")
    define_name(ws, layout.FIELD_NAMES["grade"], f"J{grade_row}")
    merge(ws, f"A{sign_row}:B{sign_row}", "填表人", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, f"C{sign_row}:E{sign_row}", data.get("preparer"), alignment=LEFT)
    define_name(ws, layout.FIELD_NAMES["preparer"], f"C{sign_row}")

    points = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                            promptTitle="得分", prompt="可留空，由「计算得分」按评分标准和基础数据计算；人工评分指标在 0 到分值之间"
                                                     "评分，低于满分须在「评分说明」写明扣分理由。",
                            errorTitle="得分", error="得分请填 0 到分值之间的数字，可留空由工具计算")
    points.add(f"J{header + 1}:J{total_row}")
    show_messages(ws, points)
    ws.print_area = f"A1:K{sign_row}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"
    ws.freeze_panes = f"A{header + 1}"


def build_input_sheet(ws, profile: Mapping, data: Mapping) -> None:
    """The 基础数据 sheet: every declared input, its unit and source, validated by type.

    >>> from toolkit.core.profile import load_profile
    >>> from openpyxl import Workbook
    >>> ws = Workbook().active; ws.title = "基础数据"
    >>> build_input_sheet(ws, load_profile("wuhua-2023"), {})
    >>> ws["A3"].value, ws["F3"].value
    ('revenue_budget', '财政拨款收入预决算差异率')
    """
    _widths(ws, INPUT_WIDTHS)
    merge(ws, "A1:F1", layout.INPUT_TITLE, font=TITLE_FONT, border=None)
    ws.row_dimensions[1].height = 28
    for offset, text in enumerate(layout.INPUT_HEADERS, start=1):
        ws.cell(2, offset, text)
    style_range(ws, "A2:F2", font=BOLD_FONT, fill=HEADER_FILL)
    define_name(ws, layout.INPUT_HEADER_NAME, "A2:F2")
    used_by: dict[str, list[str]] = {}
    for leaf in leaves(profile):
        for name in rule_inputs(leaf.node["rule"]):
            used_by.setdefault(name, []).append(leaf.name)
    values = data.get("inputs", {})
    validations = {
        "amount": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                 promptTitle="金额", prompt="按「单位」列填写数字，不带单位",
                                 errorTitle="金额", error="请填写不小于 0 的数字（不带单位）"),
        "count": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                promptTitle="数量", prompt="填写个数（数字）",
                                errorTitle="数量", error="请填写不小于 0 的数字"),
        "number": DataValidation(type="decimal", allow_blank=True, errorTitle="数值", error="请填写数字",
                                 promptTitle="数值", prompt="填写数字",
                                 operator="between", formula1="-1E+15", formula2="1E+15"),
        "percent": DataValidation(type="decimal", operator="between", formula1="-10", formula2="10",
                                  allow_blank=True, promptTitle="百分比", prompt="填写百分比，如 95.74%",
                                  errorTitle="百分比", error="请填写百分比，如 95.74%"),
        "yes_no": DataValidation(type="list", formula1='"是,否"', allow_blank=True, errorTitle="是/否",
                                 promptTitle="是/否", prompt="从下拉列表选择「是」或「否」",
                                 error="请从下拉列表选择「是」或「否」"),
    }
    row = 3
    for item in profile["inputs"]:
        ws.cell(row, 1, item["id"])
        ws.cell(row, 2, item["label"])
        ws.cell(row, 3, item.get("unit", ""))
        value = values.get(item["id"])
        ws.cell(row, 4, value)
        ws.cell(row, 5, item.get("source", ""))
        ws.cell(row, 6, "、".join(used_by.get(item["id"], [])))
        style_range(ws, f"A{row}:F{row}", alignment=LEFT)
        ws[f"D{row}"].alignment = CENTER
        kind = item["type"]
        if kind == "percent":
            ws[f"D{row}"].number_format = "0.00%"
        elif kind == "amount":
            ws[f"D{row}"].number_format = "#,##0.00"
        if kind == "points":
            points = DataValidation(type="decimal", operator="between", formula1="0",
                                    formula2=str(item.get("max", 100)), allow_blank=True, errorTitle="得分",
                                    promptTitle="得分", prompt=f"填写 0 到 {item.get('max', 100)} 之间的数字",
                                    error=f"请填写 0 到 {item.get('max', 100)} 之间的数字")
            points.add(f"D{row}")
            show_messages(ws, points)
        else:
            validations[kind].add(f"D{row}")
        _fit(ws, row, {"B": item["label"], "E": item.get("source"), "F": ws.cell(row, 6).value}, INPUT_WIDTHS)
        row += 1
    for validation in validations.values():
        if validation.sqref:
            show_messages(ws, validation)
    ws.freeze_panes = "A3"


def build_target_sheet(ws, data: Mapping) -> None:
    """部门（单位）整体支出绩效目标完成情况自评表, in seed 000's layout.

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active; ws.title = "目标完成情况自评表"
    >>> build_target_sheet(ws, {})
    >>> ws.defined_names["JXD_TaskTotal"].attr_text
    "'目标完成情况自评表'!$E$11:$H$11"
    """
    _widths(ws, TARGET_WIDTHS)
    merge(ws, "A1:H1", layout.TARGET_TITLE, font=TITLE_FONT, border=None)
    ws.row_dimensions[1].height = 30
    merge(ws, "A2:B2", "部门（单位）名称", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "C2:E2", None, alignment=LEFT)
    put_text(ws, "C2", data.get("department"))
    style_range(ws, "F2", font=BOLD_FONT, fill=HEADER_FILL)
    ws["F2"] = "预算年度"
    merge(ws, "G2:H2", data.get("year"), alignment=LEFT)
    # task header rows 3-4
    merge(ws, "B3:B4", "任务名称", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "C3:C4", "主要内容", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "D3:D4", "完成情况", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "E3:F3", "预算数（元）", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "G3:H3", "执行数（元）", font=BOLD_FONT, fill=HEADER_FILL)
    for col, text in zip("EFGH", ("总额", "其中：财政拨款", "总额", "其中：财政拨款")):
        ws[f"{col}4"] = text
    style_range(ws, "E4:H4", font=BOLD_FONT, fill=HEADER_FILL)
    define_name(ws, layout.TASK_HEADER_NAME, "B4:H4")
    for col, text in zip("IJ", layout.TOOL_HEADERS):
        ws[f"{col}4"] = text
    style_range(ws, "I4:J4", font=TOOL_FONT, fill=TOOL_FILL)
    tasks = list(data.get("tasks") or [{} for _ in range(6)])
    row = 5
    for task in tasks:
        for col, key in zip("BCDEFGH", layout.TASK_COLUMNS):
            put_text(ws, f"{col}{row}", task.get(key))
        style_range(ws, f"B{row}:H{row}", alignment=LEFT)
        for col in "EFGH":
            ws[f"{col}{row}"].number_format = "#,##0.00"
            ws[f"{col}{row}"].alignment = CENTER
        _fit(ws, row, {"C": task.get("content")}, TARGET_WIDTHS)
        row += 1
    total_row = row
    merge(ws, f"B{total_row}:D{total_row}", "金额合计", font=BOLD_FONT, fill=HEADER_FILL)
    total = data.get("task_total", {})
    for col, key in zip("EFGH", layout.TASK_COLUMNS[3:]):
        ws[f"{col}{total_row}"] = total.get(key)
        ws[f"{col}{total_row}"].number_format = "#,##0.00"
    style_range(ws, f"E{total_row}:H{total_row}", font=BOLD_FONT)
    style_range(ws, f"I{total_row}:J{total_row}", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)
    define_name(ws, layout.TASK_TOTAL_NAME, f"E{total_row}:H{total_row}")
    merge(ws, f"A3:A{total_row}", "年度主要任务完成情况", font=BOLD_FONT, fill=HEADER_FILL)
    money = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           promptTitle="金额（元）", prompt="填写数字（元），不带单位；金额合计可留空由工具计算",
                           errorTitle="金额", error="请填写不小于 0 的数字（元）")
    money.add(f"E5:H{total_row}")
    show_messages(ws, money)

    goal = total_row + 1
    merge(ws, f"A{goal}:A{goal + 1}", "年度总体目标完成情况", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, f"B{goal}:D{goal}", "预期目标", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, f"E{goal}:H{goal}", "目标实际完成情况", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, f"B{goal + 1}:D{goal + 1}", None, alignment=TOP_LEFT)
    put_text(ws, f"B{goal + 1}", data.get("goal_expected"))
    merge(ws, f"E{goal + 1}:H{goal + 1}", None, alignment=TOP_LEFT)
    put_text(ws, f"E{goal + 1}", data.get("goal_actual"))
    ws.row_dimensions[goal + 1].height = max(80, text_lines(str(data.get("goal_expected") or ""), 50) * LINE + 6)
    define_name(ws, layout.GOAL_NAMES["goal_expected"], f"B{goal + 1}")
    define_name(ws, layout.GOAL_NAMES["goal_actual"], f"E{goal + 1}")

    header = goal + 2
    for col, text in zip("BCDEF", layout.TARGET_HEADERS):
        ws[f"{col}{header}"] = text
    style_range(ws, f"B{header}:F{header}", font=BOLD_FONT, fill=HEADER_FILL)
    define_name(ws, layout.TARGET_HEADER_NAME, f"B{header}:F{header}")
    targets = list(data.get("targets") or [{} for _ in range(9)])
    row = header + 1
    for target in targets:
        for col, key in zip("BCDEF", ("level1", "level2", "level3", "target", "actual")):
            put_text(ws, f"{col}{row}", target.get(key))
        style_range(ws, f"B{row}:F{row}")
        _fit(ws, row, {"D": target.get("level3"), "E": target.get("target"), "F": target.get("actual")},
             TARGET_WIDTHS)  # a long 三级指标 wraps into a row tall enough to show it
        row += 1
    merge(ws, f"A{header}:A{row - 1}", "年度绩效指标完成情况", font=BOLD_FONT, fill=HEADER_FILL)
    ws.print_area = f"A1:H{row - 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
