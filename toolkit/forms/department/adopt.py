"""``jixiao adopt`` for the department's 目标完成情况表 laid out by another bureau or year.

The label locator (:mod:`toolkit.workbook.locator`) finds the form and the place of every value
(部门（单位）名称, 预算年度, 年度总体目标, the indicator grid); this module adds the 年度主要任务
block (任务名称 … 预算数/执行数, 金额合计), which the locator does not know, and builds a department
workbook from this tool's template
(:func:`~toolkit.forms.department.template.build_department_workbook`) whose
「目标完成情况自评表」 holds every value as written: 一级指标 as printed (「产出」 stays 「产出」),
numbers stay numbers, text stays text, with the source's number format.

The 「评分表」 and 「基础数据」 stay as the template gives them: a target table carries no
scores. The framework they are built from is the profile asked for, else the one an earlier
output of this tool names, else :data:`DEFAULT_PROFILE`, and the form's notes say so. Scoring the
new workbook flags every 评分表 row as not yet scored (得分未填, 基础数据未填) and computes no
综合评分; the target grid gets the statuses it gets when typed into the template by hand.

Example::

    >>> from toolkit.workbook.locator import Grid, locate_forms
    >>> grid = Grid.from_rows("目标表", [
    ...     ["部门（单位）整体支出绩效目标完成情况自评表"],
    ...     ["部门（单位）名称", "社保分局", "预算年度", 2021],
    ...     ["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值"],
    ...     ["产出", "数量", "培训人次", "45", 82]])
    >>> [form] = locate_forms(grid, VOCABULARY).forms
    >>> adoption_problems(form)
    []
    >>> item = AdoptedForm(form, "", grid)
    >>> ws = build_adopted([item], AdoptOptions())[item.output_sheet]
    >>> item.output_sheet, ws["C2"].value, [cell.value for cell in ws[15][1:6]], item.checks
    ('目标完成情况自评表', '社保分局', ['产出', '数量', '培训人次', '45', 82], [])
"""

from __future__ import annotations

import re

from toolkit.core.problems import ToolkitError
from toolkit.core.profile import Profile, load_profile
from toolkit.forms.department import builds, layout
from toolkit.forms.department.template import build_department_workbook
from toolkit.forms.kind import AdoptedForm, AdoptHook, AdoptOptions
from toolkit.workbook.locator import Grid, Hit, LocatedForm, Unmapped, Vocabulary, address, locate_forms
from toolkit.workbook.meta import embedded_profile
from toolkit.workbook.sheets import split_ref

DEFAULT_PROFILE = builds.TEMPLATE_PROFILES[0]  # the framework of the layout the template follows (seed 000)
# The tool's own columns (系统计算得分, 计算说明) are recomputed by scoring, never imported.
VOCABULARY = Vocabulary(ignored_headers=tuple(layout.TOOL_HEADERS))

# The 年度主要任务 block: header labels (compared normalised, see locator.normalise).
TASK_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("任务名称", "主要任务", "年度主要任务", "任务"),
    "content": ("主要内容", "任务内容", "工作内容", "主要工作内容"),
    "status": ("完成情况", "任务完成情况", "完成进度"),
}
TASK_SIDE_LABELS = ("年度主要任务完成情况", "年度主要任务", "主要任务完成情况")
MONEY_HEADER = re.compile(r"^(?P<word>预算数|预算金额|年初预算数|全年预算数|执行数|实际执行数|全年执行数|决算数|支出数)"
                          r"(?:\((?P<unit>元|万元|千元)\))?$")
MONEY_GROUP = {"预算": "budget", "执行": "actual", "决算": "actual", "支出": "actual"}
SUB_LABELS = {"total": ("总额", "合计", "小计", "金额"), "fiscal": ("其中:财政拨款", "其中财政拨款", "财政拨款")}
TOTAL_ROW_LABELS = ("金额合计", "合计", "总计", "小计")
WRITTEN_FIELDS = ("department", "department_code", "year", "goal_expected", "goal_actual", "preparer")
WRITTEN_INDICATOR_CELLS = ("level1", "level1_raw", "level2", "level3", "target", "actual")

REASON_NO_PLACE = "部门整体模板的目标完成情况自评表没有此栏，未导入"
REASON_MONEY_UNIT = "模板的金额单位为元（表头「预算数（元）」），未导入；金额按原表数值导入，请核对单位"
LEVEL1_NOTE = re.compile(r"^一级指标「[^」]*」（[^）]*）按「[^」]*」导入。$")  # the locator's: 产出 → 产出指标


def adoption_problems(form: LocatedForm) -> list[str]:
    """Why a located 目标完成情况表 cannot be adopted ([] = it can). The locator says of every
    such form that it is no project form; that is no obstacle here. A grid without one filled row
    has nothing to adopt."""
    problems = [text for text in form.problems if "不是项目支出绩效自评表" not in text]
    if not any(not ind.empty for ind in form.indicators):
        problems.append("目标完成情况表的绩效指标栏没有填写任何指标行，没有可导入的内容")
    return problems


def adoption_profile(options: AdoptOptions) -> Profile:
    """The framework the 评分表 and 基础数据 are built from: the one asked for, else the one an
    earlier output of this tool names in its meta sheet, else :data:`DEFAULT_PROFILE`.

    >>> adoption_profile(AdoptOptions(meta={"template_id": layout.TEMPLATE_ID, "profile_id": "wuhua-2023"})).id
    'wuhua-2023'
    >>> adoption_profile(AdoptOptions()).id
    'shenzhen-yantian-2021'
    """
    named = options.meta.get("profile_id") if options.meta.get("template_id") == layout.TEMPLATE_ID else None
    # An earlier output of this tool carries its profile in full (a bureau's own framework travels with it).
    embedded = embedded_profile(options.meta, "原文件") if named and not options.profile else None
    profile = embedded or load_profile(options.profile or named or DEFAULT_PROFILE)
    if profile["kind"] != "department":
        raise ToolkitError(f"规则配置「{profile.id}」不是部门整体支出绩效的配置，不能用来生成部门整体工作簿的评分表；"
                           f"请改用 {'、'.join(builds.TEMPLATE_PROFILES)} 等部门整体配置。")
    return profile


# -- the 年度主要任务 block -----------------------------------------------------------------------

def _lookup(table: dict[str, tuple[str, ...]], text: str) -> str | None:
    return next((key for key, aliases in table.items() if text in aliases), None)


def _grid_header_row(form: LocatedForm) -> int:
    hit = form.labels.get("indicators.columns.level3")
    return split_ref(hit.cell)[0] if hit is not None else form.last_row + 1


def locate_tasks(form: LocatedForm, grid: Grid) -> dict:
    """The 年度主要任务 block above the goals and the indicator grid: ``{"tasks": [{key: Hit}],
    "total": {key: Hit}, "labels": {path: Hit}, "unit": 元/万元/千元 or None}`` (keys of
    :data:`~toolkit.forms.department.layout.TASK_COLUMNS`); empty when the form has none.

    >>> g = Grid.from_rows("表", [["目标完成情况自评表"],
    ...                           ["任务名称", "主要内容", "预算数（元）", None, "执行数（元）"],
    ...                           [None, None, "总额", "其中：财政拨款", "总额"],
    ...                           ["基本支出", "人员经费", 100, 90, 95],
    ...                           ["金额合计", None, 100, None, 95],
    ...                           ["一级指标", "二级指标", "三级指标", "预期指标值", "实际完成指标值"]])
    >>> found = locate_tasks(locate_forms(g).forms[0], g)
    >>> [(k, h.cell, h.value) for k, h in found["tasks"][0].items()]
    [('name', 'A4', '基本支出'), ('content', 'B4', '人员经费'), ('budget_total', 'C4', 100), ('budget_fiscal', 'D4', 90), ('actual_total', 'E4', 95)]
    >>> {k: h.cell for k, h in found["total"].items()}
    {'budget_total': 'C5', 'budget_fiscal': 'D5', 'actual_total': 'E5'}
    """
    empty = {"tasks": [], "total": {}, "labels": {}, "unit": None}
    stop = min([_grid_header_row(form)] + [split_ref(form.labels[key].cell)[0]
                                           for key in ("goals", "goal_expected", "goal_actual") if key in form.labels])
    header = next((row for row in range(form.first_row, stop) for col in grid.row_cells(row)
                   if grid.norm(row, col) in TASK_LABELS["name"]), None)
    if header is None:
        return empty
    labels: dict[str, Hit] = {}
    columns: dict[str, int] = {}
    unit = None
    last_header_row = header
    for col in grid.row_cells(header):
        text = grid.norm(header, col)
        key = _lookup(TASK_LABELS, text)
        money = MONEY_HEADER.match(text)
        if key and key not in columns:
            columns[key] = col
            labels[f"tasks.columns.{key}"] = Hit(address(header, col), grid.get(header, col))
            last_header_row = max(last_header_row, grid.span(header, col)[2])
        elif money:
            group = MONEY_GROUP[next(word for word in MONEY_GROUP if word in money["word"])]
            if f"{group}_total" in columns:
                continue
            unit = unit or money["unit"]
            labels[f"tasks.columns.{group}"] = Hit(address(header, col), grid.get(header, col))
            _, c1, r2, c2 = grid.span(header, col)
            if c2 == c1 and (header, c1 + 1) not in grid.cells:  # 预算数 printed over two unmerged columns
                c2 = c1 + 1
            subs = {}
            for row in (r2 + 1, r2 + 2):
                for other in grid.row_cells(row):
                    sub = _lookup(SUB_LABELS, grid.norm(row, other)) if c1 <= other <= c2 else None
                    if sub and sub not in subs and row < stop:
                        subs[sub] = other
                        labels[f"tasks.columns.{group}_{sub}"] = Hit(address(row, other), grid.get(row, other))
                        last_header_row = max(last_header_row, row)
                if subs:
                    break
            columns[f"{group}_total"] = subs.get("total", col)
            if "fiscal" in subs:
                columns[f"{group}_fiscal"] = subs["fiscal"]
            last_header_row = max(last_header_row, r2)
    for row in range(form.first_row, stop):  # the side label of the block (年度主要任务完成情况)
        for col in grid.row_cells(row):
            if grid.norm(row, col) in TASK_SIDE_LABELS and col < columns["name"]:
                labels.setdefault("tasks", Hit(address(*grid.origin(row, col)), grid.get(*grid.origin(row, col))))
    order = [key for key in layout.TASK_COLUMNS if key in columns]
    first_money = min([columns[key] for key in order if key.startswith(("budget", "actual"))], default=10 ** 6)
    tasks: list[dict[str, Hit]] = []
    total: dict[str, Hit] = {}
    for row in range(last_header_row + 1, stop):
        texts = {col: grid.norm(row, col) for col in grid.row_cells(row)}
        closing = next((col for col, text in texts.items() if text in TOTAL_ROW_LABELS and col < first_money), None)
        if closing is not None:
            labels["task_total"] = Hit(address(*grid.origin(row, closing)), grid.get(*grid.origin(row, closing)))
            total = {key: _hit(grid, row, columns[key]) for key in order if key.startswith(("budget", "actual"))}
            break
        cells = {key: _hit(grid, row, columns[key]) for key in order}
        own = [hit for hit in cells.values() if hit.value is not None and split_ref(hit.cell)[0] == row]
        if own:
            tasks.append(cells)
    return {"tasks": tasks, "total": total, "labels": labels, "unit": unit}


def _hit(grid: Grid, row: int, col: int) -> Hit:
    """The value of a cell (its merged range's first cell), or the empty place."""
    origin = grid.origin(row, col)
    return Hit(address(*origin), grid.get(*origin))


def _claim_tasks(form: LocatedForm, found: dict) -> None:
    """Record the task block in ``form`` (paths ``tasks[i].name`` …, ``task_total.budget_total`` …)
    and take its cells off whatever the locator had made of them (unmapped, a 合计 fund row)."""
    paths = {f"tasks[{index}].{key}": hit for index, task in enumerate(found["tasks"]) for key, hit in task.items()}
    paths.update({f"task_total.{key}": hit for key, hit in found["total"].items()})
    claimed = {hit.cell for hit in paths.values() if hit.value is not None} | {hit.cell for hit in found["labels"].values()}
    for key, hit in list(form.fields.items()):
        if hit.cell in claimed and not hit.containing:
            del form.fields[key]
    for row, columns in list(form.funds.items()):
        if any(hit.cell in claimed for hit in columns.values()):
            del form.funds[row]
    form.labels = {key: hit for key, hit in form.labels.items() if hit.cell not in claimed}
    form.unmapped = [item for item in form.unmapped if item.cell not in claimed]
    form.fields.update(paths)
    form.labels.update(found["labels"])


# -- the content -----------------------------------------------------------------------------------

def department_data(form: LocatedForm, grid: Grid) -> dict:
    """The data :func:`~toolkit.forms.department.template.build_department_workbook` fills in,
    every value as written (部门名称 keeps its cell's whole text, 一级指标 as printed)."""
    fields = form.fields
    data: dict = {}
    for key in ("year", "goal_expected", "goal_actual", "preparer"):
        if key in fields and fields[key].value is not None:
            data[key] = fields[key].value
    if "department" in fields:
        hit = fields["department"]
        data["department"] = grid.get(*split_ref(hit.cell)) if "department_code" in fields else hit.value
    tasks: dict[int, dict] = {}
    total: dict = {}
    for path, hit in fields.items():
        match = re.match(r"^tasks\[(\d+)\]\.(\w+)$", path)
        if match:
            tasks.setdefault(int(match[1]), {})[match[2]] = hit.value
        elif path.startswith("task_total."):
            total[path.split(".", 1)[1]] = hit.value
    if tasks:
        data["tasks"] = [tasks[index] for index in sorted(tasks)]
    if any(value is not None for value in total.values()):
        data["task_total"] = total
    data["targets"] = [{key: _value(ind.cells.get("level1_raw" if key == "level1" else key))
                        for key in ("level1", "level2", "level3", "target", "actual")} for ind in form.indicators]
    return data


def _value(hit: Hit | None) -> object:
    return None if hit is None else hit.value


def _keep_what_is_written(form: LocatedForm, has_tasks: bool, unit: str | None) -> None:
    """Fields the template has no place for leave the form's map and are listed as not imported."""
    written = {hit.cell for key, hit in form.fields.items() if key in WRITTEN_FIELDS or key.startswith("task")}
    written |= {hit.cell for ind in form.indicators for key, hit in ind.cells.items() if key in WRITTEN_INDICATOR_CELLS}

    def drop(hit: Hit, reason: str) -> None:
        if hit.value is not None and hit.cell and hit.cell not in written:
            form.unmapped.append(Unmapped(hit.cell, hit.value, reason))
            written.add(hit.cell)

    for key, hit in list(form.fields.items()):
        if key in WRITTEN_FIELDS or key.startswith("task"):
            continue
        if key == "money_unit" and has_tasks and unit == "元":
            continue  # the template's 预算数（元）
        del form.fields[key]
        drop(hit, REASON_MONEY_UNIT if key == "money_unit" and has_tasks else f"{REASON_NO_PLACE}（{key}）")
    for row, columns in form.funds.items():
        for column, hit in columns.items():
            drop(hit, f"{REASON_NO_PLACE}（资金 {row}.{column}）")
    form.funds = {}
    for ind in form.indicators:
        for key in [key for key in ind.cells if key not in WRITTEN_INDICATOR_CELLS]:
            drop(ind.cells.pop(key), f"{REASON_NO_PLACE}（指标的 {key}）")
    for key, hit in form.level1_weights.items():
        drop(hit, f"{REASON_NO_PLACE}（一级指标分值 {key}）")
    form.level1_weights = {}


def _comparable(data: dict) -> dict:
    """The content without blanks, so a stated-but-empty value equals an absent one."""
    def clean(value):
        if isinstance(value, dict):
            value = {key: clean(item) for key, item in value.items()}
            return {key: item for key, item in value.items() if item not in (None, "", {}, [])}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value
    return clean(data)


def _carry_formats_and_check(ws, item: AdoptedForm, data: dict) -> None:
    """Give numbers the source's number format, and check that the new sheet reads back as the
    same content (located again, as a second adoption would)."""
    written_grid = Grid.from_openpyxl(ws)
    [written] = locate_forms(written_grid, VOCABULARY).forms or [None]
    if written is None:
        item.checks.append(f"导入后的工作表「{ws.title}」无法重新识别，请核对。")
        return
    _claim_tasks(written, locate_tasks(written, written_grid))
    targets = written.cells()
    for path, ref in item.located.cells().items():
        value = item.grid.get(*split_ref(ref)) if ref else None
        source_format = item.grid.formats.get(split_ref(ref)) if ref else None
        if source_format and source_format != "General" and path in targets and not path.endswith("level1") \
                and isinstance(value, (int, float)) and not isinstance(value, bool):
            ws[targets[path]].number_format = source_format
    expected, found = _comparable(data), _comparable(department_data(written, written_grid))
    found.pop("preparer", None)  # 填表人 goes to the 评分表
    expected.pop("preparer", None)
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            item.checks.append(f"导入核对：{key} 写入后为「{found.get(key)}」，原表为「{expected.get(key)}」。")


# -- the hook ---------------------------------------------------------------------------------------

def build_adopted(items: list[AdoptedForm], options: AdoptOptions):
    """The department workbook holding the one located 目标完成情况表 of ``items`` (the command
    gives one: a department workbook has one 目标完成情况自评表)."""
    if len(items) != 1:
        raise ToolkitError(f"部门整体工作簿只有一张目标完成情况自评表，不能同时导入 {len(items)} 张。")
    [item] = items
    form, grid = item.located, item.grid
    profile = adoption_profile(options)
    found = locate_tasks(form, grid)
    _claim_tasks(form, found)
    form.notes = [note for note in form.notes if not LEVEL1_NOTE.match(note)]  # 一级指标 is written as printed
    stated = form.fields.get("money_unit")
    unit = found["unit"] or (stated.value if stated is not None else None)
    _keep_what_is_written(form, bool(found["tasks"]), unit)
    data = department_data(form, grid)
    wb = build_department_workbook(profile, data)
    ws = wb[layout.TARGET_SHEET]
    item.output_sheet = ws.title
    _carry_formats_and_check(ws, item, data)
    if data.get("preparer") is not None:
        form.notes.append(f"填表人「{data['preparer']}」写在「{layout.SCORE_SHEET}」的「填表人」栏（目标完成情况自评表没有此栏）。")
    if found["tasks"] and unit and unit != "元":
        form.notes.append(f"原表金额单位为{unit}，模板的任务金额以元为单位：金额按原表数值导入，请换算成元。")
    form.notes.append(f"「{layout.SCORE_SHEET}」「{layout.INPUT_SHEET}」按规则配置 {profile.id} 的模板生成，未填写："
                      f"请填写基础数据和需人工评分的得分；填好之前「计算得分」会把各项标为未评分，"
                      "不计算综合评分和等级。")
    return wb


ADOPTION = AdoptHook(located_kind="department_targets", what="部门整体目标完成情况表", count_word="部门目标完成情况表",
                     output_tag="部门", problems=adoption_problems, build=build_adopted, per_workbook=1,
                     next_step=f"目标完成情况表可直接计分；「{layout.SCORE_SHEET}」须先在「{layout.INPUT_SHEET}」"
                               f"「{layout.SCORE_SHEET}」中填写数据和人工评分")
