"""Counting the calls the toolkit makes into Excel through xlwings (the proxy for COM round trips).

Every property read or write and every method call that code in ``toolkit`` makes on an xlwings
object is counted and sorted into:

* **reads** — what moves cell contents, formats, names or state from Excel to Python
  (``Range.value``, ``Range.number_format``, ``Name.refers_to`` …);
* **writes** — what changes the workbook (``Range.value = …``, ``set_colors``, ``Range.color = …``,
  formatting, notes, adding/clearing sheets, the message box …);
* **lookups** — what finds a sheet or range before a read or write (``book.sheets``, ``sheet.name``,
  ``sheet.range(…)``, ``sheet.used_range``, ``Range.address``, ``sheet.book`` …). On Windows each
  is one more COM call; they are reported, and bounded separately;
* calls that never leave Python in any engine (``Range.options``, ``App.engine``) are not counted.

Reads and writes are what the issue's budget counts ("one bulk read per sheet; writes grouped");
reads + writes + lookups estimate the COM calls of a press on Windows.

Usage::

    with CallCounter() as calls:
        xl.run_score(book)
    calls.reads, calls.writes, calls.lookups
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections import Counter

from xlwings import main as xw_main

CLASSES = ("App", "Book", "Books", "Sheet", "Sheets", "Range", "RangeColumns", "RangeRows", "Name", "Names", "Note", "Font")
FREE = {"Range.options", "App.engine"}
LOOKUPS = {"Book.sheets", "Sheets.__iter__", "Sheets.__call__", "Sheets.__getitem__", "Sheets.__len__",
           "Sheet.name", "Sheet.range", "Sheet.used_range", "Sheet.book", "Sheet.names", "Sheet.index",
           "Book.app", "Book.name", "Book.fullname", "Range.address", "Range.sheet", "Range.font",
           "Range.__call__", "Range.columns", "Range.rows", "Names.__iter__", "Names.__len__", "App.books",
           "Books.active"}
READ_PROPERTIES = {"Range.value", "Range.number_format", "Range.note", "Name.name", "Name.refers_to",
                   "Sheet.visible", "App.screen_updating", "Range.formula", "Range.color"}


def _caller_is_toolkit() -> bool:
    frame = sys._getframe(2)
    return frame.f_globals.get("__name__", "").startswith("toolkit")


class CallCounter:
    """Patch xlwings' API classes for the duration of a ``with`` block and count the toolkit's calls."""

    def __init__(self):
        self.calls: Counter = Counter()
        self._saved: list[tuple[type, str, object]] = []

    def _wrap(self, key: str, function):
        counter = self.calls

        @functools.wraps(function)
        def counted(*args, **kwargs):
            if _caller_is_toolkit():
                counter[key] += 1
            return function(*args, **kwargs)
        return counted

    def __enter__(self) -> "CallCounter":
        for class_name in CLASSES:
            cls = getattr(xw_main, class_name, None)
            if cls is None:
                continue
            for name, attr in list(vars(cls).items()):
                if name.startswith("_") and name not in ("__iter__", "__len__", "__call__", "__getitem__"):
                    continue
                key = f"{class_name}.{name}"
                if isinstance(attr, property):
                    new = property(attr.fget and self._wrap(key, attr.fget),
                                   attr.fset and self._wrap(key + "=", attr.fset))
                elif inspect.isfunction(attr):
                    new = self._wrap(key, attr)
                else:
                    continue
                self._saved.append((cls, name, attr))
                setattr(cls, name, new)
        return self

    def __exit__(self, *exc) -> None:
        for cls, name, attr in reversed(self._saved):
            setattr(cls, name, attr)
        self._saved.clear()

    def _kind(self, key: str) -> str:
        if key in FREE:
            return "free"
        if key in LOOKUPS:
            return "lookup"
        if key in READ_PROPERTIES:
            return "read"
        return "write"

    def total(self, kind: str) -> int:
        return sum(count for key, count in self.calls.items() if self._kind(key) == kind)

    @property
    def reads(self) -> int:
        return self.total("read")

    @property
    def writes(self) -> int:
        return self.total("write")

    @property
    def lookups(self) -> int:
        return self.total("lookup")

    def by_kind(self, kind: str) -> dict[str, int]:
        return {key: count for key, count in sorted(self.calls.items()) if self._kind(key) == kind}
