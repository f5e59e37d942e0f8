"""Entry of the 「导出报送」 button: the add-in ``jixiao_export.xlam`` runs ``jixiao_export.main()``.

Example::

    >>> callable(main)
    True
"""

from toolkit.excel.xl import export_active


def main() -> None:
    """Export the open workbook for submission (message box if the exporter is not installed)."""
    export_active()
