"""Where a template sheet's defined names point, found from its printed labels alone.

The tool's templates give every field a sheet-scoped defined name (``JX_…``, ``JXD_…``). Names
are free to read from a file, but on the live Excel sheet each one costs two or three COM
round-trips, and a name can also be damaged (a pasted block, a hand edit) while the printed
form looks right. So each form kind declares, beside its names, *how the template prints
them*: the label a value sits next to, and the offset from that label. From one bulk read of a
sheet's values, :func:`names_from_labels` rebuilds the whole name table — or says it cannot
(a label is missing), and then nothing is guessed.

* The Excel buttons use it instead of reading names (one bulk read per sheet).
* The file readers compare it with the stored names (:func:`disagreements`): where both exist
  and differ, the printed labels win — they are what the clerk sees and what the Excel button
  reads — and the difference is reported, never taken silently.

Labels are compared as the locator compares them (NFKC, no spaces or line breaks, no trailing
colon), so ``评价年度：`` and ``评 价 年 度`` are the same label.

Example::

    >>> table = (Anchor("X_Name", "项目名称"),
    ...          Anchor("X_Header", "一级指标", offset=(0, 0), span=(1, 3), headers=("一级指标", "二级指标", "三级指标")),
    ...          Anchor("X_Total", "总分", offset=(0, 2), below="X_Header", column_from="X_Header"))
    >>> values = {(3, 1): "项目名称：", (3, 2): "零星修缮", (5, 2): "一级指标", (5, 3): "二级指标",
    ...           (5, 4): "三级指标", (9, 1): "总 分"}
    >>> names_from_labels(values, table)
    {'X_Name': '$B$3', 'X_Header': '$B$5:$D$5', 'X_Total': '$D$9'}
    >>> names_from_labels({(3, 1): "项目名称"}, table) is None  # a label is missing: no guess
    True
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.workbook.locator import column_letters, normalise
from toolkit.workbook.sheets import resolve_reference


@dataclass(frozen=True)
class Anchor:
    """How one defined name is printed in a template.

    ``label`` is the printed text; the named cell is ``offset`` (rows, columns) away from the
    label — or, with ``column_from``, in the row of the label and ``offset[1]`` columns right
    of that earlier anchor's first column (the 得分 column of the 总分 row). ``span`` is the
    named range's size. With ``below``, the label is the first one under that earlier anchor.
    ``headers``, for a header row, are the labels its cells must show ("" = any): one matching
    word is not enough to call a row the header. ``row_labels`` are what the first column of a
    block must show, row by row (a deleted or inserted row then gives no table rather than a
    block read across the wrong rows).
    """

    name: str
    label: str
    offset: tuple[int, int] = (0, 1)
    span: tuple[int, int] = (1, 1)
    below: str | None = None
    column_from: str | None = None
    headers: tuple[str, ...] = ()
    row_labels: tuple[str, ...] = ()


def normalise_label(text: object) -> str:
    """A printed label as compared (the locator's :func:`~toolkit.workbook.locator.normalise`);
    "" for anything but text.

    >>> normalise_label("评价年度：\\n"), normalise_label("部门（单位） 名称"), normalise_label(3)
    ('评价年度', '部门(单位)名称', '')
    """
    return normalise(text) if isinstance(text, str) else ""


def _a1(row: int, col: int) -> str:
    return f"${column_letters(col)}${row}"


def names_from_labels(values: dict[tuple[int, int], object], table: tuple[Anchor, ...]) -> dict[str, str] | None:
    """The name table of a sheet whose (row, column) → value are ``values``, built from the
    labels of ``table``; None when any label of the table is missing."""
    wanted = {normalise_label(anchor.label) for anchor in table}
    longest = 2 * max(len(text) for text in wanted) + 4  # room for spaces, line breaks and a colon
    starts = {text[0] for text in wanted}  # labels start with a CJK character, which NFKC keeps
    places: dict[str, list[tuple[int, int]]] = {}
    for key, value in values.items():
        # A label is short and starts like one: the clerk's texts and numbers are not normalised.
        if isinstance(value, str) and len(value) <= longest and value.lstrip()[:1] in starts:
            text = normalise_label(value)
            if text in wanted:
                places.setdefault(text, []).append(key)
    for keys in places.values():
        keys.sort()
    found: dict[str, tuple[int, int]] = {}  # anchor name → first cell of its range
    names: dict[str, str] = {}
    for anchor in table:
        candidates = places.get(normalise_label(anchor.label), [])
        if anchor.below is not None:
            candidates = [key for key in candidates if key[0] > found[anchor.below][0]]
        first = next((place for place in (_named_cell(anchor, key, found) for key in candidates)
                      if place is not None and _shows_headers(values, anchor, place)), None)
        if first is None:
            return None
        found[anchor.name] = first
        last = (first[0] + anchor.span[0] - 1, first[1] + anchor.span[1] - 1)
        names[anchor.name] = _a1(*first) + ("" if last == first else ":" + _a1(*last))
    return names


def _named_cell(anchor: Anchor, label: tuple[int, int], found: dict[str, tuple[int, int]]) -> tuple[int, int] | None:
    row, col = label
    if anchor.column_from is not None:
        col = found[anchor.column_from][1]
    first = (row + anchor.offset[0], col + anchor.offset[1])
    return first if first[0] >= 1 and first[1] >= 1 else None


def _shows_headers(values: dict[tuple[int, int], object], anchor: Anchor, first: tuple[int, int]) -> bool:
    across = all(not header or normalise_label(values.get((first[0], first[1] + index))) == normalise_label(header)
                 for index, header in enumerate(anchor.headers))
    down = all(not label or normalise_label(values.get((first[0] + index, first[1]))) == normalise_label(label)
               for index, label in enumerate(anchor.row_labels))
    return across and down


def disagreements(stored: dict[str, str], derived: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, where the stored name points, where the labels put it) for every name of
    ``derived`` that ``stored`` holds elsewhere (or as a deleted reference).

    >>> disagreements({"X": "'表'!$H$21", "Y": "'表'!$B$3"}, {"X": "$H$22", "Y": "$B$3"})
    [('X', 'H21', 'H22')]
    """
    found = []
    for name, text in derived.items():
        if name not in stored:
            continue
        mine, theirs = resolve_reference(text), resolve_reference(stored[name])
        if mine != theirs:
            found.append((name, _plain(stored[name]) if theirs else "#REF!", _plain(text)))
    return found


def _plain(reference: str) -> str:
    return reference.rsplit("!", 1)[-1].replace("$", "")
