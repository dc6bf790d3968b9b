"""What the attendance export writes to the audit log."""

ATTENDANCE_EXPORTED = "timetables.attendance_exported"
LABELS = {ATTENDANCE_EXPORTED: "Downloaded the room register as attendance codes"}
