"""The hidden metadata sheet: template id/version and the registry of what the tool wrote.

The registry lets a second run tell the tool's own earlier values (which it may update)
from the clerk's entries (which it never changes), and lets it clear the colour of a cell
whose flag has gone away.

Rows of the ``_jx_meta`` sheet::

    template_id | jixiao.project-self-evaluation
    filled      | <sheet> | <cell key> | <value>
    flagged     | <sheet> | <cell key>

A cell key is the cell's anchor (``field:total_score``, ``grid:案件调查数#1:score`` …), which
stays true when the clerk inserts or deletes rows, or its A1 reference for cells without one.

Example::

    >>> reg = Registry()
    >>> reg.filled[("项目1", "H13")] = 2.76
    >>> reg.is_tool_value("项目1", "H13", 2.76), reg.is_tool_value("项目1", "H13", 2.75)
    (True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The tool's own sheets, the same in every form kind's workbook.
META_SHEET = "_jx_meta"  # very hidden: template id/version and the registry below
CHECK_SHEET = "校验结果"  # written by 计算得分
INSTRUCTIONS_SHEET = "填表说明"  # written by the template builders

FILLED = "filled"
FLAGGED = "flagged"


@dataclass
class Registry:
    filled: dict[tuple[str, str], object] = field(default_factory=dict)
    flagged: set[tuple[str, str]] = field(default_factory=set)

    def is_tool_value(self, sheet: str, key: str, value: object) -> bool:
        """Does the cell known by ``key`` still hold the value the tool wrote there?"""
        if value is None or (sheet, key) not in self.filled:
            return False
        return _same(self.filled[(sheet, key)], value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return str(a) == str(b)


def meta_rows_from_values(rows) -> tuple[dict[str, str], Registry]:
    """Parse the meta sheet's rows (lists of cell values)."""
    meta: dict[str, str] = {}
    registry = Registry()
    for row in rows:
        row = list(row) + [None] * 4
        kind = row[0]
        if kind == FILLED and row[1] and row[2]:
            registry.filled[(str(row[1]), str(row[2]))] = row[3]
        elif kind == FLAGGED and row[1] and row[2]:
            registry.flagged.add((str(row[1]), str(row[2])))
        elif isinstance(kind, str) and kind:
            meta[kind] = "" if row[1] is None else str(row[1])
    return meta, registry


def read_meta(wb) -> tuple[dict[str, str], Registry]:
    """Metadata and registry of an openpyxl workbook (empty when the sheet is absent)."""
    if META_SHEET not in wb.sheetnames:
        return {}, Registry()
    return meta_rows_from_values(wb[META_SHEET].iter_rows(values_only=True))


def meta_rows(meta: dict[str, str], registry: Registry) -> list[list[object]]:
    """The meta sheet's content as rows, the inverse of :func:`meta_rows_from_values`.

    >>> meta_rows({"template_id": "x"}, Registry(flagged={("s", "A1")}))
    [['template_id', 'x', None, None], ['flagged', 's', 'A1', None]]
    """
    rows = [[key, value, None, None] for key, value in meta.items()]
    rows += [[FILLED, sheet, ref, value] for (sheet, ref), value in sorted(registry.filled.items())]
    rows += [[FLAGGED, sheet, ref, None] for sheet, ref in sorted(registry.flagged)]
    return rows
