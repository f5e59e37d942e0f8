"""How the report writes numbers and gaps: as the form shows them, and never a guess.

* money: thousands separators, two decimals, the form's unit (``3,866,689.10元``, ``30.68万元``); in
  prose and tables an amount in 元 of 1万 or more is written in 万元 as real reports write it
  (:func:`wan`: ``4,448,000`` 元 → ``444.80万元``);
* scores: two decimals (``13.89``, ``8.70``); weights (分值) as typed (``15``, ``2.5``);
* ratios: percent with two decimals (``0.8693`` → ``86.93%``);
* a cell as the clerk typed it: text unchanged, a number by its cell format (``0.95`` in a ``0%``
  cell → ``95%``, in a ``#,##0.00`` cell → ``1,234.00``);
* what the workbook does not hold is a :class:`Placeholder`, written ``【待填写：…】`` and
  highlighted, for a person to fill — never invented prose.

Rounding is 四舍五入 (:func:`toolkit.core.arith.round_score`).

Example::

    >>> money(3866689.1, "元"), score(8.7), weight(15.0), percent(0.869309)
    ('3,866,689.10元', '8.70', '15', '86.93%')
    >>> wan(4448000, "元"), wan(500, "元"), wan(30.68, "万元")
    ('444.80万元', '500.00元', '30.68万元')
    >>> str(Placeholder("项目设立背景"))
    '【待填写：项目设立背景】'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.core.arith import fmt, round_score
from toolkit.core.model import CellValue

PLACEHOLDER_OPEN, PLACEHOLDER_CLOSE = "【待填写：", "】"


@dataclass(frozen=True)
class Placeholder:
    """A gap a person must fill; ``what`` says what belongs there."""

    what: str

    def __str__(self) -> str:
        return f"{PLACEHOLDER_OPEN}{self.what}{PLACEHOLDER_CLOSE}"


def money(value: float, unit: str = "") -> str:
    """An amount with two decimals and thousands separators, then its unit.

    >>> money(30.68, "万元"), money(0, "元")
    ('30.68万元', '0.00元')
    """
    return f"{round_score(float(value), 2):,.2f}{unit}"


def in_wan(value: float, unit: str) -> float:
    """An amount of the form's ``unit`` (元 or 万元) in 万元.

    >>> in_wan(4448000, "元"), in_wan(30.68, "万元")
    (444.8, 30.68)
    """
    return float(value) / 10000 if unit == "元" else float(value)


def wan(value: float, unit: str) -> str:
    """An amount as real reports write it: 万元 with two decimals when the form is in 万元 or the
    amount is 1万元 or more; a smaller amount in 元 stays in 元 (``500.00元``, not ``0.05万元``).

    >>> wan(0, "元"), wan(14013800, "元"), wan(-30000, "元")
    ('0.00万元', '1,401.38万元', '-3.00万元')
    """
    if unit not in ("元", "万元"):  # the form names no unit: the number as it stands
        return money(value, unit)
    if unit == "元" and 0 < abs(float(value)) < 10000:
        return money(value, "元")
    return money(in_wan(value, unit), "万元")


def score(value: float) -> str:
    """A score (得分, 总分) with two decimals.

    >>> score(97.585), score(20)
    ('97.59', '20.00')
    """
    return f"{round_score(float(value), 2):.2f}"


def weight(value: float) -> str:
    """A weight (分值) as the form shows it: no trailing zeros.

    >>> weight(20.0), weight(2.5)
    ('20', '2.5')
    """
    return fmt(float(value))


def percent(ratio: float) -> str:
    """A ratio as a percent with two decimals.

    >>> percent(0.87), percent(1)
    ('87.00%', '100.00%')
    """
    return f"{round_score(float(ratio) * 100, 2):.2f}%"


_PERCENT_FORMAT = re.compile(r"0(?:\.(0+))?%")


def cell_text(cell: CellValue | None) -> str:
    """A cell as the form shows it ('' when blank).

    >>> cell_text(CellValue("E5", 0.95, "0%")), cell_text(CellValue("E5", 1234, "#,##0.00"))
    ('95%', '1,234.00')
    >>> cell_text(CellValue("E5", "约 24000 份")), cell_text(CellValue("E5", 2021)), cell_text(None)
    ('约 24000 份', '2021', '')
    """
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value).strip()
    number_format = cell.number_format or ""
    found = _PERCENT_FORMAT.search(number_format)
    if found:
        decimals = len(found[1] or "")
        return f"{round_score(value * 100, decimals):.{decimals}f}%"
    if "#,##0.00" in number_format:
        return money(value)
    if number_format.startswith("0.00"):
        return score(value)
    return fmt(float(value))
