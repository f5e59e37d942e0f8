"""The core: everything about rules and values, nothing about Excel or files.

values (the cell-value parser), arith (rounding and number formats), bands (grades and tiers),
problems and catalogue (every finding is a coded object), profile (rule profiles and their
checks), framework (the rule language of department frameworks), model (a cell as read),
results (what scoring returns), scorer (what every form's scorer shares) and grid (the indicator
grid every form kind shares). Nothing here imports the rest of the package.
"""
