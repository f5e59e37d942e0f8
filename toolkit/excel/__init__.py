"""Everything Excel-facing: the xlwings layer behind the ribbon buttons (:mod:`.xl`), the add-in
builder (:mod:`.addin`), the ribbon definition (``ribbon.xml``) and the button modules
(``buttons/jixiao_*.py``), all shipped as package data.
"""
