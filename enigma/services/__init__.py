"""Writes for the core, each change and its audit event in one transaction: school (the
school's settings and calendar rows, and the automatic account tasks act as), calendar
(bank holidays) and accounts (people, roles and what they are told).
"""
