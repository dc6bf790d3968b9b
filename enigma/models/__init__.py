from .audit import AuditEvent
from .backups import BackupRun
from .calendar import NonSchoolDay, Period, Term
from .immutable import ImmutableModel
from .people import ETHNIC_GROUPS, Contact, Ethnicity, Student, StudentStaffLink, User, ethnic_group
from .school import SchoolSettings

__all__ = [
    "ETHNIC_GROUPS",
    "AuditEvent",
    "BackupRun",
    "Contact",
    "Ethnicity",
    "ImmutableModel",
    "NonSchoolDay",
    "Period",
    "SchoolSettings",
    "Student",
    "StudentStaffLink",
    "Term",
    "User",
    "ethnic_group",
]
