"""Entry of the 「导出报送」 button: the add-in ``jixiao_export.xlam`` runs ``jixiao_export.main()``.

Example::

    >>> callable(main)
    True
"""

from toolkit.excel.launch import lean


def main() -> None:
    """Export the open workbook for submission (message box if the exporter is not installed)."""
    lean("export_active")
