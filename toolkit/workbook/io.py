"""One opener and one file-type sniffer for every command (score, export, collect, adopt).

:func:`sniff` says what a file is from its first bytes and its zip directory, without parsing
a sheet; :func:`check_file_kind` turns anything but a workbook into a Chinese error naming the
file (a package over the size limits, or declaring a document type in a part, included);
:func:`open_workbook` opens with openpyxl and turns any failure into such an error too, with
:func:`damaged_message`, the one message for a damaged package whichever command reads it.

Example::

    >>> sniff("samples/seed003_项目支出绩效自评表.xlsx")
    'xlsx'
    >>> check_file_kind("/nonexistent.xlsx")
    Traceback (most recent call last):
    ...
    toolkit.core.problems.ToolkitError: 文件「/nonexistent.xlsx」不存在。
"""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from contextlib import contextmanager
from copy import copy
from pathlib import Path
from xml.parsers import expat

from toolkit.core.problems import ToolkitError

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # legacy Office (.xls) and encrypted packages

# Limits checked from the zip directory before anything is parsed (README, 「文件大小限制」).
# A real self-evaluation workbook of 200 projects is about 2 MB packed and 30 MB unpacked.
MAX_PART_BYTES = 256 * 2**20  # one part (a sheet, the shared strings) unpacked
MAX_TOTAL_BYTES = 512 * 2**20  # the whole package unpacked
MAX_RATIO = 200  # unpacked ÷ packed for a part over RATIO_FLOOR: spreadsheets pack 5–30×
RATIO_FLOOR = 16 * 2**20

# What :func:`sniff` can say. Everything but "xlsx" is unusable as it is.
SNIFF_RESULTS = ("missing", "folder", "io_error", "encrypted", "legacy_xls", "not_zip",
                 "corrupt", "zip_not_excel", "xlsx")


def sniff(path: str | Path) -> str:
    """What the file at ``path`` is, as one of :data:`SNIFF_RESULTS`."""
    path = Path(path)
    if not path.exists():
        return "missing"
    if path.is_dir():
        return "folder"
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return "io_error"
    if head == OLE_MAGIC:
        if is_encrypted_ole(path):
            return "encrypted"
        return "legacy_xls"
    if not head.startswith(b"PK"):
        return "not_zip"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "corrupt"
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        return "zip_not_excel"
    return "xlsx"


def package_limits(path: str | Path) -> str | None:
    """The Chinese reason a package is too large to open safely (a 「zip 炸弹」 or a runaway
    sheet), from its zip directory alone; None when it is within the limits.

    >>> package_limits("samples/seed003_项目支出绩效自评表.xlsx") is None
    True
    """
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:  # zipfile would silently read the last copy: which one counts is unknowable
            return f"文件「{path.name}」的压缩包中部件 {info.filename} 出现了两次，文件已损坏或被改动"
        seen.add(info.filename)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_BYTES:
            return (f"文件「{path.name}」的部件 {info.filename} 解压后有 {info.file_size / 2**20:,.0f} MB，"
                    f"超过单个部件 {MAX_PART_BYTES // 2**20} MB 的限制")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return (f"文件「{path.name}」的部件 {info.filename} 压缩比为 {info.file_size / max(info.compress_size, 1):,.0f} 倍，"
                    f"超过 {MAX_RATIO} 倍的限制（正常工作簿为 5–30 倍）")
    if total > MAX_TOTAL_BYTES:
        return f"文件「{path.name}」解压后共 {total / 2**20:,.0f} MB，超过 {MAX_TOTAL_BYTES // 2**20} MB 的限制"
    return None


def is_encrypted_ole(path: Path) -> bool:
    """True for an OLE container holding a password-encrypted Office package."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage")
    except (OSError, ValueError, TypeError):  # an unreadable OLE file is reported as .xls by the caller
        return False


def unusable_message(path: Path, what: str) -> str | None:
    """The Chinese message for a :func:`sniff` result that is not a workbook; None for "xlsx"."""
    name = path.name
    return {
        "missing": f"文件「{path}」不存在。",
        "folder": f"「{path}」是文件夹，不是 Excel 文件。",
        "io_error": f"文件「{name}」无法读取（权限或磁盘问题）。",
        "encrypted": f"文件「{name}」设置了打开密码，工具无法读取。请在 Excel/WPS 中「文件 → 信息 → 保护工作簿 → "
                     "用密码进行加密」清除密码后另存，再试。",
        "legacy_xls": f"文件「{name}」是旧版 .xls 格式：可运行 jixiao adopt {name} 导入为本模板的 .xlsx 后再评分，"
                      "或在 Excel/WPS 中另存为「Excel 工作簿 (*.xlsx)」后再试。",
        "not_zip": f"文件「{name}」不是 Excel 工作簿（.xlsx）：请确认文件类型，或用 Excel/WPS 打开后另存为 .xlsx。",
        "corrupt": f"文件「{name}」已损坏（压缩包结构不完整），无法打开。请重新保存或重新获取该文件。",
        "zip_not_excel": f"文件「{name}」是压缩包或其他 Office 文档，不是 Excel 工作簿。",
    }.get(what)


@contextmanager
def _merged_styles_kept(active: bool):
    """While loading, mark the cells of merged ranges as merged without re-deriving their borders."""
    if not active:
        yield
        return
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

    def keep_styles(ws, merged_range) -> None:
        cells = merged_range.cells
        next(cells)  # the first cell keeps its value
        for row, col in cells:
            old = ws._cells.get((row, col))
            cell = MergedCell(ws, row, col)
            if old is not None and old.has_style:
                cell._style = copy(old._style)
            ws._cells[row, col] = cell

    original = Worksheet._clean_merge_range
    Worksheet._clean_merge_range = keep_styles
    try:
        yield
    finally:
        Worksheet._clean_merge_range = original


def check_file_kind(path: str | Path) -> None:
    """Raise a clear error unless ``path`` is an .xlsx/.xlsm package within the size limits and free
    of document type declarations (:func:`doctype_part`)."""
    path = Path(path)
    message = unusable_message(path, sniff(path))
    if message:
        raise ToolkitError(message)
    too_large = package_limits(path)
    if too_large:
        raise ToolkitError(f"{too_large}，为防止卡死或耗尽内存，工具不读取它。"
                           "请确认文件来源；如确为正常文件，请在 Excel/WPS 中删除多余的行列和格式后另存再试。")
    with_doctype = doctype_part(path)
    if with_doctype:
        raise ToolkitError(damaged_message(path, f"部件 {with_doctype} 含文档类型声明 <!DOCTYPE>，Excel 工作簿中不应有；"
                                                 "为安全起见，工具不读取其中声明的实体"))


def damaged_message(path: str | Path, reason: str) -> str:
    """The one message for a damaged package, whichever command reads it (score, adopt, export,
    report, both readers of collect).

    >>> damaged_message("a.xlsx", "缺少部件 xl/styles.xml")
    '文件「a.xlsx」无法作为 Excel 工作簿读取（缺少部件 xl/styles.xml）。文件可能已损坏，请用 Excel/WPS 打开后重新保存。'
    """
    return f"文件「{Path(path).name}」无法作为 Excel 工作簿读取（{reason}）。文件可能已损坏，请用 Excel/WPS 打开后重新保存。"


def damage_reason(path: str | Path, exc: BaseException) -> str:
    """Why a reader failed on ``path``, for :func:`damaged_message`: the error, and the missing
    stylesheet when that is the cause (openpyxl then fails on the first styled cell with a bare
    IndexError).

    >>> damage_reason("samples/seed003_项目支出绩效自评表.xlsx", KeyError("x"))
    "KeyError：'x'"
    """
    reason = f"{type(exc).__name__}：{exc}"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return reason
    if "xl/styles.xml" not in names and isinstance(exc, (IndexError, KeyError, TypeError)):
        return f"缺少样式部件 xl/styles.xml，单元格引用的样式不存在；{reason}"
    return reason


# Parts parsed as XML by some reader. ECMA-376 Part 2 (Open Packaging Conventions) forbids a DTD
# in them and Excel refuses such a file; a DTD is where entities are declared (an entity
# expanding a billion times, or one naming a file of this computer), so a package holding one is
# refused before any reader parses it, and no entity is ever expanded.
XML_PART_SUFFIXES = (".xml", ".rels", ".vml")


class _PrologEnd(Exception):
    """Raised from a parser handler: the prolog of a part has been read."""


def doctype_part(path: str | Path) -> str | None:
    """The first XML part of the package that declares a document type (``<!DOCTYPE``), or None.
    Only each part's prolog is parsed (expat, any encoding), up to its root element.

    >>> doctype_part("samples/seed003_项目支出绩效自评表.xlsx") is None
    True
    """
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.lower().endswith(XML_PART_SUFFIXES) and _declares_doctype(archive, info):
                return info.filename
    return None


def _declares_doctype(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    found = []

    def doctype(*_args):
        found.append(True)
        raise _PrologEnd

    def root(*_args):
        raise _PrologEnd

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = doctype  # called before the internal subset is read
    parser.StartElementHandler = root
    try:
        with archive.open(info) as part:
            while True:
                chunk = part.read(4096)  # a prolog is a few hundred bytes: inflate no more than that
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    except _PrologEnd:
        pass
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        pass  # damage other than a DTD: the reader reports it with the part it is in
    return bool(found)


# Strict Open XML (ISO/IEC 29500 strict, Excel's 「Strict Open XML 电子表格」) names the same parts in
# other namespaces; openpyxl reads only the transitional ones. Each strict base maps to its
# transitional base (relationship types included, as they share the base).
STRICT_NAMESPACES = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships",
     b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"),
    (b"http://purl.oclc.org/ooxml/officeDocument/", b"http://schemas.openxmlformats.org/officeDocument/2006/"),
    (b"http://purl.oclc.org/ooxml/drawingml/chart", b"http://schemas.openxmlformats.org/drawingml/2006/chart"),
    (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
     b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"),
)


def is_strict(path: str | Path) -> bool:
    """Is the package a Strict Open XML workbook (its workbook part in the strict namespace)?"""
    try:
        with zipfile.ZipFile(path) as archive:
            head = archive.read("xl/workbook.xml")[:2000]
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return b"purl.oclc.org/ooxml/spreadsheetml/main" in head


def transitional_copy(path: str | Path):
    """A Strict Open XML workbook as an in-memory transitional package (the namespaces mapped, the
    ``conformance="strict"`` mark dropped), for readers that know only transitional; None when the
    package is transitional already.

    >>> transitional_copy("samples/seed003_项目支出绩效自评表.xlsx") is None
    True
    """
    if not is_strict(path):
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith((".xml", ".rels")):
                for strict, transitional in STRICT_NAMESPACES:
                    data = data.replace(strict, transitional)
                data = data.replace(b' conformance="strict"', b"")
            target.writestr(info, data)
    buffer.seek(0)
    return buffer


def open_workbook(path: str | Path, *, data_only: bool = True, keep_vba: bool | None = None,
                  keep_links: bool = True, read_only: bool = False, keep_merged_styles: bool = False):
    """Open with openpyxl after :func:`check_file_kind`; any failure becomes a ToolkitError.

    ``keep_vba`` defaults to "keep the macros of an .xlsm"; export passes False.
    ``keep_merged_styles`` keeps the style each cell of a merged range has in the file instead of
    letting openpyxl recompute the range's borders from its first cell — 70% of a full load, and
    the saved copy keeps the file's own styles (tests/test_performance.py checks the output).
    """
    from openpyxl import load_workbook

    path = Path(path)
    check_file_kind(path)
    if keep_vba is None:
        keep_vba = path.suffix.lower() == ".xlsm"
    try:
        source = transitional_copy(path) or path
        with warnings.catch_warnings(), _merged_styles_kept(keep_merged_styles):
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            return load_workbook(source, data_only=data_only, keep_vba=keep_vba, rich_text=False,
                                 keep_links=keep_links, read_only=read_only)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises dozens of types for damaged packages
        raise ToolkitError(damaged_message(path, damage_reason(path, exc))) from None
