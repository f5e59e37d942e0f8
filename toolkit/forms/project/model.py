"""The form model: what a worksheet says, with each value's cell, and nothing about rules.

Readers (openpyxl for files, xlwings for live Excel) produce these objects; the scoring
engine consumes them. Cell references are plain strings ("H15") so the engine can say
where a problem is without knowing what a worksheet is.

The cell model (:class:`~toolkit.core.model.CellValue`) and the indicator grid row
(:class:`~toolkit.core.grid.IndicatorRow`) are shared with the other form kinds.

Example::

    >>> FundRow.__dataclass_fields__.keys() >= {"budget", "actual", "rate"}
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.core.grid import IndicatorRow
from toolkit.core.model import CellValue
from toolkit.forms.kind import NamedForm


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


@dataclass
class ProjectForm(NamedForm):
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
    name_field = "project_name"  # the form is named by its 项目名称

    def cells(self):
        """Every CellValue of the form (fields, fund block, indicator rows)."""
        yield from self.fields.values()
        for row in self.funds.values():
            yield from (row.label, row.initial, row.budget, row.actual, row.weight, row.rate, row.score)
        for ind in self.indicators:
            yield from (ind.level3, ind.target, ind.actual, ind.weight, ind.score, ind.reason)
