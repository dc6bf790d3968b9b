"""Imports from the school's MIS (SIMS, Arbor, Bromcom, Wonde exports) as CSV.

Use enigma.imports.services: import_preview() for a dry run, import_apply() to write.
"""
