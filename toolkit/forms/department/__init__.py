"""Department-level evaluation (部门整体支出绩效): 评分表 + 目标完成情况自评表 + 基础数据.

Parts: :mod:`.layout`, :mod:`.model`, :mod:`.reader`, :mod:`.scoring`, :mod:`.template`,
:mod:`.builds` (committed templates and the seed samples) and :mod:`.cli`. The rule language of
its frameworks is :mod:`toolkit.core.framework`. :mod:`.kind` holds ``KIND``, what the registry lists.

Example::

    >>> from toolkit.forms.department.kind import KIND
    >>> KIND.profile_kind
    'department'
"""
