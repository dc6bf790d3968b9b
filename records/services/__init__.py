"""Writes to the student file, one module per area of the records views: entries (the
chronology: entries, amendments, shares, actions, and the events other apps record),
attachments and interventions.
"""
