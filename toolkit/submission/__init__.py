"""Submission to the finance bureau: the clean export with its fingerprint (:mod:`.export`,
:mod:`.fingerprint`), the bureau's collection and re-check (:mod:`.collect`) and its tables
(:mod:`.tables`, with pandas).
"""
