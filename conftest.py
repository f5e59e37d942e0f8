"""Test-session settings shared by tests/ and the package doctests."""

import os

# xlwings' remote engine (used only by the tests of the Excel layer) runs under its PolyForm
# Noncommercial licence, which covers this project's government users; the clerk's own path is
# open-source xlwings over COM and needs no key.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
