from .audit import AuditEvent
from .calendar import NonSchoolDay, Period, Term
from .people import Contact, Student, StudentStaffLink, User
from .school import SchoolSettings

__all__ = [
    "AuditEvent",
    "Contact",
    "NonSchoolDay",
    "Period",
    "SchoolSettings",
    "Student",
    "StudentStaffLink",
    "Term",
    "User",
]
