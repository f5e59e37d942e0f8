"""绩效自评工具箱 (jixiao-toolkit): score China's budget performance self-evaluation forms.

The data flows one way::

    workbook --reader--> model --scoring(profile)--> result --edits--> cell edits --writer--> workbook

The scoring engine (``toolkit.forms.project.scoring``) knows nothing about Excel; the Excel layers
(``toolkit.workbook``, ``toolkit.excel``) know nothing about rules.
"""

__version__ = "0.1.0"
