"""Write a workbook as Strict Open XML (ISO/IEC 29500 strict namespaces, as Excel's 「Strict Open XML
电子表格」 saves it), by mapping a transitional package's namespaces the other way.

    python tests/data/strict/make_strict.py IN.xlsx OUT.xlsx
"""

import sys
import zipfile

from toolkit.workbook.io import STRICT_NAMESPACES

# transitional → strict: the reader's own mapping, inverted (most specific first, as there)
TO_STRICT = tuple((transitional, strict) for strict, transitional in STRICT_NAMESPACES)


def make_strict(source: str, target: str) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith((".xml", ".rels")) and not info.filename.startswith("docProps/"):
                for transitional, strict in TO_STRICT:
                    data = data.replace(transitional, strict)
                if info.filename == "xl/workbook.xml":
                    data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            out.writestr(info, data)


if __name__ == "__main__":
    make_strict(sys.argv[1], sys.argv[2])
