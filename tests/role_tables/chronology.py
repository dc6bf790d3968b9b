"""Role-matrix rows for the student file, entries, actions and the safeguarding queue
(url name -> the capability it needs). POST_ONLY: views that only accept POST."""

from enigma.capabilities import Capability as C

NEEDS: dict = {
    "records:student_file": C.VIEW_STUDENTS,
    "records:chronology_print": C.VIEW_STUDENTS,
    "records:chronology_csv": C.VIEW_STUDENTS,
    "records:entry_add": C.RECORD_ENTRY,
    "records:involve_search": C.RECORD_ENTRY,
    "records:record_pick": C.RECORD_ENTRY,
    "records:entry_detail": C.VIEW_STUDENTS,
    "records:entry_amend": C.RECORD_ENTRY,
    "records:entry_share": C.SHARE_RESTRICTED,
    "records:my_actions": C.FOLLOW_UP_ACTIONS,
    "records:action_complete": C.FOLLOW_UP_ACTIONS,
    "records:force_list": C.READ_FORCE_RECORDS,
    "records:force_add": C.RECORD_FORCE,
    "records:force_amend": C.RECORD_FORCE,
    "records:safeguarding_queue": C.OVERSEE_SAFEGUARDING,
}
POST_ONLY: set[str] = {"records:action_complete"}
