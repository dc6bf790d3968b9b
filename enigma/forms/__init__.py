"""Forms for the core, one module per area of the core's views: students (the directory's
filters), school (its settings), calendar (terms, non-school days, periods), audit_log
(searching it) and accounts (allauth's forms in our words); common holds what every
app's forms share.
"""
