"""The project form (项目支出绩效自评表): one form per sheet.

Parts: :mod:`.layout` (names and places), :mod:`.model`, :mod:`.reader`, :mod:`.scoring`,
:mod:`.template` (the official-format workbook) and :mod:`.builds` (committed template and the
seed-003 sample). :mod:`.kind` holds ``KIND``, what the registry (:mod:`toolkit.forms.registry`) lists.

Example::

    >>> from toolkit.forms.project.kind import KIND
    >>> KIND.title
    '项目支出绩效自评表'
"""
