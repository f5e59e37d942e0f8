"""The form model: what a worksheet says, with each value's cell, and nothing about rules.

Readers (openpyxl for files, xlwings for live Excel) produce these objects; the scoring
engine consumes them. Cell references are plain strings ("H15") so the engine can say
where a problem is without knowing what a worksheet is.

Example::

    >>> CellValue("H15", 2.75).entered
    2.75
    >>> CellValue("H15", 2.76, tool_filled=True).entered is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CellValue:
    """A cell's value as read, with its reference and number format.

    ``tool_filled`` marks a value the tool itself wrote on an earlier run (known from the
    workbook's registry); such a value is the tool's to update, not the clerk's entry.
    """

    ref: str
    value: object = None
    number_format: str | None = None
    tool_filled: bool = False
    formula: bool = False  # the clerk wrote a formula; ``value`` is its cached result
    anchor: str = ""  # an identity that survives inserted/deleted rows ("field:total_score", "grid:…")

    @property
    def key(self) -> str:
        """What the registry remembers this cell by: its anchor, else its reference."""
        return self.anchor or self.ref

    @property
    def fillable(self) -> bool:
        """May the tool write here? Only blank cells and its own earlier values — never a
        clerk's text (even unreadable), number or formula."""
        return self.tool_filled or (is_blank(self.value) and not self.formula)

    @property
    def entered(self) -> object:
        """The clerk's entry, or None when blank or written by the tool."""
        if self.tool_filled or is_blank(self.value):
            return None
        return self.value

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value).strip()


def is_blank(value: object) -> bool:
    """True for None and whitespace-only text.

    >>> is_blank("  "), is_blank(0)
    (True, False)
    """
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class FundRow:
    """One row of the 项目资金 block (年度资金总额, 当年财政拨款, 上年结转资金, 其他资金)."""

    key: str
    label: CellValue
    initial: CellValue
    budget: CellValue
    actual: CellValue
    weight: CellValue
    rate: CellValue
    score: CellValue


@dataclass(frozen=True)
class IndicatorRow:
    """One 三级指标 row of the 绩效指标 grid.

    ``level1``/``level2`` are the labels that apply (merged cells resolved); the tool
    references are where the computed score and its explanation go.
    """

    row: int
    level1: str
    level2: str
    level3: CellValue
    target: CellValue
    actual: CellValue
    weight: CellValue
    score: CellValue
    reason: CellValue
    computed_ref: str
    explanation_ref: str

    @property
    def label(self) -> str:
        return self.level3.text or f"{self.level2 or self.level1}（第 {self.row} 行）"


@dataclass
class ProjectForm:
    """A 项目支出绩效自评表 as read from one worksheet."""

    sheet: str
    fields: dict[str, CellValue]
    funds: dict[str, FundRow]
    indicators: list[IndicatorRow]
    fund_computed_ref: str
    fund_explanation_ref: str
    total_computed_ref: str
    total_explanation_ref: str
    kind: str = "project"
    read_flags: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.fields["project_name"].text or self.sheet

    def cells(self):
        """Every CellValue of the form (fields, fund block, indicator rows)."""
        yield from self.fields.values()
        for row in self.funds.values():
            yield from (row.label, row.initial, row.budget, row.actual, row.weight, row.rate, row.score)
        for ind in self.indicators:
            yield from (ind.level3, ind.target, ind.actual, ind.weight, ind.score, ind.reason)
