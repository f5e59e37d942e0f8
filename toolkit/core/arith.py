"""Rounding and number formatting for scores and the arithmetic shown to clerks.

Example::

    >>> round_score(13.885, 2), round_score(2.7586, 2)
    (13.89, 2.76)
    >>> fmt(3866689.1, money=True), fmt(0.8693), fmt(20.0)
    ('3,866,689.10', '0.8693', '20')
"""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


def round_score(value: float, decimals: int, mode: str = "half_up") -> float:
    """Round like a person does (四舍五入 by default), not like binary floats do."""
    if not math.isfinite(value) or abs(value) >= 1e15:
        return value  # beyond 15 significant digits a float has no decimals left to round
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=_MODES[mode]))


def fmt(value: float | None, *, money: bool = False, decimals: int = 4) -> str:
    """Format a number for a message: money with thousands separators and 2 decimals,
    other numbers with at most ``decimals`` decimals and no trailing zeros."""
    if value is None:
        return "（空）"
    if money:
        return f"{value:,.2f}"
    text = f"{round_score(value, decimals):.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_percent(ratio: float) -> str:
    """0.8693 → '86.93%'."""
    return f"{fmt(ratio * 100, decimals=2)}%"
