"""Problems and flags: every finding is an object with a code, a severity, a place and a message.

``Problem`` is located by a free-form location (a JSON path in a profile, a file name);
``Flag`` is located by a worksheet cell. Messages are Chinese, written for the clerk.

Example::

    >>> Flag("score_mismatch", "error", "H15", "8 ÷ 29 × 10 = 2.76，填报 2.75", sheet="政府采购").where
    '政府采购!H15'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {"error": "错误", "warning": "提醒", "info": "说明"}
SEVERITY_COLORS = {"error": "FFC7CE", "warning": "FFEB9C", "info": "DDEBF7"}  # cell fills: red, yellow, blue


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    severity: str
    location: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    severity: str
    cell: str | None
    message: str
    sheet: str | None = None

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.cell or self.sheet or ""

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "cell": self.cell,
                "message": self.message}


class ToolkitError(Exception):
    """An error whose message (Chinese) is fit to show a clerk as it is."""
