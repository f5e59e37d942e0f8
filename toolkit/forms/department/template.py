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
from toolkit.core.arith import fmt
from toolkit.core.framework import Leaf, department_lists, framework_rows, leaf_inputs, leaves, rule_inputs
from toolkit.workbook.meta import META_SHEET, profile_rows, template_sheets_row
from toolkit.workbook.styles import (BODY_FONT, BOLD_FONT, BUILD_TIMESTAMP, CENTER, HEADER_FILL, LEFT,
                                     TITLE_FONT, TOOL_ALIGN, TOOL_FILL, TOOL_FONT, TOP_LEFT,
                                     define_name, merge, put_text, show_messages,
                                     style_range, text_lines)
from toolkit.workbook.printing import fit_text_rows, group_breaks, setup_page, use_print_font

# Printed columns sum to at most about 137 units: landscape A4 at 85 % or more even where LibreOffice
# measures columns in the wider DejaVu Sans (see toolkit.workbook.printing), so type stays ≥ 8 pt.
SCORE_WIDTHS = {"A": 7, "B": 5, "C": 8, "D": 5, "E": 13, "F": 5, "G": 22, "H": 34, "I": 10, "J": 7,
                "K": 18, "L": 10, "M": 60}
INPUT_WIDTHS = {"A": 22, "B": 36, "C": 10, "D": 16, "E": 36, "F": 26}
TARGET_WIDTHS = {"A": 9, "B": 14, "C": 30, "D": 24, "E": 15, "F": 15, "G": 15, "H": 15, "I": 10, "J": 50}
LINE = 13.5
INSTRUCTIONS_WIDTH = 88  # one column: LibreOffice does not shrink a single column to the page, so it fits at 100 %
SCORE_PRINTED, TARGET_PRINTED = "ABCDEFGHIJK", "ABCDEFGH"  # the tool columns right of them do not print


def printed_spans(form) -> dict[str, tuple[int, float]]:
    """sheet → (last printed column, printed width in column units) of the sheets a department form
    spans: where its 问题说明 blocks may write (see :mod:`toolkit.workbook.printing`)."""
    spans = {form.sheet: (len(SCORE_PRINTED), sum(SCORE_WIDTHS[c] for c in SCORE_PRINTED))}
    if form.target is not None:
        spans[form.target.sheet] = (len(TARGET_PRINTED), sum(TARGET_WIDTHS[c] for c in TARGET_PRINTED))
    return spans

INSTRUCTIONS = [
    "部门整体支出绩效自评 填表说明",
    "",
    "1. 本工作簿由规则配置{profile}生成：「评分表」的指标、分值、指标说明和评分标准来自该配置，请勿增删指标行。",
    "2. 「基础数据」表列出评分表中公式指标所需的全部数据及其来源（如部门决算报表），请在「数值」列填写；"
    "百分比可填 95.74%，是/否项请从下拉列表选择。",
    "3. 「评分表」的「得分」可以留空，由「计算得分」按规则计算；已填写的得分工具不会改动，与规则不一致时标色并说明算式。",
    "4. 人工评分指标（无公式）须在 [0, 分值] 内评分；低于满分的，须在「评分说明（扣分理由）」中写明理由。",
    "5. 「指标实际值」可填写报告中的比率（如 结转结余率 1%），工具会与按基础数据计算的值核对。",
    "6. 灰色的「系统计算得分」「计算说明」两列由工具填写，不打印、不报送。",
    "7. 标色含义：红色 = 错误，黄色 = 提醒，蓝色 = 说明。命令行：jixiao score 文件名.xlsx",
]


def _department_row_instructions(profile: Mapping) -> list[str]:
    """One more line when the framework has indicators each department writes (「部门特性指标」).

    >>> from toolkit.core.profile import load_profile
    >>> _department_row_instructions(load_profile("wuhua-2023")), len(_department_row_instructions(load_profile("dazhou-undated")))
    ([], 1)
    """
    lists = department_lists(profile)
    if not lists:
        return []
    named = "、".join(f"「{listed.name}」（{fmt(listed.weight)} 分）" for listed in lists)
    return [f"8. {named}下的三级指标由本部门自行填写：在留出的空行中填指标名称、分值和得分（行不够可在其中插入行），"
            "各行分值之和须等于上级分值；「评分标准」一栏可从下拉列表选择本行的计分规则，按目标完成情况计分的指标，"
            "其预期值和实际值填在「目标完成情况自评表」中名称相同的指标行。"]


def build_department_workbook(profile: Mapping, data: Mapping | None = None) -> Workbook:
    """The department workbook for ``profile``, filled with ``data`` when given.

    ``data`` keys: department, year, preparer, tasks, task_total, goal_expected, goal_actual,
    targets, inputs (id → value), scores (indicator id → {score, measure, justification}),
    total_score, grade.
    """
    data = data or {}
    wb = Workbook()
    use_print_font(wb)  # column widths measure alike in Excel, WPS and LibreOffice
    ws = wb.active
    ws.title = layout.INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    instructions = INSTRUCTIONS + _department_row_instructions(profile)
    for row, text in enumerate(instructions, start=1):
        ws.cell(row, 1, text.format(profile=f"「{profile['title']}」"))  # the clerk reads the title, not our id
        ws.cell(row, 1).font = TITLE_FONT if row == 1 else BODY_FONT
        ws.cell(row, 1).alignment = TOP_LEFT
    ws.row_dimensions[1].height = 24  # the 16-pt title
    fit_text_rows(ws, range(2, len(instructions) + 1), {"A": INSTRUCTIONS_WIDTH})  # wrapped, never cut at the edge
    setup_page(ws, f"A1:A{len(instructions)}")
    build_target_sheet(wb.create_sheet(layout.TARGET_SHEET), data)
    build_score_sheet(wb.create_sheet(layout.SCORE_SHEET), profile, data)
    build_input_sheet(wb.create_sheet(layout.INPUT_SHEET), profile, data)
    meta = wb.create_sheet(META_SHEET)
    for row in (("template_id", layout.TEMPLATE_ID), ("template_version", layout.TEMPLATE_VERSION),
                *profile_rows(profile),  # the full profile travels with the workbook
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
    for row in (2, header):  # 「部门（单位）名称」「一级指标」「评分说明（扣分理由）」 wrap in their narrow columns
        ws.row_dimensions[row].height = 2 * LINE + 4

    scores = data.get("scores", {})
    row = header + 1
    runs1: list[tuple[int, int]] = []
    runs2: list[tuple[int, int]] = []
    keys: list[tuple] = [(), ()]  # the 一级 and 二级 of the current runs (a group header row ends both)
    group_id = None
    department_cells: dict[tuple[str, ...], list[int]] = {}
    for line in _score_lines(profile, data):
        level1, level2, group = line["level1"], line["level2"], line["group"]
        if group is not None and group["id"] != group_id:
            group_id = group["id"]  # a level above 一级 (共性 / 特性): one header row, no 三级 (not read as a row)
            ws.cell(row, 1, group["name"]); ws.cell(row, 2, group["weight"])
            merge(ws, f"C{row}:K{row}", group.get("explanation"), font=BOLD_FONT, fill=HEADER_FILL, alignment=LEFT)
            style_range(ws, f"A{row}:B{row}", font=BOLD_FONT, fill=HEADER_FILL)
            keys = [(), ()]
            row += 1
        key1 = (group_id, level1["id"])
        key2 = key1 + ((level2 or {}).get("id", line["key"]),)
        if key1 != keys[0]:
            runs1.append((row, row))
            ws.cell(row, 1, level1["name"]); ws.cell(row, 2, level1["weight"])
        runs1[-1] = (runs1[-1][0], row)
        if level2 is not None and (key2 != keys[1] or key1 != keys[0]):
            runs2.append((row, row))
            ws.cell(row, 3, level2["name"]); ws.cell(row, 4, level2["weight"])
        elif level2 is None:
            put_text(ws, f"C{row}", line["entry"].get("level2"))  # a 一级 whose rows the department writes
        if level2 is not None:
            runs2[-1] = (runs2[-1][0], row)
        keys = [key1, key2]
        entry = line["entry"]
        put_text(ws, f"E{row}", line["name"])
        ws.cell(row, 6, line["weight"])
        ws.cell(row, 7, line["explanation"])
        put_text(ws, f"H{row}", line["criteria"])
        put_text(ws, f"I{row}", entry.get("measure"))
        ws.cell(row, 10, entry.get("score"))
        put_text(ws, f"K{row}", entry.get("justification"))
        style_range(ws, f"A{row}:K{row}")
        for col in "GHK":
            ws[f"{col}{row}"].alignment = LEFT
        ws[f"J{row}"].number_format = "0.00"
        style_range(ws, f"L{row}:M{row}", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)
        _fit(ws, row, {"E": line["name"], "G": line["explanation"], "H": line["criteria"],
                       "K": entry.get("justification")}, SCORE_WIDTHS)  # a long 三级指标 wraps too
        if line["choices"]:  # a department-defined row: its 分值 and its rule are the clerk's
            department_cells.setdefault(tuple(line["choices"]), []).append(row)
        row += 1
    _department_row_validations(ws, department_cells)
    last = row - 1
    total_row, grade_row, sign_row = last + 1, last + 2, last + 3
    # Pages break between 一级 groups, never inside their merged cells; 综合评分…填表人 stay together.
    groups = [(1, header)] + [run for run in runs1 if run[1] > run[0]] + [(total_row, sign_row)]
    breaks = group_breaks(ws, f"A1:K{sign_row}", groups, landscape=True, title_rows=(header, header))
    for runs, cols in ((runs1, "AB"), (runs2, "CD")):
        for start, end in runs:
            for piece_start, piece_end in _split_at(start, end, breaks):
                for col in cols:  # a group taller than a page: each page shows its 一级/二级 label again
                    ws[f"{col}{piece_start}"] = ws[f"{col}{start}"].value
                    if piece_end > piece_start:
                        ws.merge_cells(f"{col}{piece_start}:{col}{piece_end}")
                _fit_label(ws, cols[0], piece_start, piece_end)
    merged_starts = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges}
    for label_row in range(header + 1, last + 1):  # labels outside any run (a profile's own section rows)
        for col in "AC":
            if ws[f"{col}{label_row}"].value and (label_row, ord(col) - 64) not in merged_starts:
                _fit_label(ws, col, label_row, label_row)
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
    setup_page(ws, f"A1:K{sign_row}", landscape=True, title_rows=(header, header), groups=groups)
    ws.freeze_panes = f"A{header + 1}"


def _score_lines(profile: Mapping, data: Mapping) -> list[dict]:
    """The 评分表 rows in order: one per fixed 三级 indicator, and for each department-defined list
    (「部门特性指标」) the rows the sample gives, else ``blank_rows`` blank rows for the clerk.

    >>> from toolkit.core.profile import load_profile
    >>> lines = _score_lines(load_profile("dazhou-undated"), {})
    >>> [(line["name"], line["weight"]) for line in lines if line["choices"]][:2]
    [(None, None), (None, None)]
    """
    lines = []
    scores = data.get("scores", {})
    for entry in framework_rows(profile):
        if isinstance(entry, Leaf):
            # an optional indicator's 分值 is its share of the group's, known once the department chose
            explanation = entry.node.get("explanation") or (
                f"可选项：与「{entry.choice.name}」其他各项共用 {fmt(entry.choice.weight)} 分，按选用项数平均分配；"
                "在基础数据中标明是否选用" if entry.choice else None)
            lines.append({"level1": entry.level1, "level2": entry.level2, "group": entry.group, "key": entry.node["id"],
                          "name": entry.name, "weight": None if entry.choice else entry.weight,
                          "explanation": explanation,
                          "criteria": entry.node.get("criteria"), "entry": scores.get(entry.node["id"], {}),
                          "choices": []})
            continue
        spec = entry.spec
        given = (data.get("department_rows") or {}).get(entry.node["id"])
        rows = given if given is not None else [{} for _ in range(spec.get("blank_rows", 5))]
        choices = [label for label, _ in entry.rules()]
        blank_criteria = spec.get("criteria") or (f"部门自定指标，各行分值之和须为 {fmt(entry.weight)}；"
                                                  f"计分规则：{'、'.join(choices)}（缺省 {choices[0]}）")
        for row in rows:
            lines.append({"level1": entry.level1, "level2": entry.level2, "group": entry.group, "key": entry.node["id"],
                          "name": row.get("name"), "weight": row.get("weight"), "explanation": row.get("explanation"),
                          "criteria": row.get("criteria") or (None if given is not None else blank_criteria),
                          "entry": row, "choices": choices})
    return lines


def _department_row_validations(ws, rows_by_choices: Mapping[tuple[str, ...], list[int]]) -> None:
    """Department-defined rows: 分值 is a number the clerk types; 评分标准 offers the allowed rules
    (free text stays allowed: anything else means the first rule)."""
    rows = sorted(row for listed in rows_by_choices.values() for row in listed)
    if not rows:
        return
    weight = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                            promptTitle="分值", prompt="部门自定指标的分值；各行之和须等于上级分值",
                            errorTitle="分值", error="请填写 0 到 100 之间的数字")
    for row in rows:
        weight.add(f"F{row}")
    show_messages(ws, weight)
    for choices, listed in rows_by_choices.items():
        # Excel takes an in-cell list of at most 255 characters, separated by commas, without quotes
        if len(choices) < 2 or len(",".join(choices)) > 250 or any(c in "".join(choices) for c in ',"'):
            continue
        choice = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                                promptTitle="计分规则",
                                prompt=f"部门自定指标：选择本行按哪条规则计分；留空按「{choices[0]}」")
        for row in listed:
            choice.add(f"H{row}")
        choice.showInputMessage, choice.showErrorMessage = True, False
        ws.add_data_validation(choice)


def _fit_label(ws, col: str, first: int, last: int) -> None:
    """A 一级/二级 label in its narrow merged column wraps: the rows it spans get the height it needs."""
    lines = text_lines(str(ws[f"{col}{first}"].value or ""), SCORE_WIDTHS[col])
    rows = range(first, last + 1)
    height = sum(ws.row_dimensions[r].height or 15 for r in rows)
    if height < lines * LINE + 4:
        ws.row_dimensions[last].height = (ws.row_dimensions[last].height or 15) + lines * LINE + 4 - height


def _split_at(start: int, end: int, breaks: list[int]) -> list[tuple[int, int]]:
    """Rows ``start``..``end`` cut after each page-break row inside them.

    >>> _split_at(11, 25, [20]), _split_at(4, 9, [20])
    ([(11, 20), (21, 25)], [(4, 9)])
    """
    pieces, first = [], start
    for row in sorted(breaks):
        if first <= row < end:
            pieces.append((first, row))
            first = row + 1
    return pieces + [(first, end)]


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
        for name in leaf_inputs(leaf):
            used_by.setdefault(name, []).append(leaf.name)
    for listed in department_lists(profile):
        for _, rule in listed.rules():
            for name in rule_inputs(rule):
                used_by.setdefault(name, []).append(listed.name)
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
    # The 编号 (ids the rules use, read by toolkit.forms.department.reader) stay, hidden: a clerk
    # reads Chinese labels only.
    ws.column_dimensions["A"].hidden = True
    setup_page(ws, f"A1:F{max(row - 1, 2)}", landscape=True, title_rows=(2, 2))
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
    level1: list[tuple[int, int]] = []  # runs of one 一级指标, kept on one page
    for index, target in enumerate(targets):
        same = index and target.get("level1") and target.get("level1") == targets[index - 1].get("level1")
        if same:
            level1[-1] = (level1[-1][0], header + 1 + index)
        else:
            level1.append((header + 1 + index, header + 1 + index))
    setup_page(ws, f"A1:H{row - 1}", landscape=True, title_rows=(header, header),
               groups=[(1, 2), (goal, goal + 1)] + level1)
