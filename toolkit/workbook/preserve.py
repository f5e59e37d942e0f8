"""Put back what openpyxl dropped: after a clerk's workbook is saved by openpyxl, every part of the
input package the tool did not ask to change is merged back into the saved package.

openpyxl models cells, styles, names, data validations, conditional formats, tables and comments,
and silently drops the rest: worksheet ``<extLst>`` (x14 data validations with cross-sheet lists,
x14 conditional formats, sparklines), drawings with shapes (a text box), header/footer pictures,
printer settings, form controls and OLE objects, custom XML, a thumbnail, the ribbon of an .xlsm,
workbook extensions (slicers), threaded comments… :func:`restore_parts` compares the two packages,
sheets matched by name (openpyxl renumbers parts), and writes back:

* per worksheet, every top-level element after ``<sheetData>`` that openpyxl lacks (``<extLst>``
  children are merged by ``uri``), its relationships and the parts they lead to;
* the sheet's drawing as the input has it (openpyxl's re-written copy of the same pictures and
  charts is dropped, as the tool never draws);
* the clerk's comments and VML shapes (notes, form controls) as the input has them, with the tool's
  own notes (:func:`toolkit.workbook.writer.is_tool_note`) put in, replaced or taken out — both
  survive on one sheet;
* the workbook's defined names and elements openpyxl lost, its unreferenced relationships
  (custom XML, connections, persons…), the package's (custom properties, thumbnail, ribbon) and
  the extended properties (company, manager) — their sheet list dropped when the sheets changed.

What is deliberately not put back: ``xl/calcChain.xml`` (its sheet ids may no longer match, which
makes Excel repair the file; Excel rebuilds it), a digital signature (it no longer matches the
edited content), external links the tool had to drop (flagged ``links_dropped``) and the macros
of an .xlsm scored to an .xlsx (flagged ``macros_dropped``). The tool's own sheets (「校验结果」 and
the meta sheet) are the tool's as written.

Only ``jixiao score`` (``-o`` and ``--in-place``) rewrites a clerk's workbook, so only it merges
back. ``jixiao adopt`` writes a new workbook from the template and never the source; ``jixiao
export`` writes a clean submission file on purpose (values of the form sheets only, no comments,
validations, drawings, macros or custom parts: what the bureau receives is what the fingerprint
covers).

Example::

    >>> import tempfile, pathlib, shutil
    >>> from openpyxl import load_workbook
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> source = folder / "in.xlsx"; saved = folder / "out.xlsx"
    >>> _ = shutil.copy("samples/seed003_项目支出绩效自评表.xlsx", source)
    >>> load_workbook(source).save(saved)
    >>> restore_parts(source, saved)
    []
"""

from __future__ import annotations

import posixpath
import re
import shutil
import tempfile
import zipfile
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from openpyxl.utils import get_column_letter

from toolkit.workbook.io import transitional_copy
from toolkit.workbook.writer import AUTHOR as TOOL_AUTHOR  # the author of the tool's own notes
from toolkit.workbook.writer import is_tool_note

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

# No DTD, no entity, no network: a package is untrusted input.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                          remove_blank_text=False)

# CT_Worksheet's children after <sheetData>, in schema order.
SHEET_TAIL_ORDER = ("sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                    "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                    "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                    "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
                    "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                    "webPublishItems", "tableParts", "extLst")
# What openpyxl models and the tool may change: the saved sheet's version is the truth, even when absent.
SHEET_MODELLED = {"sheetProtection", "protectedRanges", "autoFilter", "mergeCells", "conditionalFormatting",
                  "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                  "rowBreaks", "colBreaks", "tableParts", "legacyDrawing", "drawing"}
WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "AlternateContent", "workbookProtection", "bookViews",
                  "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
                  "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                  "fileRecoveryPr", "webPublishObjects", "extLst")
WORKBOOK_MODELLED = {"workbookPr", "workbookProtection", "bookViews", "sheets", "externalReferences",
                     "definedNames", "calcPr", "pivotCaches", "AlternateContent"}
# Relationships openpyxl writes itself (or the tool drops on purpose): never added a second time.
WORKBOOK_REL_MANAGED = {REL_TYPE + name for name in (
    "worksheet", "chartsheet", "styles", "theme", "sharedStrings", "calcChain", "externalLink",
    "pivotCacheDefinition")} | {"http://schemas.microsoft.com/office/2006/relationships/vbaProject"}
SHEET_REL_MANAGED = {REL_TYPE + name for name in (
    "comments", "vmlDrawing", "drawing", "table", "pivotTable", "hyperlink")}
PACKAGE_REL_MANAGED = {REL_TYPE + "officeDocument", REL_TYPE + "extended-properties",
                       "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                       REL_TYPE + "metadata/core-properties",  # LibreOffice's spelling ("officedocument")
                       REL_TYPE + "custom-properties"}
SIGNATURE_TYPES = ("digital-signature",)


@dataclass
class _Rel:
    id: str
    type: str
    target: str  # the part name (no leading slash) when internal, else the target as written
    external: bool = False


def _rels_name(part: str) -> str:
    """The relationships part of ``part`` (``xl/_rels/workbook.xml.rels``; ``_rels/.rels`` for the package)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


class _Package:
    """A zip package read lazily, with its changes kept aside until :meth:`write`."""

    def __init__(self, source):
        self.zip = zipfile.ZipFile(source)
        self.order = [info.filename for info in self.zip.infolist()]
        self.present = set(self.order)
        self.changed: dict[str, bytes] = {}
        self.removed: set[str] = set()
        types = etree.fromstring(self.zip.read("[Content_Types].xml"), _PARSER)
        self.defaults = {el.get("Extension", "").lower(): el.get("ContentType") for el in types
                         if etree.QName(el).localname == "Default"}
        self.overrides = {el.get("PartName", "").lstrip("/"): el.get("ContentType") for el in types
                          if etree.QName(el).localname == "Override"}
        self.types_changed = False
        self._rels: dict[str, list[_Rel]] = {}
        self._reach: set[str] | None = None

    def names(self) -> list[str]:
        return [name for name in self.order if name not in self.removed] + \
            [name for name in self.changed if name not in self.present and name not in self.removed]

    def has(self, name: str) -> bool:
        return name not in self.removed and (name in self.changed or name in self.present)

    def read(self, name: str) -> bytes:
        return self.changed[name] if name in self.changed else self.zip.read(name)

    def put(self, name: str, data: bytes) -> None:
        self.changed[name] = data
        self.removed.discard(name)
        self._rels.pop(name, None)
        self._reach = None

    def remove(self, name: str) -> None:
        self.removed.add(name)
        self.changed.pop(name, None)
        self._rels.pop(name, None)
        self._reach = None
        if self.overrides.pop(name, None) is not None:
            self.types_changed = True

    def content_type(self, name: str) -> str | None:
        return self.overrides.get(name) or self.defaults.get(posixpath.splitext(name)[1].lstrip(".").lower())

    def set_content_type(self, name: str, content_type: str | None) -> None:
        if content_type is None or self.content_type(name) == content_type:
            return
        extension = posixpath.splitext(name)[1].lstrip(".").lower()
        if extension and extension not in self.defaults and content_type != "application/xml":
            self.defaults[extension] = content_type
        else:
            self.overrides[name] = content_type
        self.types_changed = True

    def rels(self, part: str) -> list[_Rel]:
        name = _rels_name(part) if part else "_rels/.rels"
        if not self.has(name):
            return []
        if name in self._rels:
            return list(self._rels[name])
        folder = posixpath.dirname(part)
        found = []
        for el in etree.fromstring(self.read(name), _PARSER):
            target, external = el.get("Target", ""), el.get("TargetMode") == "External"
            if not external:
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(folder, target))
            found.append(_Rel(el.get("Id"), el.get("Type", ""), target, external))
        self._rels[name] = found
        return list(found)

    def set_rels(self, part: str, rels: list[_Rel]) -> None:
        root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
        for rel in rels:
            attrs = {"Id": rel.id, "Type": rel.type, "Target": rel.target if rel.external else "/" + rel.target}
            if rel.external:
                attrs["TargetMode"] = "External"
            etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship", attrs)
        name = _rels_name(part) if part else "_rels/.rels"
        if rels:
            self.put(name, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
        elif self.has(name):
            self.remove(name)

    def reachable(self) -> set[str]:
        """Every part reached from the package relationships (with their relationship parts)."""
        if self._reach is not None:
            return self._reach
        seen, todo = set(), [""]
        while todo:
            part = todo.pop()
            if part:
                seen.add(part)
            if self.has(_rels_name(part) if part else "_rels/.rels"):
                seen.add(_rels_name(part) if part else "_rels/.rels")
            for rel in self.rels(part):
                if not rel.external and rel.target not in seen and self.has(rel.target):
                    todo.append(rel.target)
        self._reach = seen
        return seen

    def write(self, path: Path) -> None:
        """Write the package to ``path``: unchanged parts are streamed from the source zip."""
        if self.types_changed:
            root = etree.Element(f"{{{CT_NS}}}Types", nsmap={None: CT_NS})
            for extension, content_type in self.defaults.items():
                etree.SubElement(root, f"{{{CT_NS}}}Default", Extension=extension, ContentType=content_type)
            for name, content_type in self.overrides.items():
                if self.has(name):
                    etree.SubElement(root, f"{{{CT_NS}}}Override", PartName="/" + name, ContentType=content_type)
            self.put("[Content_Types].xml", etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                           standalone=True))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name in self.names():
                if name in self.changed:
                    out.writestr(name, self.changed[name])
                else:
                    info = self.zip.getinfo(name)
                    entry = zipfile.ZipInfo(name, info.date_time)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    with self.zip.open(info) as source, out.open(entry, "w") as target:
                        shutil.copyfileobj(source, target, 1 << 20)


def restore_parts(source: str | Path, saved: str | Path, *, tool_sheets: set[str] = frozenset(),
                  keep_macros: bool | None = None) -> list[str]:
    """Merge back into the package at ``saved`` (openpyxl's output) what it lacks of ``source``.

    ``tool_sheets`` are the titles of sheets the tool writes wholly (its check and meta sheets);
    ``keep_macros`` (default: ``saved`` is an .xlsm) keeps macro parts. Returns the names of the
    parts put back (the package is rewritten only when there is something to put back).
    """
    saved = Path(saved)
    if keep_macros is None:
        keep_macros = saved.suffix.lower() == ".xlsm"
    strict = transitional_copy(source)
    original = _Package(strict or source)
    output = _Package(saved)
    merger = _Merger(original, output, set(tool_sheets), keep_macros)
    try:
        merger.run()
        if not merger.touched:
            return []
        with tempfile.NamedTemporaryFile(dir=saved.parent, suffix=".tmp", delete=False) as handle:
            tmp = Path(handle.name)
        try:
            output.write(tmp)
            output.zip.close()
            shutil.move(tmp, saved)
        finally:
            tmp.unlink(missing_ok=True)
    finally:
        original.zip.close()
        output.zip.close()
    return sorted(merger.restored)


def keep_clerk_parts(source: str | Path, saved: str | Path, *, tool_sheets: set[str] = frozenset(),
                     keep_macros: bool | None = None) -> str | None:
    """:func:`restore_parts` that never raises: None when done, else the Chinese reason the saved
    package was left as openpyxl wrote it (the caller flags it ``parts_not_kept``).

    >>> import tempfile, pathlib, shutil
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = shutil.copy("samples/seed003_项目支出绩效自评表.xlsx", folder / "in.xlsx")
    >>> _ = (folder / "out.xlsx").write_bytes(b"not a zip")
    >>> keep_clerk_parts(folder / "in.xlsx", folder / "out.xlsx")[:13]
    '文件「in.xlsx」中有'
    """
    try:
        restore_parts(source, saved, tool_sheets=tool_sheets, keep_macros=keep_macros)
    except (etree.Error, KeyError, ValueError, IndexError, zipfile.BadZipFile, OSError, UnicodeError) as exc:
        return (f"文件「{Path(source).name}」中有本工具读写时不保留的内容（如文本框、图片、图表、跨表下拉列表、迷你图、"
                f"打印机设置），把它们合并回输出文件时出错（{type(exc).__name__}）：输出文件可能缺少这些内容，原文件不变。"
                "请在原文件中核对这些内容，或把原文件发给技术支持。")
    return None


class _Merger:
    """One merge of an input package into openpyxl's output (see :func:`restore_parts`)."""

    def __init__(self, original: _Package, output: _Package, tool_sheets: set[str], keep_macros: bool):
        self.original, self.output = original, output
        self.tool_sheets, self.keep_macros = tool_sheets, keep_macros
        self.copied: dict[str, str] = {}  # input part → its name in the output
        self.restored: set[str] = set()
        self.touched = False
        self.claimed: set[str] = set()  # output names taken by parts put back
        self.live = output.reachable()  # openpyxl's parts, before any change
        self.dropped: set[str] = set()  # openpyxl's parts no longer related (its copy of what is put back)

    # -- parts -------------------------------------------------------------------------------

    def run(self) -> None:
        in_sheets, out_sheets = _sheet_parts(self.original), _sheet_parts(self.output)
        for title, in_part in in_sheets.items():
            if title in out_sheets and title not in self.tool_sheets and self.original.has(in_part):
                self._merge_sheet(in_part, out_sheets[title])
        self._merge_workbook(in_sheets, out_sheets)
        self._merge_package()
        self._collect_garbage()

    def transplant(self, part: str) -> str:
        """Copy input ``part`` (with every part it leads to) into the output; its output name."""
        if part in self.copied:
            return self.copied[part]
        data = self.original.read(part)
        name = self._free_name(part, data)
        self.copied[part] = name
        self.claimed.add(name)
        self.output.put(name, data)
        self.output.set_content_type(name, self.original.content_type(part))
        self.restored.add(name)
        self.touched = True
        rels = self.original.rels(part)
        if rels:
            mapped = [_Rel(rel.id, rel.type, rel.target if rel.external or not self.original.has(rel.target)
                          else self.transplant(rel.target), rel.external) for rel in rels]
            if all(new.target == old.target for new, old in zip(mapped, rels)):
                self.output.put(_rels_name(name), self.original.read(_rels_name(part)))  # as it was, byte for byte
            else:
                self.output.set_rels(name, mapped)
        elif self.output.has(_rels_name(name)):
            self.output.remove(_rels_name(name))
        return name

    def _free_name(self, part: str, data: bytes) -> str:
        """The input's own name unless a part the output keeps holds it (then ``name2.xml``, …)."""
        if not self._taken(part):
            return part
        stem, extension = posixpath.splitext(part)
        stem = re.sub(r"\d+$", "", stem)
        number = 1
        while self._taken(f"{stem}{number}{extension}"):
            number += 1
        return f"{stem}{number}{extension}"

    def _taken(self, name: str) -> bool:
        return name in self.claimed or self.output.has(name) and name in self.live and name not in self.dropped

    def _add_rel(self, owner: str, rel_type: str, target: str, external: bool = False) -> str:
        rels = self.output.rels(owner)
        used = {rel.id for rel in rels}
        number = len(rels) + 1
        while f"rId{number}" in used:
            number += 1
        rels.append(_Rel(f"rId{number}", rel_type, target, external))
        self.output.set_rels(owner, rels)
        self.touched = True
        return f"rId{number}"

    def _drop_rels(self, owner: str, ids: set[str]) -> None:
        rels = self.output.rels(owner)
        todo = [rel.target for rel in rels if rel.id in ids and not rel.external]
        while todo:  # what only openpyxl's dropped part led to (its charts, its pictures) goes with it
            target = todo.pop()
            if target not in self.dropped and target not in self.claimed:
                self.dropped.add(target)
                todo += [rel.target for rel in self.output.rels(target) if not rel.external]
        if any(rel.id in ids for rel in rels):
            self.output.set_rels(owner, [rel for rel in rels if rel.id not in ids])
            self.touched = True

    def _relink(self, element, in_owner: str, out_owner: str, mapping: dict[str, str]) -> None:
        """Give every relationship attribute of ``element`` (from ``in_owner``) an id of ``out_owner``."""
        in_rels = {rel.id: rel for rel in self.original.rels(in_owner)}
        for node in element.iter():
            if not isinstance(node.tag, str):
                continue
            for attr, value in list(node.attrib.items()):
                if not attr.startswith(f"{{{R_NS}}}") or value not in in_rels:
                    continue
                if value not in mapping:
                    rel = in_rels[value]
                    target = rel.target if rel.external else self.transplant(rel.target)
                    mapping[value] = self._add_rel(out_owner, rel.type, target, rel.external)
                node.set(attr, mapping[value])

    # -- worksheets --------------------------------------------------------------------------

    def _merge_sheet(self, in_part: str, out_part: str) -> None:
        in_data = self.original.read(in_part)
        out_data = self.output.read(out_part)
        in_root, _, _ = _sheet_tail(in_data)
        out_root, out_head, closing = _sheet_tail(out_data)
        if in_root is None or out_root is None:
            return
        mapping: dict[str, str] = {}
        in_children = [child for child in in_root if isinstance(child.tag, str)]
        out_children = [child for child in out_root if isinstance(child.tag, str)]
        changed = False
        referenced = {value for child in in_children for node in child.iter() if isinstance(node.tag, str)
                      for attr, value in node.attrib.items() if attr.startswith(f"{{{R_NS}}}")}
        out_tags = {_tag(child) for child in out_children}
        for child in in_children:
            tag = _tag(child)
            if tag == "drawing":
                changed |= self._keep_drawing(child, in_part, out_part, out_children, mapping)
            elif tag == "legacyDrawing":
                changed |= self._merge_notes(child, in_part, out_part, out_children, mapping)
            elif tag == "pageSetup":
                changed |= self._keep_printer_settings(child, in_part, out_part, out_children, mapping)
            elif tag == "extLst" and "extLst" in out_tags:
                changed |= self._merge_extensions(child, next(c for c in out_children if _tag(c) == "extLst"),
                                                  in_part, out_part, mapping)
            elif tag not in out_tags and tag not in SHEET_MODELLED:
                self._relink(child, in_part, out_part, mapping)
                _insert(out_children, child, SHEET_TAIL_ORDER, [_tag(c) for c in in_children])
                changed = True
        for rel in self.original.rels(in_part):  # related, yet named nowhere in the sheet (threaded comments)
            if rel.id not in referenced and not _managed(rel, SHEET_REL_MANAGED) and not rel.external \
                    and rel.type != REL_TYPE + "printerSettings" and self.original.has(rel.target) \
                    and not any(SIGNATURE in rel.type for SIGNATURE in SIGNATURE_TYPES):
                self._add_rel(out_part, rel.type, self.transplant(rel.target))
        if changed:
            body = b"".join(etree.tostring(child) for child in out_children)
            self.output.put(out_part, out_head + body + closing)
            self.touched = True

    def _keep_drawing(self, element, in_part, out_part, out_children, mapping) -> bool:
        """The input's drawing (shapes, pictures, charts) replaces openpyxl's re-written copy."""
        mine = [child for child in out_children if _tag(child) == "drawing"]
        in_rel = {rel.id: rel for rel in self.original.rels(in_part)}.get(element.get(f"{{{R_NS}}}id"))
        if in_rel is None or in_rel.external or not self.original.has(in_rel.target):
            return False
        for child in mine:
            self._drop_rels(out_part, {child.get(f"{{{R_NS}}}id")})
            out_children.remove(child)
        element = _copy(element)
        self._relink(element, in_part, out_part, mapping)
        _insert(out_children, element, SHEET_TAIL_ORDER, None)
        return True

    def _keep_printer_settings(self, element, in_part, out_part, out_children, mapping) -> bool:
        rid = element.get(f"{{{R_NS}}}id")
        mine = next((child for child in out_children if _tag(child) == "pageSetup"), None)
        if not rid or mine is None or mine.get(f"{{{R_NS}}}id"):
            return False
        holder = etree.Element("holder", nsmap={"r": R_NS})
        holder.set(f"{{{R_NS}}}id", rid)
        self._relink(holder, in_part, out_part, mapping)
        mine.set(f"{{{R_NS}}}id", holder.get(f"{{{R_NS}}}id"))
        return True

    def _merge_extensions(self, element, mine, in_part, out_part, mapping) -> bool:
        known = {ext.get("uri") for ext in mine}
        added = False
        for ext in element:
            if isinstance(ext.tag, str) and ext.get("uri") not in known:
                ext = _copy(ext)
                self._relink(ext, in_part, out_part, mapping)
                mine.append(ext)
                added = True
        return added

    # -- comments and VML --------------------------------------------------------------------

    def _merge_notes(self, element, in_part, out_part, out_children, mapping) -> bool:
        """The clerk's comments and VML shapes as the input has them, with the tool's notes merged in."""
        in_rels = self.original.rels(in_part)
        vml_rel = {rel.id: rel for rel in in_rels}.get(element.get(f"{{{R_NS}}}id"))
        if vml_rel is None or vml_rel.external or not self.original.has(vml_rel.target):
            return False
        in_comments = next((rel.target for rel in in_rels if rel.type == REL_TYPE + "comments"
                            and self.original.has(rel.target)), None)
        out_rels = self.output.rels(out_part)
        out_comments = next((rel.target for rel in out_rels if rel.type == REL_TYPE + "comments"), None)
        out_vml = next((rel for rel in out_rels if rel.type == REL_TYPE + "vmlDrawing"), None)
        before = _comments(self.original.read(in_comments)) if in_comments else {}
        after = _comments(self.output.read(out_comments)) if out_comments and self.output.has(out_comments) else {}
        tool_refs = {ref for ref, (author, text, _) in [*before.items(), *after.items()] if is_tool_note(author, text)}
        unchanged = all(before.get(ref, (None, None))[:2] == after.get(ref, (None, None))[:2] for ref in tool_refs)
        # openpyxl's comments and VML for this sheet go; the input's (merged) take their place.
        self._drop_rels(out_part, {rel.id for rel in out_rels if rel.type in (REL_TYPE + "comments",
                                                                              REL_TYPE + "vmlDrawing")})
        for child in [child for child in out_children if _tag(child) == "legacyDrawing"]:
            out_children.remove(child)
        if unchanged:
            vml_name = self.transplant(vml_rel.target)
            if in_comments:
                self._add_rel(out_part, REL_TYPE + "comments", self.transplant(in_comments))
        else:
            vml_text = self.original.read(vml_rel.target).decode("utf-8", "replace")
            out_vml_text = self.output.read(out_vml.target).decode("utf-8", "replace") if out_vml else ""
            vml_text = _merge_vml(vml_text, out_vml_text, tool_refs, {ref for ref in tool_refs if ref in after})
            comments = _merge_comments(self.original.read(in_comments) if in_comments else None,
                                       self.output.read(out_comments) if out_comments else None, tool_refs)
            if comments is None and not _VML_SHAPE.search(vml_text):
                return True  # the tool's notes were all there was: no legacy drawing any more
            vml_name = self.transplant(vml_rel.target)
            self.output.put(vml_name, vml_text.encode("utf-8"))
            if comments is not None:
                name = self.transplant(in_comments) if in_comments else out_comments
                if not in_comments:
                    self.claimed.add(name)
                self.output.put(name, comments)
                self.output.set_content_type(
                    name, "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml")
                self._add_rel(out_part, REL_TYPE + "comments", name)
        rid = self._add_rel(out_part, REL_TYPE + "vmlDrawing", vml_name)
        mapping[element.get(f"{{{R_NS}}}id")] = rid
        element = _copy(element)
        self._relink(element, in_part, out_part, mapping)
        _insert(out_children, element, SHEET_TAIL_ORDER, None)
        return True

    # -- workbook and package ----------------------------------------------------------------

    def _merge_workbook(self, in_sheets: dict[str, str], out_sheets: dict[str, str]) -> None:
        in_book, out_book = _workbook_part(self.original), _workbook_part(self.output)
        in_root = etree.fromstring(self.original.read(in_book), _PARSER)
        out_root = etree.fromstring(self.output.read(out_book), _PARSER)
        in_titles, out_titles = list(in_sheets), list(out_sheets)
        changed = self._merge_names(in_root, out_root, in_titles, out_titles)
        in_order = [_tag(c) for c in in_root if isinstance(c.tag, str)]
        out_tags = {_tag(c) for c in out_root if isinstance(c.tag, str)}
        mapping: dict[str, str] = {}
        for child in [c for c in in_root if isinstance(c.tag, str)]:
            tag = _tag(child)
            if tag == "extLst" and "extLst" in out_tags:
                changed |= self._merge_extensions(child, next(c for c in out_root if _tag(c) == "extLst"),
                                                  in_book, out_book, mapping)
            elif tag not in out_tags and tag not in WORKBOOK_MODELLED:
                child = _copy(child)
                self._relink(child, in_book, out_book, mapping)
                children = [c for c in out_root if isinstance(c.tag, str)]
                _insert(children, child, WORKBOOK_ORDER, in_order)
                for c in list(out_root):
                    out_root.remove(c)
                out_root.extend(children)
                changed = True
        referenced = {value for node in in_root.iter() if isinstance(node.tag, str)
                      for attr, value in node.attrib.items() if attr.startswith(f"{{{R_NS}}}")}
        for rel in self.original.rels(in_book):
            if rel.id in referenced or _managed(rel, WORKBOOK_REL_MANAGED) or rel.external \
                    or not self.original.has(rel.target):
                continue
            self._add_rel(out_book, rel.type, self.transplant(rel.target))
        theme = next((rel for rel in self.original.rels(in_book) if rel.type == REL_TYPE + "theme"), None)
        out_theme = next((rel for rel in self.output.rels(out_book) if rel.type == REL_TYPE + "theme"), None)
        if theme and out_theme and self.original.has(theme.target) and \
                self.output.read(out_theme.target) != self.original.read(theme.target):
            self.output.put(out_theme.target, self.original.read(theme.target))
            self.restored.add(out_theme.target)
            self.touched = True
        if changed:
            self.output.put(out_book, etree.tostring(out_root, xml_declaration=True, encoding="UTF-8",
                                                     standalone=True))
            self.touched = True

    def _merge_names(self, in_root, out_root, in_titles: list[str], out_titles: list[str]) -> bool:
        """Defined names openpyxl lost, their sheet scope mapped by the sheet's title."""
        in_names = _find(in_root, "definedNames")
        if in_names is None:
            return False
        out_names = _find(out_root, "definedNames")
        have = set()
        for el in ([] if out_names is None else out_names):
            if isinstance(el.tag, str):
                local = el.get("localSheetId")
                scope = out_titles[int(local)] if local and local.isdigit() and int(local) < len(out_titles) else None
                have.add((el.get("name", "").lower(), scope))
        added = []
        for el in in_names:
            if not isinstance(el.tag, str):
                continue
            local = el.get("localSheetId")
            scope = None
            if local is not None:
                if not local.isdigit() or int(local) >= len(in_titles):
                    continue
                scope = in_titles[int(local)]
                if scope not in out_titles or scope in self.tool_sheets:
                    continue
            if (el.get("name", "").lower(), scope) in have or scope is not None and el.get("name", "").lower() in (
                    "_xlnm.print_area", "_xlnm.print_titles"):  # openpyxl models them and the tool sets them
                continue
            el = _copy(el)
            if scope is not None:
                el.set("localSheetId", str(out_titles.index(scope)))
            added.append(el)
        if not added:
            return False
        if out_names is None:
            out_names = etree.Element(f"{{{MAIN_NS}}}definedNames")
            children = [c for c in out_root if isinstance(c.tag, str)]
            _insert(children, out_names, WORKBOOK_ORDER, None)
            for c in list(out_root):
                out_root.remove(c)
            out_root.extend(children)
        for el in added:
            el.tag = f"{{{MAIN_NS}}}definedName"
            out_names.append(el)
        return True

    def _merge_package(self) -> None:
        out_rels = self.output.rels("")
        for rel in self.original.rels(""):
            if rel.external or not self.original.has(rel.target) or any(s in rel.type for s in SIGNATURE_TYPES):
                continue
            mine = next((r for r in out_rels if r.type == rel.type and self.output.has(r.target)), None)
            if rel.type == REL_TYPE + "custom-properties" and mine:
                if self.output.read(mine.target) != self.original.read(rel.target):  # not the tool's to change
                    self.output.put(mine.target, self.original.read(rel.target))
                    self.restored.add(mine.target)
                    self.touched = True
                continue
            if rel.type.endswith("/ui/extensibility") and not self.keep_macros:
                continue  # a ribbon calls macros an .xlsx no longer has
            if _managed(rel, PACKAGE_REL_MANAGED) and rel.type != REL_TYPE + "custom-properties":
                if rel.type == REL_TYPE + "extended-properties":
                    self._keep_extended_properties(rel.target, out_rels)
                continue
            self._add_rel("", rel.type, self.transplant(rel.target))
        live = self.output.reachable()
        reached = self.original.reachable()
        orphans = [name for name in self.original.names() if name != "[Content_Types].xml"
                   and not name.endswith(".rels") and name not in reached]
        # parts no relationship leads to (a writer's broken target): kept as they were, with their own
        orphans += [_rels_name(name) for name in orphans if self.original.has(_rels_name(name))]
        for name in orphans:
            if self.output.has(name) and name in live:
                continue
            if name.startswith("xl/calcChain") or "vbaProject" in name and not self.keep_macros:
                continue
            self.output.put(name, self.original.read(name))
            if not name.endswith(".rels"):
                self.output.set_content_type(name, self.original.content_type(name))
            self.claimed.add(name)
            self.restored.add(name)
            self.touched = True

    def _keep_extended_properties(self, in_part: str, out_rels: list[_Rel]) -> None:
        """Company, manager… as the input has them; its list of sheet names only while it is still true."""
        mine = next((r for r in out_rels if r.type == REL_TYPE + "extended-properties"), None)
        if mine is None or not self.output.has(mine.target):
            return
        data = self.original.read(in_part)
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError:
            return
        titles = _find(root, "TitlesOfParts")
        listed = [t.text for t in titles.iter(f"{{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}}lpstr")] \
            if titles is not None else None
        out_sheets = list(_sheet_parts(self.output))
        if listed is not None and listed != out_sheets:
            for tag in ("HeadingPairs", "TitlesOfParts"):
                found = _find(root, tag)
                if found is not None:
                    root.remove(found)
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        if self.output.read(mine.target) != data:
            self.output.put(mine.target, data)
            self.restored.add(mine.target)
            self.touched = True

    def _collect_garbage(self) -> None:
        """Parts no relationship leads to any more (openpyxl's copies of what was put back) go."""
        if not self.touched:
            return
        live = self.output.reachable() | self.claimed | {"[Content_Types].xml"}
        for name in self.output.names():
            if name not in live and not (name.endswith(".rels") and name != "_rels/.rels"
                                         and _owner(name) in live):
                self.output.remove(name)
                self.output.types_changed = True


# -- helpers -----------------------------------------------------------------------------------

def _managed(rel: _Rel, types: set[str]) -> bool:
    """Is the relationship of one of ``types`` (compared without case: writers differ in
    ``officeDocument`` / ``officedocument``)?"""
    return rel.type.lower() in {kind.lower() for kind in types}


def _tag(element) -> str:
    """The local name, an ``mc:AlternateContent`` named by what it holds (``controls``, ``oleObjects``)."""
    name = etree.QName(element).localname
    if name == "AlternateContent":
        for choice in element:
            for inner in choice:
                if isinstance(inner.tag, str):
                    return etree.QName(inner).localname
    return name


def _copy(element):
    return deepcopy(element)


def _find(root, local: str):
    return next((child for child in root if isinstance(child.tag, str) and etree.QName(child).localname == local),
                None)


def _insert(children: list, element, order: tuple[str, ...], in_order: list[str] | None) -> None:
    """Put ``element`` into ``children`` at its schema position (an unknown element after the element
    that came before it in the input)."""
    tag = _tag(element)
    if tag in order:
        rank = order.index(tag)
        position = next((i for i, child in enumerate(children) if _tag(child) in order
                         and order.index(_tag(child)) > rank), len(children))
    else:
        before = in_order[:in_order.index(tag)] if in_order and tag in in_order else []
        position = max((i + 1 for i, child in enumerate(children) if _tag(child) in before), default=len(children))
        if "extLst" in [_tag(c) for c in children[:position]]:
            position = [_tag(c) for c in children].index("extLst")
    children.insert(position, element)


def _owner(rels: str) -> str:
    folder, name = posixpath.split(rels)
    return posixpath.join(posixpath.dirname(folder), name.removesuffix(".rels"))


def _workbook_part(package: _Package) -> str:
    return next((rel.target for rel in package.rels("") if rel.type == REL_TYPE + "officeDocument"),
                "xl/workbook.xml")


def _sheet_parts(package: _Package) -> dict[str, str]:
    """Sheet title → its part, in workbook order."""
    book = _workbook_part(package)
    targets = {rel.id: rel.target for rel in package.rels(book)}
    root = etree.fromstring(package.read(book), _PARSER)
    sheets = _find(root, "sheets")
    return {} if sheets is None else {
        el.get("name"): targets.get(el.get(f"{{{R_NS}}}id"), "") for el in sheets if isinstance(el.tag, str)}


_SHEET_DATA_END = re.compile(rb"</(?:[\w.-]+:)?sheetData\s*>|<(?:[\w.-]+:)?sheetData\s*/>")
_ROOT_START = re.compile(rb"<(?:[\w.-]+:)?worksheet\b[^>]*>")
_ROOT_END = re.compile(rb"</(?:[\w.-]+:)?worksheet\s*>\s*$")


def _sheet_tail(data: bytes):
    """The sheet's elements after ``<sheetData>`` parsed alone (a 30 MB sheet's cells are never
    parsed): (root holding them, the bytes up to the end of sheetData, the closing tag)."""
    root_start = _ROOT_START.search(data, 0, 65536)
    end = data.rfind(b"sheetData")
    match = _SHEET_DATA_END.search(data, max(end - 64, 0)) if end >= 0 else None
    closing = _ROOT_END.search(data, max(len(data) - 256, 0))
    if not root_start or not match or not closing:
        return None, b"", b""
    tail = data[match.end():closing.start()]
    try:
        root = etree.fromstring(root_start.group() + tail + closing.group().strip(), _PARSER)
    except etree.XMLSyntaxError:
        return None, b"", b""
    return root, data[:match.end()], data[closing.start():]


def _comments(data: bytes) -> dict[str, tuple[str, str, object]]:
    """Cell → (author, plain text, element) of a comments part."""
    root = etree.fromstring(data, _PARSER)
    authors = [(a.text or "") for a in root.iter(f"{{{MAIN_NS}}}author")]
    found = {}
    for comment in root.iter(f"{{{MAIN_NS}}}comment"):
        index = comment.get("authorId", "0")
        author = authors[int(index)] if index.isdigit() and int(index) < len(authors) else ""
        text = "".join(t.text or "" for t in comment.iter(f"{{{MAIN_NS}}}t"))
        found[comment.get("ref")] = (author, text, comment)
    return found


def _merge_comments(before: bytes | None, after: bytes | None, tool_refs: set[str]) -> bytes | None:
    """The input's comments part with the tool's notes (from openpyxl's ``after``) in place of its old ones."""
    if before is None and after is None:
        return None
    base = etree.fromstring(before if before is not None else after, _PARSER)
    authors = base.find(f"{{{MAIN_NS}}}authors")
    if authors is None:
        authors = etree.Element(f"{{{MAIN_NS}}}authors")
        base.insert(0, authors)
    listing = base.find(f"{{{MAIN_NS}}}commentList")
    if listing is None:
        listing = etree.SubElement(base, f"{{{MAIN_NS}}}commentList")
    for comment in list(listing):
        if comment.get("ref") in tool_refs:
            listing.remove(comment)
    names = [a.text or "" for a in authors]
    if before is None:
        return after  # the clerk had no comment here: every comment is the tool's, as openpyxl wrote it
    if after is not None:
        for ref, (author, text, comment) in _comments(after).items():
            if ref in tool_refs and is_tool_note(author, text):
                if TOOL_AUTHOR not in names:
                    etree.SubElement(authors, f"{{{MAIN_NS}}}author").text = TOOL_AUTHOR
                    names.append(TOOL_AUTHOR)
                comment.set("authorId", str(names.index(TOOL_AUTHOR)))
                listing.append(comment)
    if not len(listing):
        return None
    ordered = sorted(listing, key=lambda c: _cell_key(c.get("ref", "")))
    for comment in ordered:
        listing.append(comment)  # Excel writes them by row: keep that order
    return etree.tostring(base, xml_declaration=True, encoding="UTF-8", standalone=True)


def _cell_key(ref: str) -> tuple[int, int]:
    match = re.match(r"([A-Z]+)(\d+)", ref)
    if not match:
        return (0, 0)
    column = 0
    for letter in match[1]:
        column = column * 26 + ord(letter) - 64
    return int(match[2]), column


_VML_SHAPE = re.compile(r"<(?P<p>[\w.-]+:)?shape\b(?P<attrs>[^>]*?)(?:/>|>.*?</(?P=p)shape\s*>)", re.S)
_VML_SHAPETYPE = re.compile(r"<(?P<p>[\w.-]+:)?shapetype\b[^>]*?(?:/>|>.*?</(?P=p)shapetype\s*>)", re.S)
_VML_ROW = re.compile(r"<(?:[\w.-]+:)?Row>\s*(\d+)\s*</(?:[\w.-]+:)?Row>")
_VML_COLUMN = re.compile(r"<(?:[\w.-]+:)?Column>\s*(\d+)\s*</(?:[\w.-]+:)?Column>")
_VML_ID = re.compile(r"_x0000_s(\d+)")


def _note_ref(shape: str) -> str | None:
    """The cell a VML note shape belongs to (None for any other shape: a control, a picture)."""
    if 'ObjectType="Note"' not in shape:
        return None
    row, column = _VML_ROW.search(shape), _VML_COLUMN.search(shape)
    if not row or not column:
        return None
    return f"{get_column_letter(int(column[1]) + 1)}{int(row[1]) + 1}"


def _merge_vml(text: str, tool_text: str, tool_refs: set[str], tool_notes: set[str]) -> str:
    """The input's VML (Excel writes it as loose HTML-like XML, so it is edited as text) without the
    shapes of the tool's old notes, with those of its new notes from openpyxl's VML."""
    kept = _VML_SHAPE.sub(lambda m: "" if _note_ref(m.group()) in tool_refs else m.group(), text)
    new = [m.group() for m in _VML_SHAPE.finditer(tool_text) if _note_ref(m.group()) in tool_notes]
    if not new:
        return kept
    if not re.search(r'id="_x0000_t202"', kept):  # the note shape type, when the input VML had no note
        shapetype = _VML_SHAPETYPE.search(tool_text)
        if shapetype:
            new.insert(0, shapetype.group())
    number = max([int(n) for n in _VML_ID.findall(kept)] + [1024])
    renumbered = []
    for shape in new:
        if "shapetype" in shape[:20]:
            renumbered.append(shape)
            continue
        number += 1
        renumbered.append(_VML_ID.sub(f"_x0000_s{number}", shape))
    closing = kept.rfind("</xml>")
    if closing < 0:
        return kept + "".join(renumbered)
    return kept[:closing] + "".join(renumbered) + kept[closing:]
