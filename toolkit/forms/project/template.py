"""Build the official-format 项目支出绩效自评表 workbook (blank template or filled sample).

The builder is the only place that chooses coordinates; it writes a defined name for every
field (see :mod:`toolkit.forms.project.layout`), so everything downstream finds fields by name.

Example::

    >>> wb = build_workbook()                     # the blank template, one project sheet
    >>> wb.sheetnames
    ['填表说明', '项目1', '_jx_meta']
    >>> wb["项目1"].defined_names["JX_ProjectName"].attr_text
    "'项目1'!$B$3"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from toolkit import __version__
from toolkit.forms.project import layout
from toolkit.workbook.atomic import atomic_save
from toolkit.workbook.meta import profile_rows, template_sheets_row
from toolkit.workbook.styles import (BOLD_FONT, BUILD_TIMESTAMP, HEADER_FILL, LEFT,
                                     LINE_HEIGHT, TITLE_FONT, TOOL_ALIGN, TOOL_FILL, TOOL_FONT, TOP_LEFT,
                                     define_name, merge, put_text, show_messages,
                                     style_range, text_lines)
from toolkit.workbook.printing import fit_text_rows, setup_page, use_print_font

# A:I (114 units) print on portrait A4 at about 85 %, so 10-pt type prints at 8 pt or more and a form
# with its 问题说明 fits one page; it printed at about 6 pt when A:I summed 138 units and LibreOffice
# measured them in DejaVu Sans (the default font is Arial now: see toolkit.workbook.printing).
COLUMN_WIDTHS = {"A": 9, "B": 14, "C": 13, "D": 16, "E": 14, "F": 14, "G": 7, "H": 7,
                 "I": 20, "J": 11, "K": 48}
# One column: LibreOffice does not shrink a single column to the page, so it must fit at 100 %.
INSTRUCTIONS_WIDTH = 88
PRINTED_COLUMNS = 9  # A:I print; the tool columns J:K do not
PRINTED_UNITS = sum(COLUMN_WIDTHS[col] for col in "ABCDEFGHI")

INSTRUCTIONS = [
    "项目支出绩效自评表 填表说明",
    "",
    "1. 每个项目填写一张工作表。需要填报多个项目时，右键单击工作表标签 →「移动或复制」→ 勾选「建立副本」，"
    "再修改新工作表的名称（如项目名称）。",
    "2. 白色单元格由填报人填写；灰色的「系统计算得分」「计算说明」两列由工具填写，不打印、不报送。",
    "3. 指标行不够时，在指标区中间（表头行与「总分」行之间）右键「插入」整行即可；不要删除表头、"
    "资金、总分和等级行。",
    "4. 年度指标值、实际完成值按实际填写，例如 ≥95%、27人、30.68万份、及时、不适用。"
    "百分比请带 % 号；定量指标的实际值与指标值单位须一致（人 与 人次 不同）。",
    "5. 分值：预算执行率默认 10 分；各指标分值与执行率分值合计应为 100。不适用的指标分值填 0。",
    "6. 得分可以留空，由「计算得分」按规则计算并填入；已填写的得分工具不会改动，"
    "与规则不一致时标色并在批注和「校验结果」表中说明算式。",
    "7. 得分低于分值的指标，必须填写「偏差原因分析及改进措施」；实际值超过指标值 30% 以上的，"
    "也须说明原因（目标是否偏低）。",
    "8. 定性指标（及时、合格、有效保障等）按三档评分：达成年度指标 80%–100%，部分达成并具有一定效果 "
    "60%–80%，未达成且效果较差 0–60%；人工评分须落在相应档次内。",
    "9. 标色含义：红色 = 错误（须改正后才能导出报送），黄色 = 提醒（请核实或说明），蓝色 = 说明。",
    "10. 没有安装 Excel 插件（如使用 WPS）时，可在命令行运行：jixiao score 文件名.xlsx",
]


def build_project_sheet(ws, project: Mapping | None = None, *,
                        default_weights: Mapping[str, float] | None = None,
                        execution_weight: float = 10) -> None:
    """Lay out one 项目支出绩效自评表 on ``ws``, optionally filled with ``project`` data.

    ``project`` uses the keys of ``samples/seed003_projects.json`` (project_name, funds,
    indicators, …). Without it, the sheet is blank with the standard indicator rows.

    >>> from openpyxl import Workbook
    >>> ws = Workbook().active
    >>> build_project_sheet(ws)
    >>> ws["D12"].value
    '三级指标'
    """
    project = project or {}
    weights = dict(default_weights or {})
    for col, width in COLUMN_WIDTHS.items():
        ws.column_dimensions[col].width = width

    merge(ws, "A1:I1", layout.TEMPLATE_TITLE, font=TITLE_FONT, border=None)
    ws.row_dimensions[1].height = 32

    # Header rows 2–4.
    header = {
        "A2": "评价年度", "F2": "金额单位",
        "A3": "项目名称", "F3": "项目金额",
        "A4": "主管部门", "F4": "实施单位",
    }
    for ref, label in header.items():
        ws[ref] = label
        style_range(ws, ref, font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "B2:E2", project.get("year"), alignment=LEFT)
    merge(ws, "G2:I2", project.get("money_unit", "元"), alignment=LEFT)
    merge(ws, "B3:E3", None, alignment=LEFT)
    put_text(ws, "B3", project.get("project_name"))
    merge(ws, "G3:I3", project.get("project_amount"), alignment=LEFT)
    merge(ws, "B4:E4", None, alignment=LEFT)
    put_text(ws, "B4", project.get("department"))
    merge(ws, "G4:I4", None, alignment=LEFT)
    put_text(ws, "G4", project.get("implementer") or None)
    for key, ref in [("year", "B2"), ("money_unit", "G2"), ("project_name", "B3"),
                     ("project_amount", "G3"), ("department", "B4"), ("implementer", "G4")]:
        define_name(ws, layout.FIELDS[key].name, ref)

    # 项目资金 block, rows 5–9, columns B–H (plus tool columns J–K on the total row).
    merge(ws, "A5:A9", "项目资金", font=BOLD_FONT, fill=HEADER_FILL)
    for offset, text in enumerate(layout.FUND_HEADERS):
        ref = f"{get_column_letter(2 + offset)}5"
        ws[ref] = text or None
        style_range(ws, ref, font=BOLD_FONT, fill=HEADER_FILL)
    style_range(ws, "I5:I9")
    funds = project.get("funds", {})
    for row_offset, (key, label) in enumerate(layout.FUND_ROWS):
        row = 6 + row_offset
        values = funds.get(key, {})
        ws.cell(row, 2, label)
        for col_offset, column in enumerate(layout.FUND_COLUMNS[1:], start=3):
            cell = ws.cell(row, col_offset)
            if column in ("weight", "score") and key != "total":
                cell.value = "—"
            elif column == "weight" and key == "total":
                cell.value = values.get("weight", execution_weight)
            else:
                cell.value = values.get(column)
            if column in ("initial", "budget", "actual"):
                cell.number_format = "#,##0.00"
            elif column in ("rate", "score"):
                cell.number_format = "0.00"
        style_range(ws, f"B{row}:H{row}")
        ws.cell(row, 2).alignment = LEFT
        _fit_row_height(ws, row, {"B": label})  # 「其中：当年财政拨款」 wraps in column B
    define_name(ws, layout.FUND_BLOCK_NAME, "B6:H9")
    _tool_header(ws, 5)
    style_range(ws, "J6:K6", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)

    # 年度总体目标, rows 10–11.
    merge(ws, "A10:A11", "年度总体目标", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "B10:E10", "预期目标", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "F10:I10", "实际完成情况", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, "B11:E11", None, alignment=TOP_LEFT)
    put_text(ws, "B11", project.get("goal_expected"))
    merge(ws, "F11:I11", None, alignment=TOP_LEFT)
    put_text(ws, "F11", project.get("goal_actual"))
    goal_width = sum(COLUMN_WIDTHS[c] for c in "FGHI")
    goal_text = max(str(project.get("goal_expected") or ""), str(project.get("goal_actual") or ""), key=len)
    ws.row_dimensions[11].height = max(60, text_lines(goal_text, goal_width) * LINE_HEIGHT + 6)
    define_name(ws, layout.FIELDS["goal_expected"].name, "B11")
    define_name(ws, layout.FIELDS["goal_actual"].name, "F11")

    # 绩效指标 grid: header row 12, indicator rows, then 总分 / 等级 / weight line / signature.
    indicators = project.get("indicators")
    if indicators is None:
        indicators = [{"level1": l1, "level2": l2} for l1, l2 in layout.DEFAULT_INDICATOR_ROWS]
    header_row = 12
    for offset, text in enumerate(layout.GRID_HEADERS):
        ws.cell(header_row, 2 + offset, text)
    style_range(ws, f"B{header_row}:I{header_row}", font=BOLD_FONT, fill=HEADER_FILL)
    ws.row_dimensions[header_row].height = 2 * LINE_HEIGHT + 4  # 「偏差原因分析及改进措施」 wraps
    define_name(ws, layout.GRID_HEADER_NAME, f"B{header_row}:I{header_row}")
    _tool_header(ws, header_row)

    first = header_row + 1
    for index, item in enumerate(indicators):
        row = first + index
        values = [item.get("level1"), item.get("level2"), item.get("level3"), item.get("target"),
                  item.get("actual"), item.get("weight"), item.get("score"), item.get("reason")]
        for offset, value in enumerate(values):
            put_text(ws, f"{get_column_letter(2 + offset)}{row}", value if value != "" else None)
        style_range(ws, f"B{row}:I{row}")
        for col in "DEFI":
            ws[f"{col}{row}"].alignment = LEFT
        style_range(ws, f"J{row}:K{row}", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)
        _fit_row_height(ws, row, {"C": item.get("level2"), "D": item.get("level3"), "E": item.get("target"),
                                  "F": item.get("actual"),
                                  "I": item.get("reason")})
    last = first + len(indicators) - 1
    _merge_runs(ws, indicators, first, column="B", key="level1")
    _merge_runs(ws, indicators, first, column="C", key="level2", within="level1")

    total_row = last + 1
    merge(ws, f"A{header_row}:A{last}", "年度绩效指标", font=BOLD_FONT, fill=HEADER_FILL)
    merge(ws, f"A{total_row}:F{total_row}", "总分", font=BOLD_FONT, fill=HEADER_FILL)
    ws[f"G{total_row}"] = project.get("total_weight")
    ws[f"H{total_row}"] = project.get("total_score")
    ws[f"I{total_row}"] = "—"
    style_range(ws, f"G{total_row}:I{total_row}", font=BOLD_FONT)
    define_name(ws, layout.FIELDS["total_weight"].name, f"G{total_row}")
    define_name(ws, layout.FIELDS["total_score"].name, f"H{total_row}")
    style_range(ws, f"J{total_row}:K{total_row}", font=TOOL_FONT, fill=TOOL_FILL, alignment=TOOL_ALIGN)

    grade_row = total_row + 1
    merge(ws, f"A{grade_row}:F{grade_row}", "等级", font=BOLD_FONT, fill=HEADER_FILL)
    ws[f"G{grade_row}"] = None
    ws[f"H{grade_row}"] = project.get("grade")
    style_range(ws, f"G{grade_row}:I{grade_row}", font=BOLD_FONT)
    define_name(ws, layout.FIELDS["grade"].name, f"H{grade_row}")

    weight_row = grade_row + 1
    ws[f"A{weight_row}"] = "一级指标分值"
    style_range(ws, f"A{weight_row}", font=BOLD_FONT, fill=HEADER_FILL)
    ws.row_dimensions[weight_row].height = 2 * LINE_HEIGHT + 4  # 「一级指标分值」 wraps in the narrow column A
    declared = project.get("level1_weights", weights)
    for (label, key), col in zip(layout.LEVEL1_WEIGHT_FIELDS.items(), ["B", "D", "F"]):
        value_col = get_column_letter(ord(col) - 64 + 1)
        ws[f"{col}{weight_row}"] = label
        style_range(ws, f"{col}{weight_row}", font=BOLD_FONT, fill=HEADER_FILL)
        ws[f"{value_col}{weight_row}"] = declared.get(label)
        style_range(ws, f"{value_col}{weight_row}")
        define_name(ws, layout.FIELDS[key].name, f"{value_col}{weight_row}")
    ws[f"H{weight_row}"] = "预算执行率分值见资金表"
    merge(ws, f"H{weight_row}:I{weight_row}", None, alignment=LEFT,
          font=Font(name="宋体", size=10, color="595959"))  # printed: never smaller than the form

    sign_row = weight_row + 1
    for label, col, value_range, key in [("填表人", "A", "B:C", "preparer"),
                                          ("联系电话", "D", "E:E", "phone"),
                                          ("填报日期", "F", "G:I", "fill_date")]:
        ws[f"{col}{sign_row}"] = label
        style_range(ws, f"{col}{sign_row}", font=BOLD_FONT, fill=HEADER_FILL)
        start, end = value_range.split(":")
        if start != end:
            merge(ws, f"{start}{sign_row}:{end}{sign_row}", project.get(key), alignment=LEFT)
        else:
            ws[f"{start}{sign_row}"] = project.get(key)
            style_range(ws, f"{start}{sign_row}", alignment=LEFT)
        define_name(ws, layout.FIELDS[key].name, f"{start}{sign_row}")

    _add_validations(ws, first, last, total_row, weight_row)
    _print_setup(ws, header_row, first, last, sign_row)


def _fit_row_height(ws, row: int, texts: Mapping[str, object]) -> None:
    """Set a row tall enough for its wrapped texts: openpyxl cannot auto-fit, and LibreOffice
    keeps the stored height, so a filled sample would otherwise print clipped."""
    lines = max(text_lines(str(value), COLUMN_WIDTHS[col]) for col, value in texts.items() if value) \
        if any(texts.values()) else 1
    if lines > 1:
        ws.row_dimensions[row].height = lines * LINE_HEIGHT + 4


def _tool_header(ws, row: int) -> None:
    for offset, text in enumerate(layout.TOOL_HEADERS):
        ws.cell(row, 10 + offset, text)
    style_range(ws, f"J{row}:K{row}", font=Font(name="宋体", size=9, bold=True, color="595959"),
                 fill=TOOL_FILL)


def _merge_runs(ws, indicators, first_row: int, *, column: str, key: str,
                within: str | None = None) -> None:
    """Merge consecutive rows that share a label, as the official form does."""
    start = 0
    for index in range(1, len(indicators) + 1):
        same = (
            index < len(indicators)
            and indicators[index].get(key) in (None, "", indicators[start].get(key))
            and (within is None or indicators[index].get(within) in (None, "", indicators[start].get(within)))
            and indicators[start].get(key)
        )
        if same:
            ws.cell(first_row + index, ord(column) - 64).value = None
            continue
        if index - start > 1:
            ws.merge_cells(f"{column}{first_row + start}:{column}{first_row + index - 1}")
        start = index


def _add_validations(ws, first: int, last: int, total_row: int, weight_row: int) -> None:
    unit = DataValidation(type="list", formula1='"元,万元"', allow_blank=True,
                          promptTitle="金额单位", prompt="请选择 元 或 万元",
                          errorTitle="金额单位", error="金额单位只能是「元」或「万元」")
    unit.add("G2")
    money = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           promptTitle="金额", prompt="按上方金额单位填写数字，不要带单位，如 2340000.00",
                           errorTitle="金额", error="请填写不小于 0 的数字（不要带单位）")
    money.add("C6:E9")
    rate = DataValidation(type="decimal", operator="between", formula1="0", formula2="2", allow_blank=True,
                          promptTitle="执行率", prompt="可留空，由「计算得分」按 全年执行数 ÷ 全年预算数 填入；手填请写小数，如 0.87",
                          errorTitle="执行率", error="执行率请填小数（如 0.87），可留空由工具计算")
    rate.add("G6:G9")
    points = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                            promptTitle="分值 / 得分",
                            prompt="分值：各指标与执行率分值合计 100，不适用指标填 0。得分：可留空由工具计算；"
                                   "手填的得分会保留，与规则不符时标色说明，低于分值须写偏差原因。",
                            errorTitle="分值/得分", error="请填写 0–100 之间的数字")
    for ref in ["F6", "H6", f"G{first}:H{last}", f"G{total_row}:H{total_row}",
                f"C{weight_row}", f"E{weight_row}", f"G{weight_row}"]:
        points.add(ref)
    # Free-text cells get only a message (type None accepts anything): how values are written.
    target = DataValidation(allow_blank=True, promptTitle="年度指标值",
                            prompt="写比较符与单位：≥95%、≤30万元、27人、约24000份；定性写 及时、合格；"
                                   "不适用写「不适用」。没写比较符的数值按「不低于」，成本指标按「不高于」理解。")
    target.add(f"E{first}:E{last}")
    actual = DataValidation(allow_blank=True, promptTitle="实际完成值",
                            prompt="写与指标值相同的单位：96.5%、28万元、30人；定性写 达成预期指标、及时、合格。"
                                   "满意度写调查得到的数值；「已开展…」只说明做了工作，不算结果。")
    actual.add(f"F{first}:F{last}")
    for validation in (unit, money, rate, points, target, actual):
        show_messages(ws, validation)


def _print_setup(ws, header_row: int, first: int, last: int, last_row: int) -> None:
    """Portrait A4 fitted to the width (see COLUMN_WIDTHS); the grid's header row repeats on every
    page, and pages break only between 一级 groups (never inside their merged cells), with the
    header block and the 总分…填表人 rows each kept together."""
    level1 = sorted((m.min_row, m.max_row) for m in ws.merged_cells.ranges
                    if m.min_col == m.max_col == 2 and first <= m.min_row <= last)
    groups = [(1, header_row)] + level1 + [(last + 1, last_row)]
    setup_page(ws, f"A1:I{last_row}", title_rows=(header_row, header_row), groups=groups)


def _build_instructions(ws) -> None:
    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    for row, text in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = TITLE_FONT if row == 1 else Font(name="宋体", size=11)
    ws.sheet_properties.tabColor = "4472C4"
    ws.row_dimensions[1].height = 24  # the 16-pt title
    fit_text_rows(ws, range(2, len(INSTRUCTIONS) + 1), {"A": INSTRUCTIONS_WIDTH}, line=15, font_points=11)  # wrapped, never cut
    setup_page(ws, f"A1:A{len(INSTRUCTIONS)}")


def _build_meta(ws, project_sheets: list[str], profile: Mapping | None = None) -> None:
    """Hidden sheet recognised by readers (template id/version, the rule profile the workbook is
    scored by unless ``--profile`` says otherwise, the template sheets) and later migrations."""
    rows = [
        ("template_id", layout.TEMPLATE_ID),
        ("template_version", layout.TEMPLATE_VERSION),
        *(profile_rows(profile) if profile else []),  # the full profile travels with the workbook
        ("generator", f"jixiao-toolkit {__version__}"),
        template_sheets_row(project_sheets),
    ]
    for row in rows:
        ws.append(row)
    ws.sheet_state = "veryHidden"


def build_workbook(projects: Iterable[Mapping] | None = None, *,
                   default_weights: Mapping[str, float] | None = None,
                   execution_weight: float | None = None, profile: Mapping | None = None) -> Workbook:
    """A workbook with the instructions sheet, one sheet per project and the hidden meta sheet.

    Without ``projects``, one blank sheet 「项目1」 (the template). With ``profile`` (a rule profile),
    the meta sheet records its id — the workbook is then scored by it unless ``--profile`` says
    otherwise — and its 一级 and 执行率 weights are the defaults of the weight cells.

    >>> [ws.title for ws in build_workbook([{"sheet": "甲"}, {"sheet": "乙"}]).worksheets]
    ['填表说明', '甲', '乙', '_jx_meta']
    >>> [row for row in build_workbook(profile={"id": "shenzhen", "version": "1", "execution_rate": {"weight": 10},
    ...  "level1_weights": {}})["_jx_meta"].values if row[0].startswith("profile")]
    [('profile_id', 'shenzhen'), ('profile_version', '1')]
    """
    if profile is not None:
        default_weights = profile.get("level1_weights") if default_weights is None else default_weights
        execution_weight = profile["execution_rate"]["weight"] if execution_weight is None else execution_weight
    execution_weight = 10 if execution_weight is None else execution_weight
    wb = Workbook()
    use_print_font(wb)  # column widths measure alike in Excel, WPS and LibreOffice
    _build_instructions(wb.active)
    wb.active.title = layout.INSTRUCTIONS_SHEET
    for index, project in enumerate(list(projects or [{}]), start=1):
        ws = wb.create_sheet(project.get("sheet") or f"项目{index}")
        build_project_sheet(ws, project, default_weights=default_weights,
                            execution_weight=execution_weight)
    _build_meta(wb.create_sheet(layout.META_SHEET), wb.sheetnames[1:], profile)
    wb.active = 1
    wb.properties.creator = "jixiao-toolkit"
    wb.properties.title = layout.TEMPLATE_TITLE
    wb.properties.created = BUILD_TIMESTAMP
    return wb


def write_template(path: Path, *, default_weights: Mapping[str, float] | None = None) -> Path:
    """Build the blank template and save it atomically to ``path``."""
    wb = build_workbook(default_weights=default_weights)
    atomic_save(wb, Path(path))
    return Path(path)
