"""The 自评报告 draft: a Word report written from a scored workbook's facts (``jixiao report``).

outline (which sections, per profile the published report of its place; outlines.json) ·
formats (numbers as real reports write them: 万元, percents; gaps) · document (Word styles,
cover, headings, tables, properties) · context (what blocks read, shared blocks) · figures (the
unit's numbers beside the re-check) · project / department (each kind's blocks) · issues
(存在的问题 by kind, the appendix 待核对事项) · draft (read, score, compose, write; the command).
"""
