"""Find every self-evaluation form in a sheet by its printed labels, wherever it sits and in
whichever layout a bureau or a year uses, and say where each value was found.

The locator works on a :class:`Grid` — the non-blank values of one sheet keyed by (row, column),
plus its merged ranges — so it runs the same on every reader:

* a file read by openpyxl: :meth:`Grid.from_openpyxl`;
* a legacy .xls read by python-calamine: ``Grid.from_rows(name, sheet.to_python(skip_empty_area=False),
  merges=[(r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in sheet.merged_cell_ranges])``;
* a :class:`~toolkit.workbook.sheets.SheetAccess`: :meth:`Grid.from_sheet_access`;
* the live Excel sheet through xlwings, in one bulk read::

      rng = sheet.used_range
      rows = rng.options(ndim=2).value          # one call: every value, None where blank
      grid = Grid.from_rows(sheet.name, rows, top=rng.row, left=rng.column, merges=merges)

  where ``merges`` are the (first row, first column, last row, last column) of the merge areas,
  if the caller has them (e.g. ``rng.api.MergeArea`` of the non-blank label cells). They are
  optional: values are found by the labels, a vertically merged 一级/二级 label is carried down
  like an unmerged one; without merges only the address of an *empty* value may differ (the cell
  right after the label instead of the merged range's first cell).

What the locator recognises (the vocabulary is data, :data:`LABELS` and friends): the title
(``项目支出绩效自评表``, ``XX资金预算项目绩效目标自评表`` carrying the project name, the 部门
目标完成情况表), the year (``（2021年度）``, ``评价年度：2021年度``), 项目名称/主管部门（及代码）/实施单位/
项目金额, the money unit (``项目资金（万元）``, ``项目预算执行情况（万元）``, ``金额单位：万元``, ``单位：元``),
the fund block (年初预算数/全年预算数/全年执行数/分值/执行率/得分 or 预算数/执行数; rows 年度资金总额/资金总额/
合计, 其中：当年/本年财政拨款, 上年结转资金, 其他资金), 年度总体目标, the indicator grid (一级/二级/三级指标,
年度/预期指标值, 实际完成（指标）值, 分值, 得分, 偏差原因…), 总分, 等级, the 一级指标分值 line, the signature
line and a 填表说明 block below. Labels are compared after NFKC, without spaces or line breaks
and without a trailing colon. Several forms stacked in one sheet are told apart by their grids.

Example::

    >>> grid = Grid.from_rows("表1", [
    ...     ["项目支出绩效自评表"],
    ...     ["项目名称", "零星修缮", "实施单位", None],
    ...     ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"],
    ...     ["完成指标", "数量", "维修次数", "≥4次", "5次"],
    ...     ["总分"]], top=3, left=2)
    >>> [form] = locate_forms(grid).forms
    >>> form.top_left, form.fields["project_name"].value, form.fields["project_name"].cell
    ('B3', '零星修缮', 'C4')
    >>> form.model()["indicators"][0]["level1"], form.cells()["indicators[0].target"]
    ('产出指标', 'E6')
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

from toolkit.core.model import is_blank
from toolkit.core.values import parse_number
from toolkit.workbook.labels import LabelTable, bracket_suffixes, label_table, normalise, placeholder_patterns
from toolkit.workbook.sheets import SheetAccess, split_ref

# -- the vocabulary -------------------------------------------------------------------------------
# The printed labels are data (``labels.json``, read by :mod:`toolkit.workbook.labels`): a new
# wording is a line there. Each table is matched after normalising, whole or without bracketed
# suffixes such as （A）（万元）（10分）.
HEADER = label_table("header_fields")  # label → a header field (its value is to the right)
DEPARTMENT = label_table("department_labels")  # labels that show a department 目标完成情况表
GOALS = label_table("goal_labels")  # 年度总体目标: the value is below the label
SIDES = label_table("side_labels")  # side labels of blocks: printed, carry no value
FUND_BLOCK = label_table("fund_block")  # the fund block's side label (项目资金（万元）…)
FUND_COLUMNS = label_table("fund_columns")
FUND_ROWS = label_table("fund_rows")
GRID_COLUMNS = label_table("grid_columns")
FOOTER_LABELS = label_table("footer")
# 一级指标 as printed → the name the rules use. A label vocabulary, not a scoring knob: which
# words mean 产出指标 is fixed by the 财预〔2020〕10号 framework every form shares, and nothing
# is scored differently because of it. A caller may pass its own table (:class:`Vocabulary`).
LEVEL1_ALIASES = label_table("level1")
LEVEL2_TO_LEVEL1 = label_table("level2_to_level1")  # 一级 printed blank or as 「（50分）」: from the 二级
EXECUTION_ROW = label_table("execution_indicator")  # 预算执行率 printed as an indicator row
LABELS = HEADER.as_dict()
# Columns a grid needs to be one; the others are read where printed.
REQUIRED_GRID = ("level3", "target", "actual")
# Columns the template has no cell for: kept in the 导入说明 (their meaning folded into the
# target where they carry one: 指标性质/指标方向 → comparator, 度量单位 → unit).
SIDE_GRID_COLUMNS = ("nature", "direction", "unit", "completion", "weighted", "method", "description")
NOTES_START = re.compile(r"^(填表说明|说明|注|备注)(:|$)")
TITLE_END = re.compile(r"(自评表|完成情况表|评价表|自评情况表)$")
TITLE_SUFFIXES = ("资金预算项目绩效目标自评表", "预算项目绩效目标自评表", "项目绩效目标自评表", "项目支出绩效自评表",
                  "项目绩效自评表", "绩效目标自评表", "绩效自评表")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年?度?")
YEAR_LINE = re.compile(r"^\(?((?:19|20)\d{2})年度?\)?$")
MONEY_UNIT = re.compile(r"(万元|千元|元)")
POINTS = re.compile(r"^(\d+(?:\.\d+)?)分$")  # 「（20分）」 after a label: the block's weight
CODE_IN_BRACKETS = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<code>[0-9A-Za-z][0-9A-Za-z\-]*)\s*[）)]\s*$", re.S)
# 「预算数：12.50」 — a fund label and its amount in one cell (several may share the cell).
FUND_PAIR = re.compile(r"([^\s:：\d]{2,12}?)\s*[:：]\s*(-?\d[\d,]*(?:\.\d+)?)\s*(万元|千元|元)?")
PLACEHOLDERS = {"—", "——", "-", "--", "/", "–", "―", "—-"}
DATE_PLACEHOLDER = re.compile(r"^[年月日]*$")

# Why a non-blank cell was not mapped to a field.
REASON_PLACEHOLDER = "占位符（—）：版式的一部分，不是数值"
REASON_NOTES = "填表说明：不是表内字段，未导入"
REASON_IGNORED = "工具列（系统计算得分、计算说明）：评分时重新计算，不导入"
REASON_SUBROW_POINTS = "分项资金行的分值/得分：模板中此处为「—」，未导入"
REASON_OUTSIDE = "不在任何自评表的范围内"
REASON_UNKNOWN = "无法对应到任何字段（不在标签所指的位置）"
REASON_WEIGHT_NOTE = "一级指标分值行的说明文字，未导入"
REASON_PLACEHOLDER_ROW = "模板的占位行（指标1/指标2/……，没有指标值、完成值和分值）：不是指标，未导入"
REASON_DETAIL_ROW = "「其中…」明细行（上一指标的分项，没有分值和得分）：不是单独的指标，未导入；按上一行的指标计分"
REASON_SIDE_COLUMN = "本模板没有此栏（如印作说明文字的「指标分值」、折算得分），未导入；原表此栏的内容见原文件"
REASON_FUND_EXTRA = "资金来源行（财政专户管理资金、单位资金等）：本模板没有此行，按「年度资金总额」计分，未导入"
REASON_FUND_REASON = "资金块的「原因」栏（填表说明或执行率未达标的原因）：本模板没有此栏，未导入"
REASON_EXECUTION_TWICE = "预算执行率指标行的此值与资金块重复（资金块已有），按资金块计分，未导入"


@dataclass(frozen=True)
class Vocabulary:
    """What may vary by caller: the 一级 label table and header texts of columns to ignore
    (e.g. the tool's own 系统计算得分 / 计算说明 columns)."""

    level1_aliases: LabelTable = LEVEL1_ALIASES
    ignored_headers: tuple[str, ...] = ()


# -- cells ------------------------------------------------------------------------------------------

def column_letters(col: int) -> str:
    """3 → 'C', 28 → 'AB'.

    >>> column_letters(3), column_letters(28)
    ('C', 'AB')
    """
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def address(row: int, col: int) -> str:
    """(5, 3) → 'C5'.

    >>> address(5, 3)
    'C5'
    """
    return f"{column_letters(col)}{row}"


@dataclass
class Grid:
    """The non-blank values of one sheet by (row, column), 1-based, with its merged ranges
    (first row, first column, last row, last column), number formats and defined names where
    the reader has them."""

    title: str
    cells: dict[tuple[int, int], object]
    merges: tuple[tuple[int, int, int, int], ...] = ()
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    visible: bool = True

    def __post_init__(self):
        self.cells = {key: value for key, value in self.cells.items() if not is_blank(value)}
        self._merge_of: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for merge in self.merges:
            r1, c1, r2, c2 = merge
            for row in range(r1, r2 + 1):
                for col in range(c1, c2 + 1):
                    self._merge_of[(row, col)] = merge
        self._norm: dict[tuple[int, int], str] = {}
        self._rows: dict[int, list[int]] = {}
        for row, col in sorted(self.cells):
            self._rows.setdefault(row, []).append(col)
        self._row_list = list(self._rows)  # ascending

    @classmethod
    def from_rows(cls, title: str, rows, *, top: int = 1, left: int = 1, merges=(), formats=None,
                  names=None, visible: bool = True) -> "Grid":
        """From a 2-D list of values whose first value is at (``top``, ``left``); None and "" are blank.

        >>> Grid.from_rows("S", [[None, "a"], ["", 2]], top=2).cells
        {(2, 2): 'a', (3, 2): 2}
        """
        cells = {(top + r, left + c): value for r, row in enumerate(rows or []) for c, value in enumerate(row or [])}
        return cls(title, cells, tuple(tuple(m) for m in merges), dict(formats or {}), dict(names or {}), visible)

    @classmethod
    def from_openpyxl(cls, ws) -> "Grid":
        """From an openpyxl worksheet (values as stored: open with ``data_only=True`` for the
        cached results of formulas), with its merged ranges."""
        merges = tuple((r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges)
        return cls.from_sheet_access(SheetAccess.from_openpyxl(ws), merges)

    @classmethod
    def from_sheet_access(cls, sheet, merges=()) -> "Grid":
        """From a :class:`~toolkit.workbook.sheets.SheetAccess` (which carries no merges)."""
        return cls(sheet.title, dict(sheet.values), tuple(merges), dict(sheet.formats), dict(sheet.names),
                   sheet.visible)

    def get(self, row: int, col: int) -> object:
        return self.cells.get((row, col))

    def norm(self, row: int, col: int) -> str:
        """The normalised text of a cell ('' when blank)."""
        key = (row, col)
        if key not in self._norm:
            self._norm[key] = normalise(self.cells.get(key))
        return self._norm[key]

    def span(self, row: int, col: int) -> tuple[int, int, int, int]:
        """The merged range holding the cell, or the cell itself."""
        return self._merge_of.get((row, col), (row, col, row, col))

    def origin(self, row: int, col: int) -> tuple[int, int]:
        """The top-left cell of the merged range holding the cell (the cell itself if unmerged)."""
        r1, c1, _, _ = self.span(row, col)
        return r1, c1

    def row_cells(self, row: int) -> list[int]:
        """Columns of the non-blank cells of ``row``, left to right."""
        return self._rows.get(row, [])

    def row_numbers(self) -> list[int]:
        return list(self._row_list)

    def keys_between(self, first: int, last: int) -> list[tuple[int, int]]:
        """(row, column) of the non-blank cells of rows ``first``–``last``, in reading order."""
        rows = self._row_list
        chosen = rows[bisect.bisect_left(rows, first):bisect.bisect_right(rows, last)]
        return [(row, col) for row in chosen for col in self._rows[row]]


# -- results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """A value found for a field: its cell, its value, and whether the cell holds more than the
    value (a label and the value together, as in ``金额单位：万元``)."""

    cell: str
    value: object
    containing: bool = False


@dataclass(frozen=True)
class Unmapped:
    """A non-blank cell that is no field's value or label, and why."""

    cell: str
    value: object
    reason: str


@dataclass
class LocatedIndicator:
    """One indicator row: ``cells`` holds level1 (the name the rules use), level1_raw, level2,
    level3, target, actual and, where the grid has them, weight, score, reason."""

    row: int
    cells: dict[str, Hit]
    empty: bool = False  # a printed row with labels only (no 三级指标 or values)


@dataclass
class LocatedForm:
    """One form found in a sheet, with the place of every value."""

    sheet: str
    kind: str  # "project" or "department_targets"
    top_left: str
    first_row: int
    last_row: int
    fields: dict[str, Hit] = field(default_factory=dict)
    funds: dict[str, dict[str, Hit]] = field(default_factory=dict)
    fund_columns: tuple[str, ...] = ()
    indicators: list[LocatedIndicator] = field(default_factory=list)
    grid_columns: tuple[str, ...] = ()
    level1_weights: dict[str, Hit] = field(default_factory=dict)
    labels: dict[str, Hit] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why it cannot be adopted ([] = it can)
    notes: list[str] = field(default_factory=list)  # how labels were read (完成指标 → 产出指标 …)
    placeholders: list[Hit] = field(default_factory=list)  # template rows (指标1, ……) not read as indicators
    detail_rows: list[Hit] = field(default_factory=list)  # 「其中…」 breakdowns of the indicator above

    @property
    def scored(self) -> bool:
        """True when the grid has 分值 and 得分 columns (a scored form, not a completion table)."""
        return "weight" in self.grid_columns and "score" in self.grid_columns

    @property
    def name(self) -> str:
        hit = self.fields.get("project_name") or self.fields.get("department")
        return str(hit.value) if hit is not None and hit.value is not None else f"{self.sheet}!{self.top_left}"

    def model(self) -> dict:
        """The content, without addresses (the shape of ``tests/data/foreign/expected.json``)."""
        data: dict = {"sheet": self.sheet, "top_left": self.top_left, "kind": self.kind}
        data.update({key: hit.value for key, hit in self.fields.items()})
        if self.funds:
            data["funds"] = {row: {col: hit.value for col, hit in cols.items()} for row, cols in self.funds.items()}
        data["indicators"] = []
        for ind in self.indicators:
            item = {key: hit.value for key, hit in ind.cells.items()}
            if ind.empty:
                item["empty"] = True
            data["indicators"].append(item)
        if self.level1_weights:
            data["level1_weights"] = {key: hit.value for key, hit in self.level1_weights.items()}
        data["scored"] = self.scored
        return data

    def cells(self) -> dict[str, str]:
        """Field path (``funds.total.budget``, ``indicators[3].score`` …) → source cell."""
        found = {key: hit.cell for key, hit in self.fields.items()}
        for row, cols in self.funds.items():
            found.update({f"funds.{row}.{col}": hit.cell for col, hit in cols.items()})
        for index, ind in enumerate(self.indicators):
            found.update({f"indicators[{index}].{key}": hit.cell for key, hit in ind.cells.items() if hit.cell})
        found.update({f"level1_weights.{key}": hit.cell for key, hit in self.level1_weights.items()})
        return found

    def cells_containing(self) -> list[str]:
        """Fields whose cell holds more than the value (label and value in one cell)."""
        return sorted(key for key, hit in self.fields.items() if hit.containing)


@dataclass
class SheetLocation:
    """What one sheet holds: its forms, the non-blank cells outside every form, and — for a
    sheet without a form — whether it looks like one (and why it could not be read)."""

    sheet: str
    forms: list[LocatedForm]
    unmapped: list[Unmapped]
    looks_like_form: str = ""  # the reason a form-like sheet has no locatable form


# -- locating ---------------------------------------------------------------------------------------

def locate_forms(grid: Grid, vocabulary: Vocabulary | None = None) -> SheetLocation:
    """Every form of ``grid``, top to bottom (one per indicator grid header)."""
    vocabulary = vocabulary or Vocabulary()
    forms = [_FormReader(grid, vocabulary, *span).read() for span in _form_spans(grid)]
    covered = {key for form in forms for key in grid.keys_between(form.first_row, form.last_row)}
    outside = [Unmapped(address(*key), grid.cells[key], REASON_OUTSIDE)
               for key in sorted(grid.cells) if key not in covered]
    return SheetLocation(grid.title, forms, outside, "" if forms else _looks_like_form(grid))


@dataclass(frozen=True)
class GridHeader:
    """An indicator grid's header: one printed row, or two where a parent label spans child
    columns (「年度指标值」 over 指标性质 / 指标值 / 度量单位). ``columns`` is the column of each
    field; ``label_cells`` the cell printing it; ``spare`` the columns naming a field that
    another column was chosen for (a second 分值 column holding text), by column."""

    top: int
    bottom: int
    columns: dict[str, int]
    label_cells: dict[str, tuple[int, int]]
    spare: dict[int, str] = field(default_factory=dict)


def _form_spans(grid: Grid) -> list[tuple[int, GridHeader, int, int]]:
    """(first row, grid header, first row after the indicator rows, last row) of each form.

    A form opens at its first title/label row after the previous form's indicator rows and
    ends where the next one opens."""
    rows = grid.row_numbers()
    headers: list[GridHeader] = []
    for row in rows:
        if headers and row <= headers[-1].bottom:
            continue
        found = _grid_header(grid, row)
        if found:
            headers.append(found)
    spans: list[tuple[int, GridHeader, int, int]] = []
    searched_from = min(rows, default=1)
    for index, header in enumerate(headers):
        following = headers[index + 1].top if index + 1 < len(headers) else max(rows) + 1
        grid_end = next((row for row in range(header.bottom + 1, following) if _ends_grid(grid, row)), following)
        first = next((row for row in rows if searched_from <= row < header.top and _starts_form(grid, row)),
                     header.top)
        if spans:
            spans[-1] = spans[-1][:3] + (first - 1,)
        spans.append((first, header, grid_end, max(rows)))
        searched_from = grid_end
    return spans


def _ends_grid(grid: Grid, row: int) -> bool:
    """A row after the indicator rows: its first label (side labels aside) is a footer label
    (总分, 等级, 一级指标分值, signatures), 填表说明, a title, or a header/fund label of the next form."""
    for col in grid.row_cells(row):
        text = grid.norm(row, col)
        if SIDES.lookup(text) == "indicators":
            continue
        return bool(FOOTER_LABELS.lookup(text.partition(":")[0]) or NOTES_START.match(text)
                    or _is_title(text) or _header_label(text) or _fund_block(text))
    return False


def _row_labels(grid: Grid, row: int) -> dict[int, str]:
    """Column → grid field of the cells of ``row`` that print an indicator grid label."""
    found = {}
    for col in grid.row_cells(row):
        key = GRID_COLUMNS.lookup(grid.norm(row, col))
        if key:
            found[col] = key
    return found


def _grid_header(grid: Grid, row: int) -> GridHeader | None:
    """The indicator grid header starting at ``row`` (三级指标, 指标值 and 实际值 at least), over
    one row or two: the next row is the header's second row when every cell it prints is a grid
    label (符号, 度量单位, 单项指标得分 …). A parent label spanning child columns names the one
    column its children leave unnamed (「预期指标值」 over 符号 | [value] | 单位)."""
    upper = _row_labels(grid, row)
    if not upper:
        return None
    lower = _row_labels(grid, row + 1)
    two_rows = bool(lower) and all(col in lower for col in grid.row_cells(row + 1))
    named: list[tuple[int, str, tuple[int, int]]] = []  # (column, field, label cell)
    if two_rows:
        named += [(col, key, (row + 1, col)) for col, key in lower.items()]
    upper_cols = sorted(upper)
    last_col = max([*grid.row_cells(row), *grid.row_cells(row + 1)])
    for col, key in upper.items():
        _, c1, _, c2 = grid.span(row, col)
        if two_rows and c1 == c2:  # not merged (or read without merges): it spans up to the next label
            c2 = next((c - 1 for c in upper_cols if c > col), last_col)
        children = {lower[c] for c in range(c1, c2 + 1) if two_rows and c in lower}
        if key in children:
            continue  # the parent's own field is printed again below it
        free = [c for c in range(c1, c2 + 1) if not (two_rows and c in lower)]
        if free:
            named.append((free[0], key, (row, col)))
    candidates: dict[str, list[tuple[int, tuple[int, int]]]] = {}
    for col, key, cell in sorted(named):
        candidates.setdefault(key, []).append((col, cell))
    if not set(REQUIRED_GRID) <= candidates.keys():
        return None
    bottom = row + 1 if two_rows else row
    columns, label_cells, spare = {}, {}, {}
    for key, options in candidates.items():
        chosen = _choose_column(grid, bottom, key, options)
        columns[key], label_cells[key] = chosen
        spare.update({col: key for col, _ in options if col != chosen[0]})
    return GridHeader(row, bottom, columns, label_cells, spare)


def _choose_column(grid: Grid, bottom: int, key: str, options: list[tuple[int, tuple[int, int]]]):
    """Of several columns printing the same field, the one whose rows hold what the field holds:
    numbers for 分值/得分 (a 「指标分值」 column of explanations beside 「权重占比」 is not the
    weight), else the first."""
    if len(options) == 1 or key not in ("weight", "score"):
        return options[0]

    def numbers(col: int) -> int:
        values = [grid.get(r, col) for r in range(bottom + 1, bottom + 16)]
        return sum(1 for value in values if parse_number(value).value is not None)

    return max(options, key=lambda option: (numbers(option[0]), -option[0]))


def _fund_block(text: str) -> tuple[str | None, float | None] | None:
    """(money unit, points) of a fund block's side label — 「项目资金（万元）」, 「预算执行情况（万元）（20分）」 —
    or None when ``text`` is no such label.

    >>> _fund_block("预算执行情况(万元)(20分)"), _fund_block("项目资金"), _fund_block("项目名称")
    (('万元', 20.0), (None, None), None)
    """
    rest, groups = bracket_suffixes(text)
    if FUND_BLOCK.exact(rest) is None:
        return None
    unit = next((g for g in groups if MONEY_UNIT.fullmatch(g)), None)
    points = next((float(POINTS.match(g)[1]) for g in groups if POINTS.match(g)), None)
    return unit, points


def _starts_form(grid: Grid, row: int) -> bool:
    """A row that opens a form's header: a title, a year line, a header label or a fund/goal label."""
    for col in grid.row_cells(row):
        text = grid.norm(row, col)
        if _is_title(text) or YEAR_LINE.match(text) or _fund_block(text) or _header_label(text):
            return True
        if GOALS.lookup(text) or SIDES.lookup(text) == "goals":
            return True
    return False


def _is_title(text: str) -> bool:
    return bool(TITLE_END.search(text)) and len(text) <= 60 and "。" not in text


def _header_label(text: str) -> tuple[str, str | None] | None:
    """(field, value in the same cell or None) for a header label such as ``项目名称`` or
    ``评价年度:2021年度``.

    >>> _header_label("主管部门及代码"), _header_label("单位:元"), _header_label("项目")
    (('department', None), ('money_unit', '元'), None)
    """
    key = HEADER.lookup(text)
    if key:
        return key, None
    label, colon, rest = text.partition(":")
    key = HEADER.lookup(label) if colon else None
    if key and rest:
        return key, rest
    return None


def _looks_like_form(grid: Grid) -> str:
    """Why a sheet without an indicator grid still looks like a form ('' when it does not): it
    has a form title, or two of 项目名称/主管部门/实施单位/项目资金/年度总体目标. The reason names
    the grid columns that were missing from the row printing the most of them, and what it printed."""
    texts = [grid.norm(row, col) for row, col in grid.cells]
    titled = any(_is_title(text) for text in texts)
    marks = {(_header_label(text) or ("",))[0] for text in texts} & {"project_name", "implementer", "department"}
    blocks = {"block" for text in texts if _fund_block(text) or GOALS.lookup(text)}
    if not (titled or len(marks | blocks) >= 2):
        return ""
    reason = "有自评表的标题或栏目，但没有找到绩效指标表头（须有「三级指标」「年度指标值/预期指标值」「实际完成值」三列）"
    best = max(grid.row_numbers(), key=lambda row: len(_row_labels(grid, row)), default=None)
    seen = _row_labels(grid, best) if best is not None else {}
    if seen:
        names = {"level3": "三级指标", "target": "年度指标值/预期指标值", "actual": "实际完成值"}
        missing = "、".join(f"「{names[key]}」" for key in REQUIRED_GRID if key not in seen.values())
        printed = "、".join(f"「{grid.get(best, col)}」" for col in sorted(seen)).replace("\n", "")
        reason += f"：第 {best} 行认出 {printed}，缺少 {missing}"
    return reason


class _FormReader:
    """Reads one form: rows ``first``–``last``, grid header from ``header.top`` to
    ``header.bottom``, indicator rows up to ``grid_end`` (exclusive), then the footer."""

    def __init__(self, grid: Grid, vocabulary: Vocabulary, first: int, header: GridHeader, grid_end: int, last: int):
        self.grid, self.vocabulary = grid, vocabulary
        self.grid_header = header
        self.first, self.header, self.grid_end, self.last = first, header.top, grid_end, last
        self.columns = dict(header.columns)
        self.used: set[tuple[int, int]] = set()
        self.reasons: dict[tuple[int, int], str] = {}
        self.form = LocatedForm(grid.title, "project", address(header.top, min(grid.row_cells(header.top))),
                                first, last)
        self.title: tuple[int, int] | None = None
        self.fund_points: Hit | None = None  # 「预算执行情况（万元）（20分）」: the execution weight
        self.printed_level1_weights: dict[str, Hit] = {}  # 「产出指标（70分）」
        self.field_ranks: dict[str, int] = {}  # header field → the rank of the label it was read from

    # -- bookkeeping ----------------------------------------------------------------------------
    def hit(self, row: int, col: int, value: object = None, containing: bool = False, *,
            raw: bool = True) -> Hit:
        """A Hit for the cell (its merge's first cell), which then counts as used; ``raw=False``
        records ``value`` instead of the cell's own (a value taken out of a longer text)."""
        row, col = self.grid.origin(row, col)
        if (row, col) in self.grid.cells:
            self.used.add((row, col))
        return Hit(address(row, col), self.grid.get(row, col) if raw else value, containing)

    def slot(self, row: int, col: int) -> Hit:
        """An empty value: the place where it would be written."""
        return Hit(address(*self.grid.origin(row, col)), None)

    def label(self, key: str, row: int, col: int) -> None:
        if key not in self.form.labels:
            self.form.labels[key] = self.hit(row, col)

    def is_label(self, row: int, col: int) -> bool:
        """A cell that names something (so it cannot be another label's value)."""
        text = self.grid.norm(row, col)
        return bool(_header_label(text) or GOALS.lookup(text) or SIDES.lookup(text)
                    or _fund_block(text) or FUND_COLUMNS.lookup(text) or _fund_row(text)
                    or FOOTER_LABELS.lookup(text.partition(":")[0])
                    # a second title-like text right of 项目名称 is the name (「…经费支出绩效自评表」)
                    or (_is_title(text) and self.title in (None, (row, col))))

    def right_of(self, row: int, col: int) -> tuple[int, int] | None:
        """The value cell of the label at (row, col): the next unused non-blank cell to its right,
        unless that is a label (then None)."""
        _, _, _, c2 = self.grid.span(row, col)
        for other in self.grid.row_cells(row):
            if other > c2 and (row, other) not in self.used:
                return None if self.is_label(row, other) else (row, other)
        return None

    def value_right(self, row: int, col: int) -> Hit:
        """The value of a label printed left of it, else the empty cell right after the label."""
        found = self.right_of(row, col)
        return self.hit(*found) if found else self.slot(row, self.grid.span(row, col)[3] + 1)

    def value_below(self, row: int, col: int) -> Hit:
        """The value of a label printed above it (年度总体目标): the first non-blank cell below in
        its column before the grid, else a value to its right, else the empty cell below."""
        _, c1, r2, _ = self.grid.span(row, col)
        for other in range(r2 + 1, self.header):
            if (other, c1) in self.grid.cells:
                if self.is_label(other, c1) or (other, c1) in self.used:
                    break
                return self.hit(other, c1)
        found = self.right_of(row, col)
        return self.hit(*found) if found else self.slot(r2 + 1, c1)

    # -- the parts ------------------------------------------------------------------------------
    def read(self) -> LocatedForm:
        self.read_header()
        self.read_grid()
        self.read_footer()
        for level1, hit in self.printed_level1_weights.items():
            self.form.level1_weights.setdefault(level1, hit)
        self.decide_kind()
        self.take_execution_row()
        self.collect_unmapped()
        return self.form

    def zone(self) -> list[tuple[int, int]]:
        """The non-blank cells above the grid header."""
        return self.grid.keys_between(self.first, self.header - 1)

    def read_header(self) -> None:
        """Title, year, header labels and their values, money unit, the fund block and the goals."""
        fields = self.form.fields
        fund_header = self.fund_header()
        for row, col in self.zone():
            if (row, col) in self.used:
                continue
            text = self.grid.norm(row, col)
            if _is_title(text) and self.title is None:
                self.title = (row, col)
                self.label("title", row, col)
            elif YEAR_LINE.match(text) and "year" not in fields:
                fields["year"] = self.hit(row, col, int(YEAR_LINE.match(text)[1]), True, raw=False)
            elif _fund_block(text):
                self.label("funds", row, col)
                unit, points = _fund_block(text)
                if unit and "money_unit" not in fields:
                    fields["money_unit"] = self.hit(row, col, unit, True, raw=False)
                if points is not None:
                    self.fund_points = self.hit(row, col, points, True, raw=False)
            elif GOALS.lookup(text) and GOALS.lookup(text) not in fields:
                goal = GOALS.lookup(text)
                self.label(goal, row, col)
                fields[goal] = self.value_below(row, col)
            elif SIDES.lookup(text):
                self.label(SIDES.lookup(text), row, col)
            elif _header_label(text) and not (fund_header and row == fund_header[0]):
                self.header_field(row, col, *_header_label(text))
        if fund_header:
            self.read_funds(*fund_header)
        else:
            self.read_fund_pairs()
        self.fund_weight_from_side_label()
        if self.title is not None:
            self.form.top_left = address(*self.title)
            self.fields_from_title(*self.title)
        elif self.form.labels:
            first = min(split_ref(hit.cell) for hit in self.form.labels.values())
            self.form.top_left = address(*first)

    def header_field(self, row: int, col: int, key: str, inline: str | None) -> None:
        """A header label: its value in the same cell (``单位：元``) or to its right."""
        fields = self.form.fields
        raw = str(self.grid.get(row, col))
        rank = HEADER.rank(re.split(r"[:：]", raw, maxsplit=1)[0])
        if key in fields:
            if rank >= self.field_ranks.get(key, 0):
                return
            self.form.labels.pop(key, None)  # a more specific label of the same field (主管部门 after 部门) wins
        self.field_ranks[key] = rank
        if key == "money_unit":
            self.money_unit(row, col, inline)
            return
        self.label(key, row, col)
        if DEPARTMENT.lookup(re.split(r"[:：]", raw, maxsplit=1)[0]):
            self.form.kind = "department_targets"
        if inline is not None:
            value = self.hit(row, col, re.split(r"[:：]", raw, maxsplit=1)[1].strip(), True, raw=False)
        else:
            value = self.value_right(row, col)
        fields[key] = _year_value(value) if key == "year" else value
        if key == "department":
            self.split_department_code(value)

    def money_unit(self, row: int, col: int, inline: str | None) -> None:
        """``金额单位：万元`` / ``单位：元`` in one cell, or ``金额单位 | 万元``; only 元/万元/千元 count."""
        if inline is not None:
            unit = MONEY_UNIT.search(inline)
            if unit:
                self.label("money_unit", row, col)
                self.form.fields["money_unit"] = self.hit(row, col, unit[1], True, raw=False)
            return
        found = self.right_of(row, col)
        unit = MONEY_UNIT.fullmatch(self.grid.norm(*found)) if found else None
        self.label("money_unit", row, col)
        if unit:
            self.form.fields["money_unit"] = self.hit(*found)
        elif found is None:
            self.form.fields["money_unit"] = self.slot(row, self.grid.span(row, col)[3] + 1)

    def split_department_code(self, value: Hit) -> None:
        """``主管部门及代码`` written ``深圳市社会保险基金管理局（101001）`` → name and code."""
        match = CODE_IN_BRACKETS.match(value.value) if isinstance(value.value, str) else None
        if match and match["name"].strip():
            self.form.fields["department"] = Hit(value.cell, match["name"].strip(), True)
            self.form.fields["department_code"] = Hit(value.cell, match["code"], True)

    def fields_from_title(self, row: int, col: int) -> None:
        """Year and project name carried by the title (``2021年度零星修缮资金预算项目绩效目标自评表``)."""
        text = self.grid.norm(row, col)
        fields = self.form.fields
        year = YEAR.match(text)
        printed = year or re.search(r"((?:19|20)\d{2})年度", text)  # 「成安县民政局2020年度预算项目绩效自评表」
        if printed and "year" not in fields:
            fields["year"] = self.hit(row, col, int(printed[1]), True, raw=False)
        if self.form.kind != "project" or "project_name" in fields:
            return
        name = text[year.end():] if year else text
        suffix = next((s for s in TITLE_SUFFIXES if name.endswith(s)), None)
        if suffix and name[: -len(suffix)]:
            fields["project_name"] = self.hit(row, col, name[: -len(suffix)], True, raw=False)

    def fund_header(self) -> tuple[int, dict[str, int], bool] | None:
        """(row, column of each fund column label, whether the amounts stand right of their labels)
        of the fund block's header row in the header zone: a row printing 预算数 and 执行数.
        Amounts stand below their labels (the common block), or right of them (「预算数 | 6.84 |
        执行数 | 6.84」, the 一体化系统's 预算执行情况 groups)."""
        for row in sorted({row for row, _ in self.zone()}):
            columns: dict[str, int] = {}
            for col in self.grid.row_cells(row):
                key = FUND_COLUMNS.lookup(self.grid.norm(row, col))
                if key and key not in columns:
                    columns[key] = col
            if "budget" not in columns and {"initial", "actual"} <= columns.keys():
                # 「年初预算数（A） | 全年执行数（B）」 (北京 2016, 山东 2019): the rate is B/A, A is the budget
                columns["budget"] = columns["initial"]
                self.form.notes.append(f"资金块只有年初预算数（{address(row, columns['initial'])}），没有全年预算数："
                                       "按表中执行率 B/A 的口径，以年初预算数作为全年预算数计算执行率。")
            if {"budget", "actual"} <= columns.keys():
                beside = self.right_of(row, columns["budget"])
                pairs = beside is not None and parse_number(self.grid.get(*beside)).value is not None
                return row, columns, pairs
        return None

    def read_funds(self, header_row: int, columns: dict[str, int], pairs: bool) -> None:
        """The fund rows below the fund header: each known row label × each column present. A
        header printing the total's label itself (「年度资金总额 | 年初预算数 | …」) has the total's
        amounts in the row below."""
        if pairs:
            self.read_fund_pair_rows(header_row, columns)
            return
        first_value_col = min(columns.values())
        for key, col in columns.items():
            self.label(f"funds.columns.{key}", header_row, col)
            unit = next((g for g in bracket_suffixes(self.grid.norm(header_row, col))[1] if MONEY_UNIT.fullmatch(g)), None)
            if unit and key in ("initial", "budget", "actual") and "money_unit" not in self.form.fields:
                # 「全年预算数（万元）」: the amounts' unit printed in the column label
                self.form.fields["money_unit"] = self.hit(header_row, col, unit, True, raw=False)
        total_in_header = None
        for col in self.grid.row_cells(header_row):
            if col < first_value_col and (header_row, col) not in self.used:
                if _fund_row(self.grid.norm(header_row, col)) == "total":
                    total_in_header = col
                    self.label("funds.total", header_row, col)
                else:
                    self.label("funds.columns.label", header_row, col)
        self.form.fund_columns = tuple(key for key in FUND_COLUMNS.as_dict() if key in columns)
        for row in range(header_row + 1, self.header):
            for col in self.grid.row_cells(row):
                key = _fund_row(self.grid.norm(row, col)) if col < first_value_col else None
                if key == "extra":
                    self.label(f"funds.extra.{row}", row, col)
                    for other in self.grid.row_cells(row):
                        if other >= first_value_col:
                            self.reasons[(row, other)] = REASON_FUND_EXTRA
                    break
                if key and key not in self.form.funds:
                    self.label(f"funds.{key}", row, col)
                    self.form.funds[key] = self.fund_values(row, key, columns)
                    break
        if total_in_header is not None and "total" not in self.form.funds:
            self.form.funds["total"] = self.fund_values(header_row + 1, "total", columns)

    def read_fund_pair_rows(self, header_row: int, columns: dict[str, int]) -> None:
        """Labels with their amounts to the right: the total on the header row, the 其中 rows below
        under the same labels' columns; a label with its amount below (「预算执行进度（%）」 over 100)
        on the row above counts too."""
        self.form.fund_columns = tuple(key for key in FUND_COLUMNS.as_dict() if key in columns)
        total: dict[str, Hit] = {}
        for key, col in columns.items():
            self.label(f"funds.columns.{key}", header_row, col)
            found = self.right_of(header_row, col)
            if found is not None:
                total[key] = self.hit(*found)
        for col in self.grid.row_cells(header_row - 1):
            key = FUND_COLUMNS.lookup(self.grid.norm(header_row - 1, col))
            below = (header_row, self.grid.span(header_row - 1, col)[1])
            if key and key not in total and below in self.grid.cells and below not in self.used \
                    and parse_number(self.grid.get(*below)).value is not None:
                self.label(f"funds.columns.{key}", header_row - 1, col)
                total[key] = self.hit(*below)
        self.form.funds["total"] = total
        for row in range(header_row + 1, self.header):
            for key, col in columns.items():
                row_key = _fund_row(self.grid.norm(row, col))
                if row_key in (None, "total", "extra"):
                    continue
                self.label(f"funds.{row_key}.{key}", row, col)
                found = self.right_of(row, col)
                if found is not None:
                    self.form.funds.setdefault(row_key, {})[key] = self.hit(*found)

    def read_fund_pairs(self) -> None:
        """Without a fund header: 「预算数：12.50 执行数：12.48」 — labels and amounts in the same cells."""
        total: dict[str, Hit] = {}
        for row, col in self.zone():
            if (row, col) in self.used or not isinstance(self.grid.get(row, col), str):
                continue
            for label, amount, unit in FUND_PAIR.findall(normalise(self.grid.get(row, col))):
                key = FUND_COLUMNS.lookup(label)
                if key in ("initial", "budget", "actual", "arrived", "rate") and key not in total:
                    total[key] = self.hit(row, col, float(amount.replace(",", "")), True, raw=False)
                    if unit and "money_unit" not in self.form.fields:
                        self.form.fields["money_unit"] = self.hit(row, col, unit, True, raw=False)
        if {"budget", "actual"} <= total.keys():
            self.form.funds["total"] = total
            self.form.fund_columns = tuple(key for key in FUND_COLUMNS.as_dict() if key in total)
            self.form.notes.append("资金块印成「标签：金额」（" + "、".join(sorted({h.cell for h in total.values()}))
                                   + "），按其中的金额导入。")

    def fund_weight_from_side_label(self) -> None:
        """The execution weight printed in the block's side label (「预算执行情况（万元）（20分）」)
        when the block has no 分值 of its own."""
        total = self.form.funds.get("total")
        if self.fund_points is None or total is None:
            return
        if "score" not in self.form.grid_columns:  # a completion table gives no points, whatever its titles print
            self.form.notes.append(f"资金块标题印有 {self.fund_points.value:g} 分（{self.fund_points.cell}），"
                                   "但指标没有分值栏：按完成情况表检查，不重新计分；表中填写的得分照录，只核对合计。")
            return
        if total.get("weight") is None or total["weight"].value is None:
            total["weight"] = self.fund_points
            self.form.notes.append(f"预算执行率的分值 {self.fund_points.value:g} 取自资金块标题（{self.fund_points.cell}）。")

    def fund_values(self, row: int, key: str, columns: dict[str, int]) -> dict[str, Hit]:
        """A fund row's cells; on the sub-rows 分值/得分 are layout (—), not values."""
        values = {}
        for column, col in columns.items():
            if column == "reason":
                if (row, col) in self.grid.cells:
                    self.reasons[self.grid.origin(row, col)] = REASON_FUND_REASON
                continue
            if key != "total" and column in ("weight", "score"):
                cell = self.grid.get(row, col)
                if cell is not None and normalise(cell) not in PLACEHOLDERS:
                    self.reasons[(row, col)] = REASON_SUBROW_POINTS
                continue
            values[column] = self.hit(row, col) if (row, col) in self.grid.cells else Hit(address(row, col), None)
        return values

    def read_grid(self) -> None:
        """The indicator rows between the grid header and the footer; blank rows are skipped and
        a 一级/二级 label applies down to the next one (merged or not). A template's placeholder
        rows (指标1 / 指标2： / …… with no value) are listed, not read as indicators."""
        columns = self.columns
        header = self.grid_header
        self.form.grid_columns = tuple(key for key in GRID_COLUMNS.as_dict() if key in columns)
        for key, (row, col) in header.label_cells.items():
            self.label(f"indicators.columns.{key}", row, col)
        for col, key in header.spare.items():
            for row in (header.top, header.bottom):
                if GRID_COLUMNS.lookup(self.grid.norm(row, col)) == key:
                    self.label(f"indicators.columns.{key}.{col}", row, col)
        for row in range(header.top, header.bottom + 1):
            for col in self.grid.row_cells(row):
                if SIDES.lookup(self.grid.norm(row, col)) == "indicators":
                    self.label("indicators", row, col)
        level1: Hit | None = None
        level2: Hit | None = None
        for row in range(header.bottom + 1, self.grid_end):
            own1 = self.level_cell(row, columns.get("level1"))
            own2 = self.level_cell(row, columns.get("level2"))
            if own1 is not None and (level1 is None or own1.cell != level1.cell):
                level1, level2 = own1, None
            if own2 is not None:
                level2 = own2
            cells = {key: self.hit(row, col) for key, col in columns.items()
                     if key not in ("level1", "level2") and (row, col) in self.grid.cells}
            for col, key in header.spare.items():
                if (row, col) in self.grid.cells:
                    self.reasons[(row, col)] = REASON_SIDE_COLUMN
            starts = [hit for hit in (own1, own2) if hit is not None and split_ref(hit.cell)[0] == row]
            skipped = REASON_PLACEHOLDER_ROW if self.is_placeholder_row(cells) else \
                REASON_DETAIL_ROW if self.is_detail_row(cells) else None
            if skipped:
                for hit in cells.values():
                    self.used.discard(split_ref(hit.cell))
                    self.reasons[split_ref(hit.cell)] = skipped
                bucket = self.form.placeholders if skipped == REASON_PLACEHOLDER_ROW else self.form.detail_rows
                bucket.append(Hit(cells["level3"].cell, cells["level3"].value))
                continue
            if cells or starts:
                self.add_indicator(row, level1, level2, cells)

    def is_placeholder_row(self, cells: dict[str, Hit]) -> bool:
        """A template row left as printed: its 三级 is 指标1 / 指标2： / …… / ★ and nothing else is filled
        (a 「0」 or 「—」 in the reason column is no content)."""
        level3 = cells.get("level3")
        if level3 is None or not any(p.match(normalise(level3.value)) for p in placeholder_patterns()):
            return False
        return all(key in ("level3", "reason", *SIDE_GRID_COLUMNS) for key in cells)

    def is_detail_row(self, cells: dict[str, Hit]) -> bool:
        """A breakdown printed under a scored indicator (「其中桃树种植面积」 under ★补助种植面积): its
        三级 starts with 其中 and, in a grid with 分值/得分, it has neither — part of the row above."""
        level3 = cells.get("level3")
        if level3 is None or not normalise(level3.value).startswith("其中") or not self.form.indicators:
            return False
        if not {"weight", "score"} & set(self.columns):
            return False
        return not any(key in cells for key in ("weight", "score"))

    def take_execution_row(self) -> None:
        """预算执行率 printed as an indicator row (a 项目管理 item, or the last row of an 一体化 grid) is
        the execution item: its 分值 and 得分 go to the fund block's (when the block has none), so
        execution is scored once, from the amounts. A block with points of its own keeps them, and
        the row is then an indicator like any other (a 目标完成情况表 has no execution item)."""
        total = self.form.funds.get("total", {})
        if self.form.kind != "project" or any(total.get(key) is not None and total[key].value is not None
                                               for key in ("weight", "score")):
            return
        for ind in list(self.form.indicators):
            names = [ind.cells.get(key) for key in ("level3", "level2", "level1_raw")]
            name = next((hit for hit in names if hit is not None and hit.value is not None), None)
            if name is None or EXECUTION_ROW.lookup(name.value) != "execution":
                continue
            self.form.indicators.remove(ind)
            total = self.form.funds.setdefault("total", {})
            self.form.notes[:] = [note for note in self.form.notes if f"「{name.value}」（" not in note]
            moved = []
            for key, fund_key in (("weight", "weight"), ("score", "score"), ("actual", "rate")):
                hit = ind.cells.get(key)
                if hit is None or hit.value is None:
                    continue
                if total.get(fund_key) is None or total[fund_key].value is None:
                    total[fund_key] = hit
                    moved.append(f"{ {'weight': '分值', 'score': '得分', 'rate': '执行率'}[fund_key]} {hit.value}（{hit.cell}）")
                else:
                    self.reasons[split_ref(hit.cell)] = REASON_EXECUTION_TWICE
            self.form.notes.append(f"「{name.value}」印在绩效指标表中（第 {ind.row} 行）：作为预算执行率一项，按资金块的"
                                   f"预算数和执行数计分，不再作为指标重复计分" + (f"；{'、'.join(moved)} 移到预算执行率一栏"
                                                                if moved else "") + "。")
            for hit in ind.cells.values():
                if hit.cell and hit.value is not None and split_ref(hit.cell) not in self.reasons:
                    self.used.add(split_ref(hit.cell))

    def level_cell(self, row: int, col: int | None) -> Hit | None:
        """The 一级/二级 label that applies to a row from its own cell (or its merged range)."""
        if col is None:
            return None
        origin = self.grid.origin(row, col)
        if origin not in self.grid.cells or origin[0] <= self.grid_header.bottom:
            return None
        return self.hit(*origin)

    def level1_name(self, raw1: Hit, level2: Hit | None) -> str | None:
        """The rules' name of a printed 一级: by its label (suffixes such as 「（50分）」 taken off),
        else — printed blank or as 「（50分）」 only — from the 二级 beneath it."""
        canonical = self.vocabulary.level1_aliases.lookup(raw1.value) if raw1.value is not None else None
        if canonical is None and level2 is not None and level2.value is not None \
                and not bracket_suffixes(raw1.value)[0].strip("()"):
            canonical = LEVEL2_TO_LEVEL1.lookup(level2.value)
        return canonical

    def add_indicator(self, row: int, level1: Hit | None, level2: Hit | None, cells: dict[str, Hit]) -> None:
        """One indicator: 一级 as the rules name it (level1) and as written (level1_raw), the rest as written."""
        columns = self.columns
        raw1 = level1 or (self.slot(row, columns["level1"]) if "level1" in columns else Hit("", None))
        canonical = self.level1_name(raw1, level2)
        if canonical != raw1.value:
            if raw1.value is None and canonical:
                note = f"一级指标未印出，按二级指标「{level2.value}」归入「{canonical}」。"
            elif raw1.value is None:
                note = ""
            elif canonical:
                note = f"一级指标「{raw1.value}」（{raw1.cell}）按「{canonical}」导入。"
            else:
                note = f"一级指标「{raw1.value}」（{raw1.cell}）不是产出/效益/满意度指标的已知写法，按原文导入。"
            if note and note not in self.form.notes:
                self.form.notes.append(note)
        points = next((float(POINTS.match(g)[1]) for g in bracket_suffixes(raw1.value)[1] if POINTS.match(g)), None) \
            if raw1.value is not None else None
        if canonical and points is not None and canonical not in self.printed_level1_weights:
            self.printed_level1_weights[canonical] = Hit(raw1.cell, points, True)
        found = {"level1": Hit(raw1.cell, canonical or raw1.value), "level1_raw": raw1,
                 "level2": level2 or (self.slot(row, columns["level2"]) if "level2" in columns else Hit("", None))}
        for key in ("level3", "target", "actual", "weight", "score", "reason", *SIDE_GRID_COLUMNS):
            if key in columns:
                found[key] = cells.get(key) or self.slot(row, columns[key])
        self.form.indicators.append(LocatedIndicator(row, found, empty=not cells))

    def read_footer(self) -> None:
        """总分 / 等级 / 一级指标分值 / signature rows, then the 填表说明 block (not imported)."""
        notes = False
        for row in range(self.grid_end, self.last + 1):
            for col in self.grid.row_cells(row):
                if (row, col) in self.used:
                    continue
                text = self.grid.norm(row, col)
                notes = notes or bool(NOTES_START.match(text))
                if notes:
                    self.reasons[(row, col)] = REASON_NOTES
                    continue
                label, _, inline = text.partition(":")
                key = FOOTER_LABELS.lookup(label)
                if key == "total" and "total" not in self.form.labels:
                    self.label("total", row, col)
                    self.form.labels.setdefault("total_score", self.form.labels["total"])
                    for column, name in (("weight", "total_weight"), ("score", "total_score")):
                        if column in self.columns:
                            self.form.fields[name] = (self.hit(row, self.columns[column])
                                                      if (row, self.columns[column]) in self.grid.cells
                                                      else self.slot(row, self.columns[column]))
                    self.total_beside_label(row, col)
                elif key == "weights" and "level1_weights" not in self.form.labels:
                    self.label("level1_weights", row, col)
                    self.read_weight_line(row, col)
                elif key in ("grade", "preparer", "phone", "fill_date") and key not in self.form.fields:
                    self.label(key, row, col)
                    self.footer_value(key, row, col, inline)

    def total_beside_label(self, row: int, col: int) -> None:
        """「总分（100分）| 100 | 自评等级 | 优」 (云南保山 2022): the 总分 stands right of its label, not
        in the grid's 得分 column — taken when that column's cell on the row is empty and it is a number."""
        slot = self.form.fields.get("total_score")
        if slot is not None and slot.value is not None:  # (an empty 得分 cell may be merged into the 等级's)
            return
        found = self.right_of(row, col)
        if found is not None and parse_number(self.grid.get(*found)).value is not None:
            self.form.fields["total_score"] = self.hit(*found)

    def footer_value(self, key: str, row: int, col: int, inline: str) -> None:
        """A footer label's value: in the same cell after the colon, else to the right.
        A blank date form (``填报日期：    年  月  日``) is no value."""
        if inline:
            raw = re.split(r"[:：]", str(self.grid.get(row, col)), maxsplit=1)[1].strip()
            value = None if DATE_PLACEHOLDER.match(normalise(raw)) else raw
            self.form.fields[key] = self.hit(row, col, value, True, raw=False)
        else:
            self.form.fields[key] = self.value_right(row, col)

    def read_weight_line(self, row: int, col: int) -> None:
        """``一级指标分值 | 产出指标 | 50 | 效益指标 | 30 | …``."""
        for other in self.grid.row_cells(row):
            if other <= col or (row, other) in self.used:
                continue
            level1 = self.vocabulary.level1_aliases.lookup(self.grid.norm(row, other))
            if level1:  # its value: the next cell to the right when that holds a number
                self.label(f"level1_weights.{level1}", row, other)
                found = self.right_of(row, other)
                numeric = found is not None and parse_number(self.grid.get(*found)).value is not None \
                    and not self.vocabulary.level1_aliases.lookup(self.grid.norm(*found))
                self.form.level1_weights[level1] = (self.hit(*found) if numeric
                                                    else self.slot(row, self.grid.span(row, other)[3] + 1))
            else:
                self.reasons.setdefault((row, other), REASON_WEIGHT_NOTE)

    def decide_kind(self) -> None:
        """Which kind of form this is, by its structure first: a grid with 分值 and 得分 and a fund
        block is a self-evaluation scored like a project form whatever its title says (a 部门整体
        self-evaluation printed in the project layout), and the note says why. Otherwise a 部门名称
        label or a department title makes it the department's 目标完成情况表; a project form needs
        a 项目名称 or a 项目资金 block."""
        form = self.form
        title = self.grid.norm(*self.title) if self.title else ""
        titled_department = "部门" in title and "项目" not in title
        structured = form.scored and bool(form.funds.get("total"))
        if structured and (titled_department or form.kind == "department_targets"):
            form.kind = "project"
            form.notes.append(f"表题为「{title or '部门整体'}」，但表的结构是自评表（有资金块和分值、得分列）："
                              "按项目支出绩效自评表的规则计分，印出的得分逐项核对。")
            return
        if titled_department:
            form.kind = "department_targets"
        if form.kind == "department_targets" and form.fields.get("project_name") is not None \
                and form.fields["project_name"].value is not None and not titled_department:
            form.kind = "project"  # 「单位名称：…」 above a 项目名称: the unit that submits a project form
        if form.kind == "department_targets":
            form.problems.append("这是部门整体支出绩效目标完成情况表，不是项目支出绩效自评表")
        elif "project_name" not in form.fields and not form.funds:
            form.problems.append("有绩效指标表，但找不到「项目名称」和「项目资金」：无法确定是哪个项目的自评表")

    def collect_unmapped(self) -> None:
        """Every non-blank cell of the form that is no value or label, with the reason."""
        ignored_texts = {normalise(text) for text in self.vocabulary.ignored_headers}
        ignored: dict[int, int] = {}
        keys = self.grid.keys_between(self.first, self.last)
        for row, col in keys:
            if self.grid.norm(row, col) in ignored_texts:
                ignored.setdefault(col, row)
        for row, col in keys:
            value = self.grid.get(row, col)
            if (row, col) in self.used:
                continue
            if (row, col) in self.reasons:
                reason = self.reasons[(row, col)]
            elif col in ignored and row >= ignored[col]:
                reason = REASON_IGNORED
            elif normalise(value) in PLACEHOLDERS:
                reason = REASON_PLACEHOLDER
            else:
                reason = REASON_UNKNOWN
            self.form.unmapped.append(Unmapped(address(row, col), value, reason))


def _fund_row(text: str) -> str | None:
    """The fund row a label names, with or without 其中：.

    >>> _fund_row("其中:本年财政拨款"), _fund_row("合计"), _fund_row("项目")
    ('appropriation', 'total', None)
    """
    return FUND_ROWS.lookup(text)


def _year_value(hit: Hit) -> Hit:
    """A year cell as a number where it says one (2021, "2021", "2021年度").

    >>> _year_value(Hit("B2", "2021年度")), _year_value(Hit("B2", 2021.0)).value
    (Hit(cell='B2', value=2021, containing=True), 2021)
    """
    value = hit.value
    if isinstance(value, float) and value.is_integer():
        return Hit(hit.cell, int(value), hit.containing)
    if isinstance(value, str):
        match = YEAR_LINE.match(normalise(value))
        if match:
            return Hit(hit.cell, int(match[1]), normalise(value) != match[1])
    return hit
