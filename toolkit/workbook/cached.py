"""The cached results of a workbook's formulas, read straight from the package — and put back
after openpyxl saved the workbook, which writes formulas without them.

Reading the cache here spares a second full openpyxl load (``data_only=True``) of every file
scored; putting it back keeps a clerk's 总分 formula showing its value in the scored copy, so the
next scoring (and any reader that does not recalculate) still sees it.

Example::

    >>> import tempfile, pathlib
    >>> from openpyxl import Workbook
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "f.xlsx"
    >>> wb = Workbook(); wb.active["A1"] = 2; wb.active["A2"] = "=A1*2"; wb.save(path)
    >>> restore_cached_values(path, {"Sheet": {"A2": 4}})
    1
    >>> formula_cache(path)
    {'Sheet': {'A2': 4}}
"""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_FORMULA_CELL = re.compile(r'<c r="(?P<ref>[A-Z]{1,3}[0-9]+)"(?P<attrs>[^>]*)>(?P<f><f[^>]*/>|<f[^>]*>.*?</f>)'
                           r'(?:<v\s*/>|<v></v>)?</c>', re.S)


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its part name inside the package (``xl/worksheets/sheet3.xml``)."""
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    parts = {}
    # Streamed: workbook.xml also holds every defined name (thousands in a big workbook), which a
    # whole-tree parse would keep in memory at once.
    with archive.open("xl/workbook.xml") as stream:
        for _event, element in ElementTree.iterparse(stream):
            if element.tag == f"{MAIN}sheet":
                target = targets.get(element.get(REL), "")
                parts[element.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join("xl", target))
            if element.tag != f"{MAIN}sheets":
                element.clear()
    return parts


def formula_cache(path: str | Path) -> dict[str, dict[str, object]]:
    """Sheet title → {cell: cached value} for every formula cell that has one."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        shared = _shared_strings(archive) if "xl/sharedStrings.xml" in names else []
        cache: dict[str, dict[str, object]] = {}
        for title, part in sheet_parts(archive).items():
            if part not in names:
                continue
            values = {}
            with archive.open(part) as stream:
                for _event, cell in ElementTree.iterparse(stream):
                    if cell.tag != f"{MAIN}c":
                        continue
                    if cell.find(f"{MAIN}f") is not None:
                        value = _cell_value(cell, shared)
                        if value is not None:
                            values[cell.get("r")] = value
                    cell.clear()
            if values:
                cache[title] = values
    return cache


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in item.iter(f"{MAIN}t")) for item in root.iter(f"{MAIN}si")]


def _cell_value(cell, shared: list[str]) -> object:
    text = cell.findtext(f"{MAIN}v")
    if text is None or text == "":
        return None
    kind = cell.get("t", "n")
    if kind == "s":
        return shared[int(text)] if text.isdigit() and int(text) < len(shared) else None
    if kind in ("str", "inlineStr", "e"):
        return text
    if kind == "b":
        return text == "1"
    number = float(text)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def restore_cached_values(path: str | Path, cache: dict[str, dict[str, object]],
                          skip: set[tuple[str, str]] = frozenset()) -> int:
    """Put the cached values of ``cache`` back into the formula cells of the package at ``path``
    (cells in ``skip`` — (sheet, cell) the tool changed — are left to be recalculated). Returns
    how many were restored."""
    path = Path(path)
    restored = 0
    if not any(cache.values()):
        return 0  # no formula results to put back (the usual case): the package is left as saved
    with zipfile.ZipFile(path) as archive:
        titles = {part: title for title, part in sheet_parts(archive).items()}
        parts = {part: cache[title] for part, title in titles.items() if cache.get(title)}
        if not parts:
            return 0
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            tmp = Path(handle.name)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
                for info in archive.infolist():
                    data = archive.read(info.filename)
                    if info.filename in parts:
                        data, count = _restore_part(data.decode("utf-8"), parts[info.filename],
                                                    {ref for sheet, ref in skip if sheet == titles[info.filename]})
                        restored += count
                        data = data.encode("utf-8")
                    out.writestr(info, data)
            shutil.move(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return restored


def _restore_part(xml: str, values: dict[str, object], skip: set[str]) -> tuple[str, int]:
    count = 0

    def put(match: re.Match) -> str:
        nonlocal count
        ref = match["ref"]
        if ref not in values or ref in skip or " t=" in match["attrs"]:
            return match.group()
        value = values[ref]
        if isinstance(value, bool):
            kind, text = ' t="b"', "1" if value else "0"
        elif isinstance(value, (int, float)):
            kind, text = "", repr(value) if isinstance(value, float) else str(value)
        else:
            kind, text = ' t="str"', _escape(str(value))
        count += 1
        return f'<c r="{ref}"{match["attrs"]}{kind}>{match["f"]}<v>{text}</v></c>'

    return _FORMULA_CELL.sub(put, xml), count


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
