"""Forms of the student file, one module per area of the records services: entries (the
chronology's filters, entries, amendments, actions and shares), attachments and
interventions.
"""
