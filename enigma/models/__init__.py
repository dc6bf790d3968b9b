from .audit import AuditEvent
from .backups import BackupRun
from .calendar import NonSchoolDay, Period, Term
from .immutable import ImmutableModel
from .people import Contact, Student, StudentStaffLink, User
from .school import SchoolSettings

__all__ = [
    "AuditEvent",
    "BackupRun",
    "Contact",
    "ImmutableModel",
    "NonSchoolDay",
    "Period",
    "SchoolSettings",
    "Student",
    "StudentStaffLink",
    "Term",
    "User",
]
