"""Shared fixtures: the real seed-003 sample, and edits done the way Excel does them."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx"
TEMPLATE = ROOT / "templates" / "项目支出绩效自评表.xlsx"
SEED003_TEXT = ROOT / "tests" / "data" / "seeds" / "003_7c891ba9f05dd2f0.txt"  # the published report, as shipped


LIBREOFFICE_PROGRAMS = ("soffice", "pdftoppm", "pdftotext")


@pytest.fixture
def libreoffice() -> str:
    """LibreOffice (and poppler) as a second, real reader. Missing: the test is skipped with the
    reason — except where ``JIXIAO_REQUIRE_LIBREOFFICE=1`` (CI sets it), where it fails."""
    missing = [name for name in LIBREOFFICE_PROGRAMS if not shutil.which(name)]
    if missing:
        reason = (f"需要 LibreOffice/poppler（缺少 {'、'.join(missing)}）："
                  "apt-get install -y libreoffice-calc libreoffice-writer fonts-noto-cjk poppler-utils")
        if os.environ.get("JIXIAO_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return shutil.which("soffice")


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A private copy of the seed-003 sample workbook."""
    target = tmp_path / "seed003.xlsx"
    shutil.copy(SAMPLE, target)
    return target


_CELL = re.compile(r"\$([A-Z]+)\$(\d+)")


def _shift_refs(attr_text: str, at_row: int, amount: int) -> str:
    """Shift row numbers >= at_row in an absolute reference, like Excel does on insert/delete.
    A reference to a deleted row becomes #REF!."""
    deleted = False

    def shift(match: re.Match) -> str:
        nonlocal deleted
        row = int(match[2])
        if amount < 0 and at_row <= row < at_row - amount:
            deleted = True
        if row >= at_row:
            row = max(row + amount, at_row)
        return f"${match[1]}${row}"

    shifted = _CELL.sub(shift, attr_text)
    if deleted and ":" not in attr_text:
        return f"{attr_text.split('!')[0]}!#REF!"
    return shifted


def excel_like_insert_rows(ws, at_row: int, amount: int = 1) -> None:
    """Insert rows as Excel would for the parts the reader depends on: cells, merged ranges
    and sheet-scoped defined names move down (openpyxl's insert_rows moves only cells)."""
    merged = [str(rng) for rng in ws.merged_cells.ranges]
    for rng in merged:
        ws.unmerge_cells(rng)
    ws.insert_rows(at_row, amount)
    for rng in merged:
        ws.merge_cells(_shift_plain(rng, at_row, amount))
    for name, defined in list(ws.defined_names.items()):
        defined.attr_text = _shift_refs(defined.attr_text, at_row, amount)


def excel_like_delete_rows(ws, at_row: int, amount: int = 1) -> None:
    """Delete rows as Excel would: names pointing into them become #REF!, ranges shrink."""
    merged = [str(rng) for rng in ws.merged_cells.ranges]
    for rng in merged:
        ws.unmerge_cells(rng)
    ws.delete_rows(at_row, amount)
    for rng in merged:
        start, end = rng.split(":")
        if at_row <= int(re.sub(r"[A-Z]", "", start)) < at_row + amount:
            continue
        ws.merge_cells(_shift_plain(rng, at_row, -amount))
    for name, defined in list(ws.defined_names.items()):
        defined.attr_text = _shift_refs(defined.attr_text, at_row, -amount)


def _shift_plain(rng: str, at_row: int, amount: int) -> str:
    def shift(match: re.Match) -> str:
        row = int(match[2])
        if row >= at_row:
            row = max(row + amount, at_row)
        return f"{match[1]}{row}"
    return re.sub(r"([A-Z]+)(\d+)", shift, rng)


def corrected_copy(target: Path) -> Path:
    """The seed-003 sample with every erroneous cell blanked, so the engine fills it."""
    shutil.copy(SAMPLE, target)
    from toolkit.service import read_workbook, resolve_profile
    from toolkit.service import score_book

    for _ in range(6):
        book = read_workbook(target)
        results, _plan = score_book(book, resolve_profile(book))  # the profile it records (shenzhen)
        errors = [f for r in results for f in r.flags if f.severity == "error" and f.cell]
        if not errors:
            return target
        wb = load_workbook(target)
        for flag in errors:
            wb[flag.sheet][flag.cell].value = None
        wb.save(target)
    raise AssertionError("corrected copy still has errors")


def open_sheet(path: Path, sheet: str):
    wb = load_workbook(path)
    return wb, wb[sheet]
