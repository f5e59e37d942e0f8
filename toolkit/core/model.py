"""The cell model shared by every form kind: a value as read, with its cell and what the tool
knows about it. Nothing about rules, nothing about Excel.

Example::

    >>> CellValue("H15", 2.75).entered
    2.75
    >>> CellValue("H15", 2.76, tool_filled=True).entered is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
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
    # An identity that survives inserted/deleted rows ("field:total_score", "grid:…"); a grid cell's
    # is (its row's anchor, its column), joined only when asked (a big workbook has thousands).
    anchor: str | tuple[str, str] = ""

    @property
    def key(self) -> str:
        """What the registry remembers this cell by: its anchor, else its reference.

        >>> CellValue("H13", 20, anchor=("grid:维修次数#1", "score")).key
        'grid:维修次数#1:score'
        """
        if isinstance(self.anchor, tuple):
            return ":".join(self.anchor)
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
