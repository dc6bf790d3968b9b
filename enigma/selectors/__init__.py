"""Reads for the core, one module per area of the core's views: students (the directory
and a student's file) and audit_log (searching the audit log)."""
