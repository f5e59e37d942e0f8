"""Entry of the 「生成报告」 button: the add-in ``jixiao_report.xlam`` runs ``jixiao_report.main()``.

Example::

    >>> callable(main)
    True
"""

from toolkit.excel.launch import lean


def main() -> None:
    """Draft the Word 自评报告 of the open workbook beside it (same as ``jixiao report``)."""
    lean("report_active")
