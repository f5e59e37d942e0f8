"""Form kinds: one subpackage per kind (:mod:`.project`, :mod:`.department`), each with the same
parts (layout, model, reader, scoring, template, builds, kind), and the registry
(:mod:`.registry`) that service, export, collect and the Excel layer call.
"""
