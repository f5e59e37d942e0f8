"""绩效自评工具箱 (jixiao-toolkit): score China's budget performance self-evaluation forms.

The data flows one way::

    workbook --forms/*/reader--> model --forms/*/scoring(profile)--> results --workbook/edits--> cell edits
             --workbook/writer (openpyxl) or excel/xl (xlwings)--> workbook

Layers, bottom up (nothing imports upward): :mod:`toolkit.core` (rules and values, no Excel),
:mod:`toolkit.workbook` (files and sheets, no rules), :mod:`toolkit.forms` (one subpackage per
form kind and the registry), :mod:`toolkit.service` and :mod:`toolkit.report`, then
:mod:`toolkit.submission`, :mod:`toolkit.excel` and the command line.
"""

__version__ = "0.2.0"
