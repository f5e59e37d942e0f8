"""Workbooks as files: open and sniff them, see their sheets, resolve defined names, remember
what the tool wrote (the hidden meta sheet), plan cell edits and write them atomically.

Knows nothing about rules; imports only :mod:`toolkit.core`.
"""
