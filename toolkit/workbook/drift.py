"""Drift of committed workbooks (templates, samples): build afresh, compare part by part.

Example::

    >>> import tempfile, pathlib
    >>> from toolkit.forms.project.builds import build_templates
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = build_templates(out)
    >>> check_against_code(out, build_templates, "jixiao template build")
    []
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError, canonicalize

# Parts that legitimately differ between two builds (the save timestamp).
VOLATILE_PARTS = {"docProps/core.xml"}


def check_against_code(folder: Path, builder, hint: str) -> list[str]:
    """Build with ``builder(tmp_dir)`` and compare each file with its namesake in ``folder``."""
    with tempfile.TemporaryDirectory() as tmp:
        problems = []
        for fresh in builder(Path(tmp)):
            committed = Path(folder) / fresh.name
            if not committed.exists():
                problems.append(f"缺少 {committed}：请运行 {hint}")
                continue
            problems += [f"{committed}：{line}" for line in diff_packages(committed, fresh)]
        return problems


def diff_packages(a: Path, b: Path) -> list[str]:
    """Compare two .xlsx packages part by part, ignoring volatile parts."""
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names_a = set(za.namelist()) - VOLATILE_PARTS
        names_b = set(zb.namelist()) - VOLATILE_PARTS
        lines = [f"多出部件 {n}" for n in sorted(names_a - names_b)]
        lines += [f"缺少部件 {n}" for n in sorted(names_b - names_a)]
        lines += [f"部件内容不同 {n}" for n in sorted(names_a & names_b)
                  if _part_content(n, za.read(n)) != _part_content(n, zb.read(n))]
    return lines


def _part_content(name: str, data: bytes) -> bytes:
    """What a part says: XML in canonical form (C14N), so the serialiser openpyxl happens to use
    (lxml when installed, the standard library otherwise) does not count as drift; other parts
    byte for byte.

    >>> _part_content("a.xml", b'<a x="1" />') == _part_content("a.xml", b"<a x='1'></a>")
    True
    """
    if not name.endswith((".xml", ".rels")):
        return data
    try:
        return canonicalize(data.decode("utf-8")).encode("utf-8")
    except (ParseError, UnicodeDecodeError):
        return data
