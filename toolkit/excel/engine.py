"""What differs between the engines xlwings drives: the errors a call into Excel can raise, and
what one call can do.

* desktop Excel (``engine.name == "excel"``: COM on Windows, AppleScript on a Mac) — every
  property read or write is a round trip to Excel; ``Range.set_colors`` loops cell by cell
  there, but on Windows a multi-area range (``"H13,H15,J20"``) takes one colour in one call;
* xlwings' remote engine (xlwings Server, and the tests) — one recorded action per write, no
  multi-area ranges, ``set_colors`` in one action, no notes.

Example::

    >>> import os
    >>> _ = os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    >>> import xlwings as xw
    >>> book = xw.Book(json={"client": "VBA", "version": xw.__version__, "names": [],
    ...     "book": {"name": "a.xlsx", "active_sheet_index": 0, "selection": "A1"},
    ...     "sheets": [{"name": "Sheet1", "values": [["x"]], "pictures": [], "tables": []}]})
    >>> multi_area_colours(book), is_visible(book.sheets[0])
    (False, True)
"""

from __future__ import annotations

import sys


def _excel_errors() -> tuple[type[BaseException], ...]:
    """What a call into Excel can raise: COM errors on Windows (pywintypes.com_error), xlwings'
    own errors, and what the remote engine raises for what it cannot do."""
    errors: list[type[BaseException]] = [OSError, AttributeError, ValueError, TypeError, KeyError, IndexError,
                                         NotImplementedError, RuntimeError]
    try:
        from xlwings import XlwingsError
        errors.append(XlwingsError)
    except ImportError:
        pass
    try:
        from pywintypes import com_error  # Windows only
        errors.append(com_error)
    except ImportError:
        pass
    return tuple(errors)


EXCEL_ERRORS = _excel_errors()


def is_desktop(book) -> bool:
    """True for a workbook open in desktop Excel (each call a round trip to Excel)."""
    return book.app.engine.name == "excel"


def multi_area_colours(book) -> bool:
    """Colour (or embolden) many cells in one call through a multi-area range — desktop Excel on
    Windows, where COM takes ``Range("H13,H15:H16")``; elsewhere ``Range.set_colors`` over their
    bounding box: one action on the remote engine, one call per coloured cell on a Mac."""
    return is_desktop(book) and sys.platform.startswith("win")


def is_visible(sheet) -> bool:
    """The sheet's visibility; True for payloads without that information."""
    try:
        return bool(sheet.visible)
    except EXCEL_ERRORS:
        return True
