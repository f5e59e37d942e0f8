"""A seeded generator of hostile and careless workbooks, made from the repository's own samples.

Every *family* is a function ``family(rng, out, setup) -> Case`` registered in :data:`FAMILIES`:
it writes one or more files (or a folder) under ``out`` and returns a :class:`Case` naming them,
with a short description and what the runner must know about them (which sheets of the input
are the tool's own, which collect statuses would be wrong). All randomness comes from the
``random.Random`` it is given, so ``build(folder, seeds=[3])`` writes the same corpus every time.

Workbooks are edited two ways: with openpyxl, as a clerk's Excel would save them, and as raw
zip parts (:class:`Package`), for what openpyxl cannot write — a cell at the sheet's last row,
a formula with its cached value, a DDE link, a part inflating to more than 1 GB (written as
repeated full-flush deflate blocks by :func:`write_zip`, so a 1.1 GB sheet costs a few MB and
about a second).

The families of issue 22 also bring commands of their own (:class:`Command`: an output aimed at
an input or at another output, collect writing into its inbox or run twice inside it, output
names past 255 bytes, hostile and other-kind profiles, report and adopt on a damaged package),
each with the exits it must end with and the files it must leave as they were; and workbooks
holding what openpyxl does not model (x14 dropdowns and data bars, sparklines, a text box),
document type declarations, no stylesheet, Strict Open XML, a read-only folder for --in-place.

Example::

    >>> sorted(FAMILIES)[:3]
    ['clerk_column_right_of_reason', 'clerk_sheet_titled_check', 'clerk_sheet_titled_meta']
    >>> Repeat(b"<a>", b" " * 4, 3, b"</a>").size
    19
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter, quote_sheetname
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.defined_name import DefinedName

from tests.conftest import excel_like_insert_rows
from toolkit.forms.department import layout as department_layout
from toolkit.forms.project import layout as project_layout
from toolkit.workbook.meta import CHECK_SHEET, INSTRUCTIONS_SHEET, META_SHEET
from toolkit.submission.collect import STATUS_LABELS

ROOT = Path(__file__).resolve().parents[2]
BASES = {
    "project": ROOT / "samples" / "seed003_项目支出绩效自评表.xlsx",
    "department": ROOT / "samples" / "seed000_部门整体支出绩效.xlsx",
}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAX_ROW, MAX_COLUMN = 1048576, 16384
# Classic formula-injection payloads (CSV/DDE injection), as a clerk might type or paste them.
INJECTIONS = ("=cmd|' /C calc'!A0", "=1+1", "+SUM(1)", "-1+1", "@SUM(1)", '=DDE("cmd";"/C calc";"x")',
              "\t=1+1", "\r=1+1")
# The same as sheet titles: Excel forbids / in a title, and tabs or CRs do not survive an attribute.
TITLE_INJECTIONS = tuple(p.replace("/C ", "") for p in INJECTIONS if p[0] not in "\t\r")
STATUSES = tuple(STATUS_LABELS)  # every status collect gives a file
NOTES = ("已与财务核对", "数据来源：业务系统", "待主管确认", "见附件 3", "按季度统计", "口径同上年")


@dataclass(frozen=True)
class Scale:
    """How big the size-driven families are (the hostile limits themselves never shrink), and
    how many project sheets the project base keeps (0: all eight; fewer makes every run cheaper)."""

    indicator_rows: int = 5000
    merged_ranges: int = 1000
    huge_text_mb: int = 40
    bomb_bytes: int = 1100 * 2**20  # every bomb inflates past the 1 GB the runner allows
    project_sheets: int = 0


FULL = Scale()
CI = Scale(indicator_rows=800, merged_ranges=1000, huge_text_mb=12, project_sheets=2)  # 12 MB: past lxml's 10 MB


@dataclass
class Setup:
    """What families build from: the scale and the base workbooks (the project sample trimmed
    to ``scale.project_sheets`` sheets when asked)."""

    scale: Scale
    bases: dict[str, Path]

    @classmethod
    def prepare(cls, out: Path, scale: Scale) -> Setup:
        """The setup for ``scale``; a trimmed project base is written under ``out``."""
        bases = dict(BASES)
        if scale.project_sheets:
            wb = openpyxl.load_workbook(BASES["project"])
            forms = [ws for ws in wb.worksheets if project_layout.GRID_HEADER_NAME in ws.defined_names]
            for ws in forms[scale.project_sheets:]:
                wb.remove(ws)
            out.mkdir(parents=True, exist_ok=True)
            bases["project"] = out / f"project_{scale.project_sheets}_sheets.xlsx"
            wb.save(bases["project"])
        return cls(scale, bases)

    def base(self, rng: random.Random, kinds=("project", "department")) -> tuple[str, Path]:
        """A base chosen by ``rng``: (kind, path)."""
        kind = rng.choice(kinds)
        return kind, self.bases[kind]

    def open(self, kind: str, *, full: bool = False):
        """The base of ``kind`` opened with openpyxl (``full``: the untrimmed sample)."""
        return openpyxl.load_workbook(BASES[kind] if full else self.bases[kind])


@dataclass
class Case:
    """What a family wrote and what the runner must know about it.

    ``inputs`` are scored and exported one by one; ``folder`` is given to collect as it is
    (None: the runner collects the inputs together with their exports). ``tool_sheets`` are
    the sheets of the inputs the tool itself wrote — every other sheet is the clerk's.
    ``forbidden_status`` maps a path relative to the collect folder to statuses collect must
    not give it; ``rescore`` asks the runner to score the scored output again and compare;
    ``in_place`` says that ``score --in-place`` meets something ``score -o`` does not (a short
    run may keep --in-place to those cases).
    """

    family: str
    description: str
    inputs: list[Path]
    folder: Path | None = None
    tool_sheets: frozenset[str] = frozenset({META_SHEET})
    forbidden_status: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rescore: bool = False
    in_place: bool = False
    seed: int = 0
    # Issue 22: exits a standard command must end with (command → exits; default runner.ALLOWED_EXITS),
    # commands of the family's own (outputs aimed at inputs, hostile profiles …), whether the standard
    # commands run at all, files collect must list under ``ignored`` (its own outputs, by relative path),
    # and an --in-place run in a folder the command may not write.
    expect: dict[str, frozenset[int]] = field(default_factory=dict)
    commands: list[Command] = field(default_factory=list)
    standard: bool = True
    must_ignore: tuple[str, ...] = ()
    read_only_in_place: bool = False

    @property
    def id(self) -> str:
        """``<family>-s<seed>``: the case's folder name and its name in the tables."""
        return f"{self.family}-s{self.seed}"


@dataclass
class Command:
    """A command of a family's own (issue 22), run by the runner after the standard ones.

    ``args`` follow ``jixiao`` (paths as :class:`Path`); the run passes when it exits with one of
    ``exits``, leaves every ``watched`` file or folder as it was (inputs, earlier outputs, the
    inbox), writes none of ``absent`` and — with ``report``, collect's JSON — lists ``ignored``
    (paths relative to the folder collected) under ``ignored``. ``cwd`` defaults to the case's run
    folder.
    """

    name: str
    args: list
    exits: frozenset[int]
    watched: list[Path] = field(default_factory=list)
    absent: list[Path] = field(default_factory=list)
    cwd: Path | None = None
    report: Path | None = None
    ignored: tuple[str, ...] = ()


Family = Callable[[random.Random, Path, Setup], Case]
FAMILIES: dict[str, Family] = {}


def family(function: Family) -> Family:
    """Register a family under its function name."""
    FAMILIES[function.__name__] = function
    return function


def build_case(out: str | Path, name: str, seed: int, setup: Setup) -> Case:
    """Write family ``name`` for ``seed`` into ``out/<name>-s<seed>/in``.

    The family's ``random.Random`` is seeded by seed and name, so its files do not depend on
    which other families are built, or in which process.
    """
    folder = Path(out) / f"{name}-s{seed}" / "in"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    case = FAMILIES[name](random.Random(f"{seed}:{name}"), folder, setup)
    case.seed = seed
    return case


def build(out: str | Path, seeds=(0,), families=None, scale: Scale = FULL) -> list[Case]:
    """Write every family (or those named) once per seed under ``out``, one folder per case."""
    setup = Setup.prepare(Path(out) / "_bases", scale)
    return [build_case(out, name, seed, setup) for seed in seeds for name in families or FAMILIES]


# -- raw zip parts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Repeat:
    """A part made of ``head``, ``unit`` × ``count`` and ``tail``: it inflates to :attr:`size`."""

    head: bytes
    unit: bytes
    count: int
    tail: bytes = b""

    @property
    def size(self) -> int:
        """Bytes the part inflates to."""
        return len(self.head) + len(self.unit) * self.count + len(self.tail)


@dataclass(frozen=True)
class Truncated:
    """A part whose deflate stream is cut to ``keep`` of its length (the headers still claim all of it)."""

    data: bytes
    keep: float


def _deflate(payload: bytes | Repeat | Truncated) -> tuple[bytes, int, int]:
    """Raw deflate of a part: (compressed bytes, CRC-32, uncompressed size).

    A :class:`Repeat` is compressed once per distinct piece: after a full flush the
    compressor forgets its history, so the block of ``unit`` is the same every time and is
    simply repeated.
    """
    if isinstance(payload, Truncated):
        data, crc, size = _deflate(payload.data)
        return data[: max(1, int(len(data) * payload.keep))], crc, size
    if isinstance(payload, bytes):  # level 6, as Excel: 9 costs seconds on large text for 2 % less
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        return compressor.compress(payload) + compressor.flush(), zlib.crc32(payload), len(payload)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(payload.head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(payload.unit) + compressor.flush(zlib.Z_FULL_FLUSH)
    if compressor.compress(payload.unit) + compressor.flush(zlib.Z_FULL_FLUSH) != block:
        raise AssertionError("a full-flush deflate block of the same data should not change")
    tail = compressor.compress(payload.tail) + compressor.flush()
    crc = zlib.crc32(payload.head)
    for _ in range(payload.count):
        crc = zlib.crc32(payload.unit, crc)
    return head + block * payload.count + tail, zlib.crc32(payload.tail, crc), payload.size


def write_zip(path: Path, members: list[tuple[str, bytes | Repeat | Truncated]]) -> Path:
    """Write a zip of deflated ``members`` in order (duplicate names allowed; no zip64, so
    every part stays under 4 GB)."""
    central = []
    with open(path, "wb") as handle:
        for name, payload in members:
            data, crc, size = _deflate(payload)
            if size >= 2**32:
                raise ValueError(f"{name}: {size} bytes needs zip64")
            raw_name = name.encode("utf-8")
            common = struct.pack("<HHHHHIII", 20, 0x0800, 8, 0, 0x21, crc, len(data), size)
            central.append((raw_name, common, handle.tell()))
            handle.write(b"PK\x03\x04" + common + struct.pack("<HH", len(raw_name), 0) + raw_name + data)
        start = handle.tell()
        for raw_name, common, offset in central:
            handle.write(b"PK\x01\x02" + struct.pack("<H", 20) + common
                         + struct.pack("<HHHHHII", len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
        handle.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(central), len(central),
                                                 handle.tell() - start, start, 0))
    return path


class Package:
    """The parts of a workbook package, edited as text and written back with :func:`write_zip`."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as archive:
            self.parts: dict[str, bytes | Repeat | Truncated] = {
                info.filename: archive.read(info) for info in archive.infolist()}

    def text(self, name: str) -> str:
        """A part as text."""
        return self.parts[name].decode("utf-8")

    def put(self, name: str, text: str) -> None:
        """Replace a part by ``text``."""
        self.parts[name] = text.encode("utf-8")

    def sheets(self) -> dict[str, str]:
        """Sheet title → its part."""
        return sheet_parts(self.text("xl/workbook.xml"), self.text("xl/_rels/workbook.xml.rels"))

    def clerk_titles(self) -> list[str]:
        """Titles of the sheets a clerk fills (not the instructions, not the tool's meta sheet)."""
        return [title for title in self.sheets() if title not in (INSTRUCTIONS_SHEET, META_SHEET)]

    def sheet_xml(self, title: str) -> str:
        """The XML of the sheet titled ``title``."""
        return self.text(self.sheets()[title])

    def put_sheet_xml(self, title: str, xml: str) -> None:
        """Replace the XML of the sheet titled ``title``."""
        self.put(self.sheets()[title], xml)

    def set_cell(self, title: str, ref: str, inner: str, cell_type: str | None = None) -> None:
        """Replace the content of the existing cell ``ref`` (its style kept) by raw XML ``inner``."""
        xml = self.sheet_xml(title)
        match = re.search(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', xml, re.S)
        if match is None:
            raise KeyError(f"{title}!{ref} is not in the sheet XML")
        style = re.search(r'\bs="\d+"', match["attrs"])
        kind = f' t="{cell_type}"' if cell_type else ""
        new = f'<c r="{ref}"{" " + style[0] if style else ""}{kind}>{inner}</c>'
        self.put_sheet_xml(title, xml[:match.start()] + new + xml[match.end():])

    def append_rows(self, title: str, rows_xml: str, dimension: str | None = None) -> None:
        """Add rows after the last one (``rows_xml`` must come later than every row present)."""
        xml = self.sheet_xml(title).replace("</sheetData>", rows_xml + "</sheetData>", 1)
        if dimension:
            xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', xml, count=1)
        self.put_sheet_xml(title, xml)

    def add_part(self, name: str, payload: bytes | Repeat, content_type: str, rel_type: str) -> str:
        """Add a part related from the workbook; returns the relationship id."""
        self.parts[name] = payload
        types = self.text("[Content_Types].xml")
        override = f'<Override PartName="/{name}" ContentType="{content_type}"/>'
        self.put("[Content_Types].xml", types.replace("</Types>", override + "</Types>"))
        rels = self.text("xl/_rels/workbook.xml.rels")
        rid = f"rIdJX{len(re.findall('<Relationship ', rels)) + 1}"
        target = name.removeprefix("xl/")
        rels = rels.replace("</Relationships>",
                            f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"/></Relationships>')
        self.put("xl/_rels/workbook.xml.rels", rels)
        return rid

    def save(self, path: Path) -> Path:
        """Write the package to ``path`` (see :func:`write_zip`)."""
        return write_zip(path, list(self.parts.items()))


def sheet_parts(workbook_xml: str | bytes, rels_xml: str | bytes) -> dict[str, str]:
    """Sheet title → its part name, from workbook.xml and workbook.xml.rels.

    >>> sheet_parts(f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="A&amp;B" r:id="r1"/>'
    ...             '</sheets></workbook>', '<Relationships><Relationship Id="r1" Target="worksheets/s.xml"/>'
    ...             '</Relationships>')
    {'A&B': 'xl/worksheets/s.xml'}
    """
    targets = {}
    for rel in ElementTree.fromstring(rels_xml):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets = ElementTree.fromstring(workbook_xml).iter(f"{{{MAIN_NS}}}sheet")
    return {sheet.get("name"): targets.get(sheet.get(f"{{{REL_NS}}}id")) for sheet in sheets}


def inline_string(text: str) -> str:
    """The inner XML of an inline-string cell."""
    return f'<is><t xml:space="preserve">{escape(text)}</t></is>'


# -- openpyxl helpers ----------------------------------------------------------------------------

@dataclass
class Grid:
    """An indicator grid located by its defined names: data rows, column numbers by role, total."""

    ws: object
    rows: range
    columns: dict[str, int]
    total: tuple[int, int] | None = None  # (column, row) of the total score

    def ref(self, role: str, row: int) -> str:
        """The A1 reference of column ``role`` on ``row``."""
        return f"{get_column_letter(self.columns[role])}{row}"


def name_bounds(ws, name: str) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of a sheet-scoped defined name.

    >>> wb = openpyxl.Workbook(); ws = wb.active
    >>> ws.defined_names["X"] = DefinedName("X", attr_text="'Sheet'!$B$12:$I$12")
    >>> name_bounds(ws, "X")
    (2, 12, 9, 12)
    """
    return range_boundaries(ws.defined_names[name].attr_text.split("!")[-1].replace("$", ""))


def grids(wb) -> list[Grid]:
    """Every scored indicator grid of a workbook: one per project sheet, the department 评分表."""
    found = []
    for ws in wb.worksheets:
        if project_layout.GRID_HEADER_NAME in ws.defined_names:
            columns = project_layout.GRID_COLUMNS
            header, total = project_layout.GRID_HEADER_NAME, project_layout.FIELDS["total_score"].name
        elif department_layout.SCORE_HEADER_NAME in ws.defined_names:
            columns = department_layout.SCORE_COLUMNS
            header, total = department_layout.SCORE_HEADER_NAME, department_layout.FIELD_NAMES["total_score"]
        else:
            continue
        first_column, header_row, _, _ = name_bounds(ws, header)
        total_column, total_row, _, _ = name_bounds(ws, total)
        found.append(Grid(ws, range(header_row + 1, total_row),
                          {role: first_column + index for index, role in enumerate(columns)},
                          (total_column, total_row)))
    return found


def fund_total_cells(ws) -> dict[str, str]:
    """Role → cell of the 年度资金总额 row of a project sheet's fund block (budget, actual, rate …)."""
    first, row, _, _ = name_bounds(ws, project_layout.FUND_BLOCK_NAME)
    return {role: f"{get_column_letter(first + index)}{row}" for index, role in enumerate(project_layout.FUND_COLUMNS)}


def text_fields(wb) -> list[tuple[object, str]]:
    """(sheet, cell) of the free-text names the tool copies into its reports: each project's
    name and implementing unit, the department's name."""
    fields = []
    for ws in wb.worksheets:
        for name in (project_layout.FIELDS["project_name"].name, project_layout.FIELDS["implementer"].name,
                     department_layout.FIELD_NAMES["department"]):
            if name in ws.defined_names:
                column, row, _, _ = name_bounds(ws, name)
                fields.append((ws, f"{get_column_letter(column)}{row}"))
    return fields


def set_text(cell, text: str) -> None:
    """Store ``text`` as text even when it starts with ``=`` (as Excel does for a cell formatted @)."""
    cell.value = text
    cell.data_type = "s"


def rename_sheet(wb, ws, title: str) -> None:
    """Rename a sheet and every defined name that points into it, as Excel does."""
    old = ws.title
    ws.title = title
    new_prefix = quote_sheetname(title) + "!"
    for sheet in wb.worksheets:
        for defined in sheet.defined_names.values():
            text = defined.attr_text.replace(quote_sheetname(old) + "!", new_prefix)
            defined.attr_text = text.replace(f"'{old}'!", new_prefix)


_ABSOLUTE = re.compile(r"\$([A-Z]{1,3})\$(\d+)")


def insert_columns(ws, at: int, amount: int = 1) -> None:
    """Insert columns as Excel would for what the reader depends on: cells, merged ranges and
    sheet-scoped names at or right of ``at`` move right (a range spanning ``at`` widens)."""

    def shift(column: int) -> int:
        return column + amount if column >= at else column

    merged = [range_boundaries(str(rng)) for rng in ws.merged_cells.ranges]
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    ws.insert_cols(at, amount)
    for min_col, min_row, max_col, max_row in merged:
        ws.merge_cells(start_row=min_row, start_column=shift(min_col), end_row=max_row, end_column=shift(max_col))
    for defined in ws.defined_names.values():
        defined.attr_text = _ABSOLUTE.sub(
            lambda m: f"${get_column_letter(shift(column_index_from_string(m[1])))}${m[2]}", defined.attr_text)


def _project_grids(wb, rng: random.Random, count: int = 1) -> list[Grid]:
    """Up to ``count`` project-sheet grids, chosen by ``rng``."""
    found = [grid for grid in grids(wb) if project_layout.GRID_HEADER_NAME in grid.ws.defined_names]
    return rng.sample(found, min(count, len(found)))


def _text_field(rng: random.Random, setup: Setup) -> tuple[str, Package, str, str]:
    """A base chosen by ``rng`` as a :class:`Package`, and one of its free-text name fields:
    (kind, package, sheet title, cell)."""
    kind, base = setup.base(rng)
    ws, ref = rng.choice(text_fields(openpyxl.load_workbook(base)))
    return kind, Package(base), ws.title, ref


def _saved(book, out: Path, name: str, description: str, *, suffix: str = ".xlsx", **fields) -> Case:
    """Save an openpyxl workbook or a :class:`Package` as ``out/<name><suffix>``: a one-file case."""
    path = out / f"{name}{suffix}"
    book.save(path)
    return Case(name, description, [path], **fields)


# -- families: sizes and bombs ---------------------------------------------------------------------

def _far_cell(rng: random.Random, out: Path, setup: Setup, name: str, what: str, rows_xml, dimension: str) -> Case:
    """A base with ``rows_xml(style)`` appended as the last rows of one clerk sheet and its dimension widened."""
    kind, base = setup.base(rng)
    package = Package(base)
    title = rng.choice(package.clerk_titles())
    style = re.search(r'\bs="(\d+)"', package.sheet_xml(title))
    package.append_rows(title, rows_xml(style[1] if style else "1"), dimension)
    return _saved(package, out, name, f"{kind}: {what} on 「{title}」")


@family
def value_at_a1048576(rng, out, setup):
    """One value typed at A1048576, the sheet's last row."""
    note = rng.choice(NOTES)
    return _far_cell(rng, out, setup, "value_at_a1048576", f"「{note}」 at A1048576",
                     lambda _s: f'<row r="{MAX_ROW}"><c r="A{MAX_ROW}" t="inlineStr">{inline_string(note)}</c></row>',
                     f"A1:K{MAX_ROW}")


@family
def styled_cell_at_xfd1048576(rng, out, setup):
    """One styled empty cell at XFD1048576 (and a styled empty last row), the used range the whole sheet."""
    last = f"{get_column_letter(MAX_COLUMN)}{MAX_ROW}"
    return _far_cell(rng, out, setup, "styled_cell_at_xfd1048576", f"styled empty {last}, dimension A1:{last}",
                     lambda s: f'<row r="{MAX_ROW}" s="{s}" customFormat="1"><c r="{last}" s="{s}"/></row>',
                     f"A1:{last}")


def _bomb_sheet(rng: random.Random, out: Path, setup: Setup, name: str, unit: bytes, what: str) -> Case:
    """A base whose one clerk sheet gets ``unit`` repeated inside its sheetData past the bomb size."""
    kind, base = setup.base(rng)
    package = Package(base)
    title = rng.choice(package.clerk_titles())
    head, tail = package.sheet_xml(title).encode("utf-8").split(b"</sheetData>", 1)
    unit = unit * max(1, 2**20 // len(unit))
    package.parts[package.sheets()[title]] = Repeat(head, unit, setup.scale.bomb_bytes // len(unit) + 1,
                                                    b"</sheetData>" + tail)
    return _saved(package, out, name, f"{kind}: 「{title}」 {what}")


@family
def zip_bomb_sheet_cells(rng, out, setup):
    """A sheet whose XML inflates past 1 GB: millions of rows of the same ``<c>`` without ``r``."""
    return _bomb_sheet(rng, out, setup, "zip_bomb_sheet_cells", b"<row>" + b"<c><v>1</v></c>" * 64 + b"</row>",
                       f"XML inflates to {setup.scale.bomb_bytes / 2**30:.1f} GB of repeated <c>")


@family
def zip_bomb_sheet_whitespace(rng, out, setup):
    """A sheet whose XML inflates past 1 GB of whitespace between rows."""
    return _bomb_sheet(rng, out, setup, "zip_bomb_sheet_whitespace", b" \n",
                       f"XML inflates to {setup.scale.bomb_bytes / 2**30:.1f} GB of whitespace")


@family
def zip_bomb_shared_strings(rng, out, setup):
    """A sharedStrings part inflating past 1 GB (tens of millions of one-character strings)."""
    kind, base = setup.base(rng)
    package = Package(base)
    unit = b"<si><t>x</t></si>" * (2**20 // 17)
    count = setup.scale.bomb_bytes // len(unit) + 1
    total = count * (2**20 // 17)
    bomb = Repeat(f'<sst xmlns="{MAIN_NS}" count="{total}" uniqueCount="{total}">'.encode(), unit, count, b"</sst>")
    if "xl/sharedStrings.xml" in package.parts:
        package.parts["xl/sharedStrings.xml"] = bomb
    else:
        package.add_part("xl/sharedStrings.xml", bomb,
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
                         f"{REL_NS}/sharedStrings")
    return _saved(package, out, "zip_bomb_shared_strings",
                  f"{kind}: sharedStrings.xml inflates to {bomb.size / 2**30:.1f} GB ({total:,} strings)")


@family
def huge_cell_text(rng, out, setup):
    """One clerk cell holding tens of megabytes of text (far beyond Excel's 32,767 characters)."""
    kind, package, title, ref = _text_field(rng, setup)
    pieces = setup.scale.huge_text_mb * 2**20 // 18  # ~18 bytes a note: compresses like prose, not like a bomb
    text = "。".join(f"{note}{number}" for note, number in zip(rng.choices(NOTES, k=pieces),
                                                              rng.choices(range(1000), k=pieces)))
    package.set_cell(title, ref, inline_string(text), "inlineStr")
    return _saved(package, out, "huge_cell_text",
                  f"{kind}: {len(text):,} characters ({setup.scale.huge_text_mb} MB) in 「{title}」!{ref}")


@family
def many_indicator_rows(rng, out, setup):
    """Thousands of indicator rows inserted above the total (blank scores the tool fills)."""
    wb = setup.open("project")
    grid = _project_grids(wb, rng)[0]
    at, count = grid.rows.stop, setup.scale.indicator_rows
    excel_like_insert_rows(grid.ws, at, count)
    for row in range(at, at + count):
        target = rng.randint(1, 500)
        values = {"level1": "产出指标", "level2": "数量指标", "level3": f"完成事项{row - at + 1}",
                  "target": f"≥{target}件", "actual": f"{target + rng.randint(-20, 20)}件", "weight": 0.01}
        for role, value in values.items():
            grid.ws[grid.ref(role, row)] = value
    return _saved(wb, out, "many_indicator_rows", f"project: {count} indicator rows in 「{grid.ws.title}」")


@family
def many_merged_ranges(rng, out, setup):
    """A form sheet with a thousand merged ranges of clerk notes below the form."""
    kind, _ = setup.base(rng)
    wb = setup.open(kind)
    ws = rng.choice([grid.ws for grid in grids(wb)])
    start = ws.max_row + 3
    for index in range(setup.scale.merged_ranges):
        row, column = start + index // 4 * 2, 1 + index % 4 * 3
        ws.cell(row, column, f"{rng.choice(NOTES)}（{index + 1}）")
        ws.merge_cells(start_row=row, start_column=column, end_row=row + 1, end_column=column + 2)
    return _saved(wb, out, "many_merged_ranges",
                  f"{kind}: {setup.scale.merged_ranges} merged note ranges on 「{ws.title}」")


# -- families: the clerk's sheets, columns and merges --------------------------------------------

def _notes_sheet(wb, title: str, rng: random.Random) -> None:
    """A clerk's own table of notes (序号, 事项, 说明) in a new sheet titled ``title``."""
    ws = wb.create_sheet(title)
    ws.append(["序号", "事项", "说明"])
    for number in range(1, rng.randint(8, 20)):
        ws.append([number, f"核对事项{number}", rng.choice(NOTES)])


def _clerk_sheet_titled(rng: random.Random, out: Path, setup: Setup, name: str, title: str, drop_meta: bool) -> Case:
    """Two files: a project form renamed ``title``, and a book with a notes sheet ``title`` — the
    department book, unless the meta sheet goes (it alone names the department's profile)."""
    wb = setup.open("project")
    form = _project_grids(wb, rng)[0].ws
    if drop_meta:
        del wb[META_SHEET]
    old = form.title
    rename_sheet(wb, form, title)
    first = out / f"{name}_form.xlsx"
    wb.save(first)
    notes_kind = "project" if drop_meta else "department"
    wb = setup.open(notes_kind)
    if drop_meta:
        del wb[META_SHEET]
    _notes_sheet(wb, title, rng)
    second = out / f"{name}_notes.xlsx"
    wb.save(second)
    return Case(name, f"project sheet 「{old}」 renamed 「{title}」; {notes_kind} book with a notes sheet 「{title}」"
                + ("; the tool's meta sheet removed" if drop_meta else ""), [first, second],
                tool_sheets=frozenset() if drop_meta else frozenset({META_SHEET}), in_place=True)


@family
def clerk_sheet_titled_check(rng, out, setup):
    """The clerk's own sheet titled 校验结果: a project form renamed so, and a notes sheet."""
    return _clerk_sheet_titled(rng, out, setup, "clerk_sheet_titled_check", CHECK_SHEET, drop_meta=False)


@family
def clerk_sheet_titled_meta(rng, out, setup):
    """The clerk's own sheet titled _jx_meta (the tool's meta sheet gone): a form, and a notes sheet."""
    return _clerk_sheet_titled(rng, out, setup, "clerk_sheet_titled_meta", META_SHEET, drop_meta=True)


@family
def clerk_column_right_of_reason(rng, out, setup):
    """A notes column the clerk inserted right of 偏差原因 (the tool columns move one right)."""
    wb = setup.open("project")
    chosen = _project_grids(wb, rng, rng.randint(1, 3))
    for grid in chosen:
        at = grid.columns["reason"] + 1
        insert_columns(grid.ws, at)
        grid.ws.cell(grid.rows.start - 1, at, "备注")
        for row in grid.rows:
            if rng.random() < 0.7:
                grid.ws.cell(row, at, rng.choice(NOTES))
    return _saved(wb, out, "clerk_column_right_of_reason",
                  f"project: 备注 column after 偏差原因 on {'、'.join(g.ws.title for g in chosen)}")


@family
def column_inside_grid(rng, out, setup):
    """A column the clerk inserted inside the indicator grid (names widen as in Excel)."""
    wb = setup.open("project")
    grid = _project_grids(wb, rng)[0]
    role = rng.choice(["target", "actual", "weight"])
    at = grid.columns[role]
    insert_columns(grid.ws, at)
    grid.ws.cell(grid.rows.start - 1, at, "指标说明")
    return _saved(wb, out, "column_inside_grid", f"project: a column inserted before {role} on 「{grid.ws.title}」")


def _merged(rng: random.Random, out: Path, setup: Setup, name: str,
            span: Callable[[Grid, int], tuple[str, str]]) -> Case:
    """Merge ``span(grid, index)`` = (first cell, last cell) on two project sheets."""
    wb = setup.open("project")
    done = []
    for index, grid in enumerate(_project_grids(wb, rng, 2)):
        first, last = span(grid, index)
        grid.ws.merge_cells(f"{first}:{last}")
        done.append(f"「{grid.ws.title}」!{first}:{last}")
    return _saved(wb, out, name, "project: merged " + "、".join(done))


@family
def merged_over_score_cell(rng, out, setup):
    """Merged cells over indicator score cells: weight+score (score covered) on one sheet,
    score+reason (score the top-left cell) on another."""
    def span(grid, index):
        row = rng.choice(grid.rows)
        roles = ("weight", "score") if index == 0 else ("score", "reason")
        return grid.ref(roles[0], row), grid.ref(roles[1], row)
    return _merged(rng, out, setup, "merged_over_score_cell", span)


@family
def merged_over_target_actual(rng, out, setup):
    """Merged cells over a 目标/实际 pair of an indicator row."""
    def span(grid, _index):
        row = rng.choice(grid.rows)
        return grid.ref("target", row), grid.ref("actual", row)
    return _merged(rng, out, setup, "merged_over_target_actual", span)


@family
def merged_over_total(rng, out, setup):
    """Merged cells over the total: total weight + total score, the score covered."""
    return _merged(rng, out, setup, "merged_over_total",
                   lambda grid, _index: (grid.ref("weight", grid.total[1]), grid.ref("score", grid.total[1])))


@family
def stale_registry_row(rng, out, setup):
    """Registry rows in the hidden meta sheet naming a sheet (and a cell key) that no longer exist."""
    kind, _ = setup.base(rng)
    wb = setup.open(kind)
    meta = wb[META_SHEET]
    live = rng.choice([grid.ws.title for grid in grids(wb)])
    meta.append(["filled", "已删除的项目", "field:total_score", 95])
    meta.append(["flagged", "已删除的项目", "H13", None])
    meta.append(["flagged", "已删除的项目", "grid:不存在的指标#1:score", None])
    meta.append(["filled", live, "grid:不存在的指标#1:score", 3.5])
    return _saved(wb, out, "stale_registry_row", f"{kind}: registry rows for 「已删除的项目」 and a missing key on 「{live}」")


@family
def workbook_scope_names(rng, out, setup):
    """Workbook-level names shadowing the form's: one pointing at another sheet, one at #REF!."""
    kind, _ = setup.base(rng)
    wb = setup.open(kind)
    sheets = [grid.ws for grid in grids(wb)]
    ws = rng.choice(sheets)
    name = next(iter(ws.defined_names))
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(wb.worksheets[0].title)}!$A$1")
    total = next(n for n in ws.defined_names if n.endswith("TotalScore"))
    wb.defined_names[total] = DefinedName(total, attr_text="#REF!")
    return _saved(wb, out, "workbook_scope_names", f"{kind}: workbook-level {name} → 填表说明!A1, {total} → #REF!")


# -- families: names and texts -----------------------------------------------------------------

@family
def file_name_not_utf8(rng, out, setup):
    """A file name that is not valid UTF-8 (GBK bytes, as unpacked from a Windows zip)."""
    kind, base = setup.base(rng)
    raw = rng.choice(["测试单位", "社保局", "盐田分局"]).encode("gbk") + b"_" + "自评表".encode("gbk") + b".xlsx"
    path = Path(os.fsdecode(os.path.join(os.fsencode(out), raw)))
    shutil.copy(base, path)
    return Case("file_name_not_utf8", f"{kind}: file name bytes {raw!r}", [path], in_place=True)


@family
def file_name_239_bytes(rng, out, setup):
    """A 239-byte file name (78 CJK characters + .xlsx): no room left for a backup suffix."""
    kind, base = setup.base(rng)
    stem = "".join(rng.choice("项目支出绩效自评表社会保险基金管理局") for _ in range(78))
    path = out / f"{stem}.xlsx"
    shutil.copy(base, path)
    return Case("file_name_239_bytes", f"{kind}: {len(path.name.encode())}-byte file name", [path], in_place=True)


@family
def formula_text_in_names(rng, out, setup):
    """Formula-injection payloads typed as text into project names, units and the department name."""
    payloads = list(INJECTIONS)
    rng.shuffle(payloads)
    paths, used = [], []
    for kind in ("project", "department"):
        wb = setup.open(kind, full=True)  # every payload needs a field of its own
        for index, (ws, ref) in enumerate(text_fields(wb)):
            payload = payloads[index % len(payloads)]
            set_text(ws[ref], payload)
            used.append(payload)
        paths.append(out / f"formula_text_{kind}.xlsx")
        wb.save(paths[-1])
    return Case("formula_text_in_names", f"{len(set(used))} payloads as project/unit/department names", paths)


@family
def formula_text_in_sheet_titles(rng, out, setup):
    """Formula-injection payloads as sheet titles of project forms."""
    wb = setup.open("project", full=True)  # every payload needs a sheet of its own
    titles = rng.sample(TITLE_INJECTIONS, len(TITLE_INJECTIONS))
    for grid, title in zip(_project_grids(wb, rng, len(titles)), titles):
        rename_sheet(wb, grid.ws, title)
    return _saved(wb, out, "formula_text_in_sheet_titles", "project: sheets titled " + "、".join(titles))


@family
def invalid_xml_characters(rng, out, setup):
    """Control characters: Excel-escaped (_x0001_, valid XML) in names, and raw &#1; (invalid XML)."""
    kind, package, title, ref = _text_field(rng, setup)
    package.set_cell(title, ref, "<is><t>项目_x0001_名称_x000B_\u200b\ufeff</t></is>", "inlineStr")
    escaped = package.save(out / "control_chars_escaped.xlsx")
    package.set_cell(title, ref, "<is><t>项目&#1;名称</t></is>", "inlineStr")
    raw = package.save(out / "control_chars_raw.xlsx")
    return Case("invalid_xml_characters", f"{kind}: control characters in 「{title}」!{ref}", [escaped, raw])


# -- families: numbers, formulas, links, macros ----------------------------------------------------

@family
def special_numbers(rng, out, setup):
    """Negative, huge, tiny, infinite numbers in number cells; and NaN (which no Excel writes)."""
    wb = setup.open("project")
    grid = _project_grids(wb, rng)[0]
    package = Package(setup.bases["project"])
    numbers = ["-5", "1E308", "5E-324", "-0", "1E999", "-1E999", "-1E-7", "123456789012345678901234567890"]
    rng.shuffle(numbers)
    refs = [grid.ref(role, row) for row in grid.rows for role in ("weight", "score")]
    refs += [fund_total_cells(grid.ws)[role] for role in ("budget", "actual", "weight")]
    for ref, number in zip(rng.sample(refs, len(numbers)), numbers):
        package.set_cell(grid.ws.title, ref, f"<v>{number}</v>", "n")
    odd = package.save(out / "special_numbers.xlsx")
    package.set_cell(grid.ws.title, grid.ref("score", grid.rows.start), "<v>NaN</v>", "n")
    nan = package.save(out / "special_numbers_nan.xlsx")
    return Case("special_numbers", f"project: {', '.join(numbers)} on 「{grid.ws.title}」; NaN in a second file",
                [odd, nan])


@family
def dates_in_numeric_cells(rng, out, setup):
    """Dates, times and durations in score, weight and money cells (Excel serials and ISO t="d")."""
    wb = setup.open("project")
    grid = _project_grids(wb, rng)[0]
    values = [_dt.datetime(2021, 12, 31), _dt.date(2021, 6, 30), _dt.time(8, 30), _dt.timedelta(hours=36)]
    for value, row in zip(values, rng.sample(grid.rows, len(values))):
        grid.ws[grid.ref(rng.choice(["weight", "score"]), row)] = value
    grid.ws[fund_total_cells(grid.ws)["actual"]] = _dt.datetime(2021, 1, 1)
    path = out / "dates_in_numeric_cells.xlsx"
    wb.save(path)
    package = Package(path)
    package.set_cell(grid.ws.title, grid.ref("score", grid.rows[-1]), "<v>2021-12-31T00:00:00</v>", "d")
    return _saved(package, out, "dates_in_numeric_cells", f"project: dates/times in number cells of 「{grid.ws.title}」")


@family
def total_formula_with_cached_value(rng, out, setup):
    """The total score (and a fund rate) typed as formulas, each with the value Excel cached."""
    wb = setup.open("project")
    grid = _project_grids(wb, rng)[0]
    package = Package(setup.bases["project"])
    fund = fund_total_cells(grid.ws)
    column = get_column_letter(grid.columns["score"])
    total = grid.ref("score", grid.total[1])
    cached = grid.ws[total].value
    formula = f"SUM({fund['score']},{column}{grid.rows.start}:{column}{grid.rows[-1]})"
    package.set_cell(grid.ws.title, total, f"<f>{formula}</f><v>{cached}</v>", "n")
    package.set_cell(grid.ws.title, fund["rate"], f"<f>ROUND({fund['actual']}/{fund['budget']},2)</f>"
                     f"<v>{grid.ws[fund['rate']].value}</v>", "n")
    return _saved(package, out, "total_formula_with_cached_value",
                  f"project: 「{grid.ws.title}」!{total} = {formula} (cached {cached}), {fund['rate']} a formula too",
                  rescore=True, in_place=True)


@family
def external_link_dde(rng, out, setup):
    """An external-link part holding a DDE link (cmd|'/C calc'), as Excel keeps one."""
    kind, base = setup.base(rng)
    package = Package(base)
    link = (f'<externalLink xmlns="{MAIN_NS}"><ddeLink ddeService="cmd" ddeTopic="/C calc">'
            '<ddeItems><ddeItem name="A0" advise="1"/></ddeItems></ddeLink></externalLink>').encode()
    rid = package.add_part("xl/externalLinks/externalLink1.xml", link,
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
                           f"{REL_NS}/externalLink")
    references = f'<externalReferences xmlns:r="{REL_NS}"><externalReference r:id="{rid}"/></externalReferences>'
    package.put("xl/workbook.xml", package.text("xl/workbook.xml").replace("</sheets>", "</sheets>" + references, 1))
    return _saved(package, out, "external_link_dde", f"{kind}: externalLink1.xml with <ddeLink ddeService=\"cmd\">")


def macro_project() -> bytes:
    """A real vbaProject.bin (from xlwings' add-in when installed), else an OLE header alone."""
    try:
        import xlwings
        with zipfile.ZipFile(Path(xlwings.__file__).parent / "addin" / "xlwings.xlam") as addin:
            return addin.read("xl/vbaProject.bin")
    except (ImportError, OSError, KeyError, zipfile.BadZipFile):
        return bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)


@family
def xlsm_with_macros(rng, out, setup):
    """A macro-enabled workbook (.xlsm with vbaProject.bin), to be scored into an .xlsx."""
    kind, base = setup.base(rng)
    package = Package(base)
    package.add_part("xl/vbaProject.bin", macro_project(), "application/vnd.ms-office.vbaProject",
                     "http://schemas.microsoft.com/office/2006/relationships/vbaProject")
    package.put("[Content_Types].xml", package.text("[Content_Types].xml").replace(
        "spreadsheetml.sheet.main+xml", "ms-excel.sheet.macroEnabled.main+xml").replace(
        "application/vnd.openxmlformats-officedocument.ms-excel", "application/vnd.ms-excel"))
    size = len(package.parts["xl/vbaProject.bin"])
    return _saved(package, out, "xlsm_with_macros", f"{kind}: .xlsm with a {size:,}-byte vbaProject.bin",
                  suffix=".xlsm", in_place=True)


# -- families: damaged packages ------------------------------------------------------------------

@family
def truncated_zip(rng, out, setup):
    """A file cut short (no zip directory), and a sheet part whose deflate stream stops early."""
    kind, base = setup.base(rng)
    data = base.read_bytes()
    cut = out / "truncated_file.xlsx"
    cut.write_bytes(data[: int(len(data) * rng.uniform(0.3, 0.95))])
    package = Package(base)
    title = rng.choice(package.clerk_titles())
    part = package.sheets()[title]
    package.parts[part] = Truncated(package.parts[part], rng.uniform(0.2, 0.8))
    damaged = package.save(out / "truncated_part.xlsx")
    return Case("truncated_zip", f"{kind}: file cut to {cut.stat().st_size:,} bytes; 「{title}」 part truncated",
                [cut, damaged])


@family
def duplicate_sheet_names(rng, out, setup):
    """workbook.xml naming two sheets the same; and a zip holding one sheet part twice."""
    kind, base = setup.base(rng)
    package = Package(base)
    first, second = rng.sample(package.clerk_titles(), 2)
    workbook = package.text("xl/workbook.xml")
    package.put("xl/workbook.xml", workbook.replace(f"name={quoteattr(second)}", f"name={quoteattr(first)}", 1))
    same_title = package.save(out / "duplicate_sheet_names.xlsx")
    package = Package(base)
    part = package.sheets()[first]
    members = list(package.parts.items()) + [(part, package.parts[package.sheets()[second]])]
    twice = write_zip(out / "duplicate_zip_member.xlsx", members)
    return Case("duplicate_sheet_names", f"{kind}: 「{second}」 renamed 「{first}」 in workbook.xml; {part} twice "
                "in the zip", [same_title, twice])


# -- families: folders for collect -------------------------------------------------------------

@family
def folder_copy_and_export(rng, out, setup):
    """A folder holding a working copy and its own export (the export must not be a duplicate)."""
    from toolkit.submission.export import export_file

    kind, base = setup.base(rng)
    working = out / "0_填报底稿.xlsx"
    shutil.copy(base, working)
    outcome = export_file(working, out, force=True)
    export = Path(outcome.output).name
    return Case("folder_copy_and_export", f"{kind}: {working.name} and its export {export}", [], folder=out,
                forbidden_status={export: ("duplicate",)})


@family
def folder_symlinks(rng, out, setup):
    """A collect folder with a symbolic-link loop, a dangling link, a directory loop and a good link."""
    kind, base = setup.base(rng)
    shutil.copy(base, out / "a.xlsx")
    (out / "loop.xlsx").symlink_to("loop.xlsx")
    (out / "dangling.xlsx").symlink_to("已删除.xlsx")
    (out / "good_link.xlsx").symlink_to("a.xlsx")
    (out / "sub").mkdir()
    (out / "sub" / "up").symlink_to("..", target_is_directory=True)
    return Case("folder_symlinks", f"{kind}: a.xlsx, loop.xlsx → itself, dangling.xlsx, good_link.xlsx, sub/up → ..",
                [], folder=out)


# -- families of issue 22: outputs aimed at inputs ---------------------------------------------------

REFUSED = frozenset({2})  # an unusable input or output: a clear message, exit 2


def _collect_outputs(folder: Path, where: Path) -> tuple[Path, Path]:
    """Run collect over ``folder`` once (in this process) and write its summary and JSON report
    into ``where``: (summary, report)."""
    from toolkit.submission.collect import collect, write_summary

    report = collect(folder, jobs=1)
    summary, data = where / "汇总.xlsx", where / "collect.json"
    write_summary(report, summary)
    data.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary, data


@family
def outputs_onto_inputs(rng, out, setup):
    """``-o``/``--json`` aimed at the input or at each other, for score, export, report and adopt;
    an earlier output beside them must survive too (issue 22: the input replaced by the JSON report)."""
    kind, base = setup.base(rng)
    source = out / "填报底稿.xlsx"
    shutil.copy(base, source)
    earlier = out / "上次评分.xlsx"  # an earlier output the clerk keeps
    shutil.copy(base, earlier)
    as_docx = out / "另存为.docx"  # a workbook a clerk named .docx: report must not write over it
    shutil.copy(base, as_docx)
    new = out / "新.xlsx"
    watched = [source, earlier, as_docx]
    aims = [
        ("score --json=input", ["score", source, "-o", new, "--json", source]),
        ("score -o=input", ["score", source, "-o", source]),
        ("score --json=-o", ["score", source, "-o", earlier, "--json", earlier]),
        ("score --in-place --json=input", ["score", source, "--in-place", "--json", source]),
        ("export -o=input", ["export", source, "--force", "-o", source]),
        ("report -o=input", ["report", as_docx, "-o", as_docx]),
        ("adopt -o=input", ["adopt", source, "-o", source]),
        ("adopt --json=-o", ["adopt", source, "-o", new, "--json", new]),
    ]
    rng.shuffle(aims)
    commands = [Command(name, args, REFUSED, watched=watched, absent=[new]) for name, args in aims]
    return Case("outputs_onto_inputs", f"{kind}: {len(commands)} commands aiming an output at an input or another "
                "output", [source], commands=commands, standard=False)


@family
def collect_outputs_in_inbox(rng, out, setup):
    """collect's outputs aimed into the inbox (refused), and the inbox holding collect's own earlier
    summary and report under other names (ignored, not 模板不符), collected twice from inside."""
    from toolkit.submission.export import export_file

    inbox = out / "收件"
    inbox.mkdir()
    kind, base = setup.base(rng)  # one export: collect runs four times over this inbox
    export_file(base, inbox / f"1_{kind}.xlsx", force=True)
    scratch = out / "上次"
    scratch.mkdir()
    summary, report = _collect_outputs(inbox, scratch)
    own = {"上次的汇总（副本）.xlsx": summary, "汇总报告.json": report}
    for name, path in own.items():
        shutil.copy(path, inbox / name)
    shutil.rmtree(scratch)
    submission = sorted(inbox.glob("1_*.xlsx"))[0]
    first, second = out / "第一次.json", out / "第二次.json"
    commands = [
        Command("collect -o=inbox", ["collect", inbox, "-o", inbox / "汇总.xlsx"], REFUSED, watched=[inbox]),
        Command("collect -o=submission", ["collect", inbox, "-o", submission], REFUSED, watched=[inbox]),
        Command("collect --json=inbox", ["collect", inbox, "--json", inbox / "report.json", "-o", out / "x.xlsx"],
                REFUSED, watched=[inbox], absent=[out / "x.xlsx"]),
        Command("collect --notices=inbox", ["collect", inbox, "--notices", inbox / "意见", "-o", out / "y.xlsx"],
                REFUSED, watched=[inbox], absent=[out / "y.xlsx"]),
        Command("collect in inbox (1)", ["collect", ".", "--json", first, "-q", "--jobs", "1"], frozenset({0, 6}),
                watched=[inbox], cwd=inbox, report=first, ignored=tuple(own)),
        Command("collect in inbox (2)", ["collect", ".", "--json", second, "-q", "--jobs", "1"], frozenset({0, 6}),
                watched=[inbox], cwd=inbox, report=second, ignored=tuple(own)),
    ]
    statuses = tuple(STATUSES)
    return Case("collect_outputs_in_inbox", f"an export ({kind}) and collect's own summary and report copied in as "
                f"{'、'.join(own)}", [], folder=inbox, commands=commands, must_ignore=tuple(own),
                forbidden_status={name: statuses for name in own})


@family
def long_output_names(rng, out, setup):
    """Output names past the file system's 255 bytes, for every command that writes (exit 2, not an
    unexpected error)."""
    kind, base = setup.base(rng)
    source = out / "a.xlsx"
    shutil.copy(base, source)
    inbox = out / "收件"
    inbox.mkdir()
    shutil.copy(base, inbox / "a.xlsx")

    def long(suffix: str) -> Path:
        stem = "".join(rng.choice("项目支出绩效自评报告汇总表") for _ in range(rng.randint(86, 120)))
        return out / f"{stem}{suffix}"

    aims = [("score -o", ["score", source, "-o", long(".xlsx")]),
            ("score --json", ["score", source, "-o", out / "b.xlsx", "--json", long(".json")]),
            ("report -o", ["report", source, "-o", long(".docx")]),
            ("export -o file", ["export", source, "--force", "-o", long(".xlsx")]),
            ("export -o folder", ["export", source, "--force", "-o", f"{long('')}{os.sep}"]),
            ("adopt -o", ["adopt", source, "-o", long(".xlsx")]),
            ("collect -o", ["collect", inbox, "-o", long(".xlsx")]),
            ("collect --json", ["collect", inbox, "-o", out / "c.xlsx", "--json", long(".json")])]
    commands = [Command(name, args, REFUSED, watched=[source, inbox], absent=[out / "b.xlsx", out / "c.xlsx"])
                for name, args in aims]
    return Case("long_output_names", f"{kind}: {len(commands)} outputs named 260–365 bytes", [source],
                commands=commands, standard=False)


@family
def read_only_folder_in_place(rng, out, setup):
    """``score --in-place`` in a folder the clerk may not write: the backup cannot be written, so
    nothing is changed (exit 2, not an OSError)."""
    kind, base = setup.base(rng)
    path = out / f"{rng.choice(['填报', '底稿', '自评'])}.xlsx"
    shutil.copy(base, path)
    return Case("read_only_folder_in_place", f"{kind}: --in-place in a folder of mode 0555", [path],
                read_only_in_place=True, in_place=True, expect={"score --in-place": REFUSED})


# -- families of issue 22: what openpyxl does not model ------------------------------------------------

X14_NS = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM_NS = "http://schemas.microsoft.com/office/excel/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
# The extLst entries Excel writes, by their uri: what a part-by-part comparison must find again.
X14_URIS = {"dataValidations": "{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}",
            "conditionalFormattings": "{78C0D931-6437-407d-A8EE-F0AAD7539E65}",
            "sparklineGroups": "{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"}
# Worksheet children that come after <drawing> (ECMA-376 CT_Worksheet order).
_AFTER_DRAWING = ("<legacyDrawing ", "<legacyDrawing>", "<legacyDrawingHF", "<picture", "<oleObjects", "<controls",
                  "<webPublishItems", "<tableParts", "<extLst", "</worksheet>")


def x14_dropdown(source: str, sqref: str) -> str:
    """An Excel 2010 data validation (a dropdown whose list is on another sheet), as Excel writes it."""
    return (f'<x14:dataValidations xmlns:xm="{XM_NS}" count="1"><x14:dataValidation type="list" allowBlank="1" '
            f'showInputMessage="1" showErrorMessage="1"><x14:formula1><xm:f>{escape(source)}</xm:f></x14:formula1>'
            f"<xm:sqref>{sqref}</xm:sqref></x14:dataValidation></x14:dataValidations>")


def x14_data_bar(sqref: str, rule_id: str) -> str:
    """An Excel 2010 conditional format (a data bar with a negative colour)."""
    return (f'<x14:conditionalFormattings><x14:conditionalFormatting xmlns:xm="{XM_NS}"><x14:cfRule type="dataBar" '
            f'id="{rule_id}"><x14:dataBar minLength="0" maxLength="100" gradient="0"><x14:cfvo type="autoMin"/>'
            '<x14:cfvo type="autoMax"/><x14:negativeFillColor rgb="FFFF0000"/><x14:axisColor rgb="FF000000"/>'
            f"</x14:dataBar></x14:cfRule><xm:sqref>{sqref}</xm:sqref></x14:conditionalFormatting>"
            "</x14:conditionalFormattings>")


def x14_sparkline(source: str, sqref: str) -> str:
    """An Excel 2010 sparkline group holding one line sparkline."""
    return (f'<x14:sparklineGroups xmlns:xm="{XM_NS}"><x14:sparklineGroup displayEmptyCellsAs="gap">'
            '<x14:colorSeries rgb="FF376092"/><x14:colorNegative rgb="FFD00000"/><x14:colorAxis rgb="FF000000"/>'
            '<x14:colorMarkers rgb="FFD00000"/><x14:colorFirst rgb="FFD00000"/><x14:colorLast rgb="FFD00000"/>'
            f'<x14:colorHigh rgb="FFD00000"/><x14:colorLow rgb="FFD00000"/><x14:sparklines><x14:sparkline>'
            f"<xm:f>{escape(source)}</xm:f><xm:sqref>{sqref}</xm:sqref></x14:sparkline></x14:sparklines>"
            "</x14:sparklineGroup></x14:sparklineGroups>")


def add_extensions(package: Package, title: str, bodies: dict[str, str]) -> None:
    """Append an ``<extLst>`` holding ``bodies`` (x14 element name → its XML) to a sheet."""
    xml = package.sheet_xml(title)
    if "<extLst" in xml:
        raise ValueError(f"「{title}」 has an extLst already")
    exts = "".join(f'<ext xmlns:x14="{X14_NS}" uri="{X14_URIS[name]}">{body}</ext>' for name, body in bodies.items())
    package.put_sheet_xml(title, xml.replace("</worksheet>", f"<extLst>{exts}</extLst></worksheet>", 1))


def add_text_box(package: Package, title: str, text: str, anchor: tuple[int, int]) -> str:
    """Give a sheet a drawing holding one text box (a clerk's note), as Excel writes it; returns the
    drawing's part name. ``anchor`` is (column, row), 0-based."""
    column, row = anchor
    number = sum(1 for name in package.parts if name.startswith("xl/drawings/drawing")) + 1
    drawing = f"xl/drawings/drawing{number}.xml"
    package.put(drawing, (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">'
        f"<xdr:twoCellAnchor><xdr:from><xdr:col>{column}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row>"
        f"<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{column + 3}</xdr:col><xdr:colOff>0</xdr:colOff>"
        f"<xdr:row>{row + 4}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/><xdr:cNvSpPr txBox="1"/>'
        '</xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2743200" cy="762000"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="FFFFCC"/></a:solidFill>'
        '</xdr:spPr><xdr:txBody><a:bodyPr vertOverflow="clip" wrap="square" rtlCol="0" anchor="t"/><a:lstStyle/>'
        f'<a:p><a:r><a:rPr lang="zh-CN" altLang="en-US" sz="1100"/><a:t>{escape(text)}</a:t></a:r></a:p>'
        "</xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>"))
    types = package.text("[Content_Types].xml")
    package.put("[Content_Types].xml", types.replace("</Types>", f'<Override PartName="/{drawing}" ContentType='
                                                     '"application/vnd.openxmlformats-officedocument.drawing+xml"/></Types>'))
    sheet_part = package.sheets()[title]
    folder, name = sheet_part.rsplit("/", 1)
    rels_part = f"{folder}/_rels/{name}.rels"
    rels = package.text(rels_part) if rels_part in package.parts else (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    rid = "rIdJXdrawing1"
    package.put(rels_part, rels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{REL_NS}/drawing" '
                                        f'Target="../drawings/drawing{number}.xml"/></Relationships>'))
    xml = package.sheet_xml(title)
    if "<drawing " in xml:
        raise ValueError(f"「{title}」 has a drawing already")
    at = min(index for index in (xml.find(tag) for tag in _AFTER_DRAWING) if index >= 0)
    package.put_sheet_xml(title, f'{xml[:at]}<drawing xmlns:r="{REL_NS}" r:id="{rid}"/>{xml[at:]}')
    return drawing


@family
def x14_extensions_and_shapes(rng, out, setup):
    """What openpyxl does not model, written by hand to Excel's schema on a form sheet: a
    cross-sheet dropdown (x14 data validation), an x14 data bar, a sparkline and a clerk's text
    box; scoring (-o and --in-place) must keep every one of them."""
    paths, said = [], []
    for kind in ("project", "department"):
        wb = setup.open(kind)
        grid = rng.choice(grids(wb))
        source = rng.choice([ws.title for ws in wb.worksheets if ws.title not in (grid.ws.title, META_SHEET)])
        rows = grid.rows
        first, last = rows.start, rows[-1]
        column = get_column_letter(grid.columns["reason" if "reason" in grid.columns else "justification"])
        score = get_column_letter(grid.columns["score"])
        weight = get_column_letter(grid.columns["weight"])
        spark = grid.ref("weight", grid.total[1] + rng.randint(2, 4))
        package = Package(setup.bases[kind])
        add_extensions(package, grid.ws.title, {
            "conditionalFormattings": x14_data_bar(f"{score}{first}:{score}{last}", "{7A1C5F3E-0000-4000-8000-%012d}"
                                                   % rng.randint(0, 10**12 - 1)),
            "dataValidations": x14_dropdown(f"{quote_sheetname(source)}!$A$1:$A$5", f"{column}{first}:{column}{last}"),
            "sparklineGroups": x14_sparkline(f"{quote_sheetname(grid.ws.title)}!{weight}{first}:{weight}{last}", spark)})
        note = rng.choice(NOTES)
        add_text_box(package, grid.ws.title, note, (grid.columns["score"] + 2, first))
        paths.append(package.save(out / f"x14_{kind}.xlsx"))
        said.append(f"{kind} 「{grid.ws.title}」: dropdown from 「{source}」, data bar, sparkline at {spark}, "
                    f"text box 「{note}」")
    return Case("x14_extensions_and_shapes", "; ".join(said), paths, in_place=True)


# -- families of issue 22: hostile profiles --------------------------------------------------------

PROFILES = ROOT / "toolkit" / "profiles"


def _number_paths(data, path=()) -> list[tuple]:
    """Key paths of every number (not a boolean) in a profile."""
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in _number_paths(value, path + (key,))]
    if isinstance(data, list):
        return [found for index, value in enumerate(data) for found in _number_paths(value, path + (index,))]
    return [path] if isinstance(data, (int, float)) and not isinstance(data, bool) else []


def _with_token(data: dict, path: tuple, token: str) -> str:
    """The profile as JSON text with the value at ``path`` replaced by raw JSON ``token`` (NaN,
    1e999, a 5000-digit integer …, which json.dumps would not write)."""
    marker = "@@JX-POISON@@"
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return json.dumps(copy, ensure_ascii=False, indent=1).replace(json.dumps(marker), token, 1)


@family
def hostile_profiles(rng, out, setup):
    """Rule profiles no clerk should be able to slip past: NaN, ±Infinity, a 5,000-digit integer at a
    number chosen by the seed, nesting 5,000 deep, a lone surrogate in a title: profile check,
    score, export and collect exit 3, the workbook untouched (a profile of the other kind:
    :func:`other_kind_profile`)."""
    kind, base = setup.base(rng)
    source = out / "a.xlsx"
    shutil.copy(base, source)
    inbox = out / "收件"
    inbox.mkdir()
    shutil.copy(base, inbox / "a.xlsx")
    own = json.loads((PROFILES / ("national.json" if kind == "project" else "wuhua-2023.json")).read_text("utf-8"))
    own.pop("$schema", None)
    numbers = _number_paths(own)
    poisoned = {
        "nan": _with_token(own, rng.choice(numbers), "NaN"),
        "infinity": _with_token(own, rng.choice(numbers), rng.choice(["Infinity", "-Infinity", "1e999"])),
        "huge_integer": _with_token(own, rng.choice(numbers), "9" * 5000),
        "deep": _with_token(own, rng.choice(numbers), "[" * 5000 + "]" * 5000),
        "lone_surrogate": json.dumps(dict(own, title="\ud800" + own.get("title", "")), ensure_ascii=True),
    }
    commands = []
    for name, text in poisoned.items():
        profile = out / f"{name}.json"
        profile.write_text(text, encoding="utf-8")
        scored = out / f"{name}_out.xlsx"
        commands.append(Command(f"profile check {name}", ["profile", "check", profile], frozenset({3}),
                                watched=[profile]))
        commands.append(Command(f"collect --profile {name}", ["collect", inbox, "-o", out / f"{name}_汇总.xlsx",
                                                              "--profile", profile], frozenset({3}),
                                watched=[inbox, profile], absent=[out / f"{name}_汇总.xlsx"]))
        commands.append(Command(f"score --profile {name}", ["score", source, "-o", scored, "--profile", profile],
                                frozenset({3}), watched=[source, profile], absent=[scored]))
        commands.append(Command(f"export --profile {name}", ["export", source, "--force", "-o", out / f"{name}_导出",
                                                             "--profile", profile], frozenset({3}),
                                watched=[source, profile], absent=[out / f"{name}_导出"]))
    return Case("hostile_profiles", f"{kind}: profiles {'、'.join(poisoned)}", [source], commands=commands,
                standard=False)


@family
def other_kind_profile(rng, out, setup):
    """A well-formed profile of the other kind (a department profile for a project workbook, or the
    reverse): it passes ``profile check``, and score, export and report refuse it (exit 3) instead
    of scoring by the profile the workbook records without saying so."""
    kind, base = setup.base(rng)
    source = out / "a.xlsx"
    shutil.copy(base, source)
    other = rng.choice(["wuhua-2023", "yanzhou-2020-corrected"] if kind == "project" else ["national", "shenzhen"])
    profile = out / f"{other}.json"
    shutil.copy(PROFILES / f"{other}.json", profile)
    outputs = {"score": out / "b.xlsx", "export": out / "导出", "report": out / "报告.docx"}
    commands = [Command("profile check other kind", ["profile", "check", profile], frozenset({0}), watched=[profile])]
    commands += [Command(f"{command} --profile other kind", [command, source, "-o", output, "--profile", profile]
                         + (["--force"] if command == "export" else []), frozenset({3}), watched=[source, profile],
                         absent=[output]) for command, output in outputs.items()]
    return Case("other_kind_profile", f"{kind} workbook, profile {other}", [source], commands=commands,
                standard=False)


# -- families of issue 22: damaged packages and Strict Open XML ------------------------------------------

@family
def doctype_entities(rng, out, setup):
    """Parts declaring a document type: an unused entity in workbook.xml, a billion-laughs entity
    used in a sheet, an external entity naming a local file, a UTF-16 part. Every command refuses
    them with the one 「damaged」 message (exit 2, collect: 无法读取); no entity is ever expanded."""
    kind, base = setup.base(rng)
    laughs = '<!ENTITY l0 "哈">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    variants = {
        "unused_entity": ("xl/workbook.xml", '<!DOCTYPE workbook [<!ENTITY x "x">]>', None),
        "billion_laughs": (None, f"<!DOCTYPE worksheet [{laughs}]>", "&l9;"),
        "external_entity": (None, '<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
        "utf16_part": ("docProps/core.xml", '<!DOCTYPE cp:coreProperties [<!ENTITY x "x">]>', None),
    }
    paths = []
    inbox = out / "收件"
    inbox.mkdir()
    for name, (part, doctype, use) in variants.items():
        package = Package(base)
        if part is None:  # a sheet: the entity used in a clerk's text cell
            title, ref = rng.choice([(ws.title, ref) for ws, ref in text_fields(openpyxl.load_workbook(base))])
            package.set_cell(title, ref, f"<is><t>{use}</t></is>", "inlineStr")
            part = package.sheets()[title]
        xml = package.text(part)
        if xml.startswith("<?xml"):
            head, body = xml.split("?>", 1)
            xml = head + "?>" + doctype + body
        else:
            xml = '<?xml version="1.0" encoding="UTF-8"?>' + doctype + xml
        if name == "utf16_part":
            package.parts[part] = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        else:
            package.put(part, xml)
        paths.append(package.save(out / f"doctype_{name}.xlsx"))
        shutil.copy(paths[-1], inbox / paths[-1].name)
    refused = {path.name: tuple(status for status in STATUSES if status != "unreadable") for path in paths}
    commands = [Command(f"{command} {path.stem}", [command, path, "-o", out / f"{path.stem}_out{suffix}"], REFUSED,
                        watched=[path], absent=[out / f"{path.stem}_out{suffix}"])
                for path in paths for command, suffix in (("adopt", ".xlsx"), ("report", ".docx"))]
    return Case("doctype_entities", f"{kind}: " + "、".join(variants), paths, folder=inbox,
                expect={"score": REFUSED, "score --in-place": REFUSED, "export": REFUSED},
                forbidden_status=refused, commands=commands)


@family
def no_styles_part(rng, out, setup):
    """A package without xl/styles.xml: once with its relationship and content type left behind,
    once without them. The same 「damaged」 message from score, export and collect."""
    kind, base = setup.base(rng)
    package = Package(base)
    del package.parts["xl/styles.xml"]
    dangling = package.save(out / "no_styles_dangling.xlsx")
    package.put("[Content_Types].xml", re.sub(r'<Override PartName="/xl/styles.xml"[^>]*/>', "",
                                              package.text("[Content_Types].xml")))
    package.put("xl/_rels/workbook.xml.rels", re.sub(r'<Relationship [^>]*Target="/?(?:xl/)?styles.xml"[^>]*/>', "",
                                                     package.text("xl/_rels/workbook.xml.rels")))
    clean = package.save(out / "no_styles_clean.xlsx")
    paths = [dangling, clean]
    rng.shuffle(paths)
    return Case("no_styles_part", f"{kind}: xl/styles.xml removed (references kept; references removed)", paths,
                expect={"score": REFUSED, "score --in-place": REFUSED, "export": REFUSED},
                forbidden_status={path.name: tuple(s for s in STATUSES if s != "unreadable") for path in paths})


def make_strict(source: Path, target: Path) -> Path:
    """``source`` saved as Strict Open XML (the transitional namespaces mapped to the strict ones,
    ``conformance="strict"`` on the workbook), as Excel's 「Strict Open XML 电子表格」 writes it."""
    from toolkit.workbook.io import STRICT_NAMESPACES

    package = Package(source)
    for name, data in package.parts.items():
        if name.endswith((".xml", ".rels")) and not name.startswith("docProps/") and isinstance(data, bytes):
            for strict, transitional in STRICT_NAMESPACES:
                data = data.replace(transitional, strict)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            package.parts[name] = data
    return package.save(target)


@family
def strict_open_xml(rng, out, setup):
    """Both templates and an export of each saved as Strict Open XML: score, export and collect
    (its fast reader included) read them like the transitional files."""
    from toolkit.submission.export import export_file

    paths, names = [], []
    kinds = ["project", "department"]
    rng.shuffle(kinds)
    for kind in kinds:
        paths.append(make_strict(setup.bases[kind], out / f"strict_{kind}.xlsx"))
        exported = export_file(setup.bases[kind], out / f"export_{kind}.xlsx", force=True).output
        paths.append(make_strict(exported, out / f"strict_export_{kind}.xlsx"))
        exported.unlink()
        names.append(paths[-1].name)
    return Case("strict_open_xml", "strict " + "、".join(path.name for path in paths), paths,
                expect={"score": frozenset({0}), "score --in-place": frozenset({0}), "export": frozenset({0, 4})},
                forbidden_status={name: ("unreadable", "not_excel", "wrong_template", "not_export", "tampered",
                                         "score_edited") for name in names}, in_place=True)
