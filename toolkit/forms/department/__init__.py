"""Department-level evaluation (部门整体支出绩效): frameworks as profiles, templates, scoring.

Modules: :mod:`.framework` (the rule language and the profile checker), :mod:`.layout`
(names of the department workbook), :mod:`.template` (workbook builder), :mod:`.reader`,
:mod:`.scoring`, :mod:`.builds` (committed templates and samples) and :mod:`.cli`.

Example::

    >>> from toolkit.forms.department.framework import METHODS
    >>> "quarterly_progress" in METHODS
    True
"""
