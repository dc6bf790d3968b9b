"""Writes for the core, each change and its audit event in one transaction: school (the
school's settings and calendar rows), calendar (bank holidays) and accounts (people,
roles, what they are told, and the automatic account that scheduled tasks act as).
"""
