"""How a button press starts: lean. A press is a fresh Python process that never needs pandas or
numpy, yet ``import xlwings`` imports both whenever they are installed (about half a second before
any work) — so they are kept out while the button runs.

Example::

    >>> lean("about_text") .startswith("绩效自评工具箱")
    True
"""

from __future__ import annotations

import sys

UNUSED_ON_A_PRESS = ("pandas", "numpy")


def lean(button: str) -> object:
    """Import the Excel layer and run its function ``button`` (e.g. ``score_active``) with pandas
    and numpy kept out — openpyxl and xlwings import them at import time when installed, hence the
    import happens here, not when the button module is loaded. Placeholders are removed afterwards,
    so the rest of a longer-lived process (the UDF server, the tests) is unaffected."""
    blocked = [name for name in UNUSED_ON_A_PRESS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # "import pandas" now raises ImportError, which both libraries handle
    try:
        from toolkit.excel import xl

        return getattr(xl, button)()
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
