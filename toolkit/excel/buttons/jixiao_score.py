"""Entry of the 「计算得分」 button: the add-in ``jixiao_score.xlam`` runs ``jixiao_score.main()``.

xlwings' VBA ``RibbonMyAddin.RunMain`` imports the module named like the add-in file, so this
module's name must stay equal to the add-in's file stem (see ``toolkit/excel/ribbon.xml``; the add-in's settings put this folder on PYTHONPATH).

Example::

    >>> callable(main)
    True
"""

from toolkit.excel.launch import lean


def main() -> None:
    """Score the workbook the clerk has open, in place (same results as ``jixiao score``)."""
    lean("score_active")
