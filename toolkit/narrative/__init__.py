"""The 自评报告 draft: a Word report written from a scored workbook's facts (``jixiao report``).

outline (which sections, from the profile) · formats (numbers as the form shows them, gaps) ·
document (Word styles, headings, tables) · context (what blocks read, shared blocks) ·
project / department (each kind's blocks) · draft (read, score, compose, write; the command).
"""
