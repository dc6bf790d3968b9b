"""What the disclosure app writes to the audit log (contributed in contributions.py)."""


class DisclosureAction:
    EXPORT_REQUESTED = "disclosure.export_requested"
    EXPORT_READY = "disclosure.export_ready"
    EXPORT_FAILED = "disclosure.export_failed"
    EXPORT_DOWNLOADED = "disclosure.export_downloaded"
    EXPORT_EXPIRED = "disclosure.export_expired"
    TRANSFER_PREPARED = "disclosure.transfer_prepared"
    TRANSFER_SENT = "disclosure.transfer_sent"
    TRANSFER_CODE_REFUSED = "disclosure.transfer_code_refused"
    TRANSFER_DOWNLOADED = "disclosure.transfer_downloaded"
    TRANSFER_CONFIRMED = "disclosure.transfer_confirmed"
    TRANSFER_FAILED = "disclosure.transfer_failed"
    TRANSFER_EXPIRED = "disclosure.transfer_expired"
    LEAVING_CLOSED = "disclosure.leaving_closed"
    ROOM_DISPOSAL_PROPOSED = "disclosure.room_disposal_proposed"
    ROOM_DISPOSAL_APPROVED = "disclosure.room_disposal_approved"
    ROOM_DISPOSAL_REJECTED = "disclosure.room_disposal_rejected"
    PUPIL_DISPOSAL_PROPOSED = "disclosure.pupil_disposal_proposed"
    PUPIL_DISPOSAL_APPROVED = "disclosure.pupil_disposal_approved"
    PUPIL_DISPOSAL_REJECTED = "disclosure.pupil_disposal_rejected"


A = DisclosureAction
LABELS = {
    A.EXPORT_REQUESTED: "Asked for a subject access export",
    A.EXPORT_READY: "A subject access export was prepared",
    A.EXPORT_FAILED: "A subject access export could not be prepared",
    A.EXPORT_DOWNLOADED: "Downloaded a subject access export",
    A.EXPORT_EXPIRED: "A subject access export expired unopened",
    A.TRANSFER_PREPARED: "Prepared a child-protection file for transfer",
    A.TRANSFER_SENT: "Sent a child-protection file to the next school",
    A.TRANSFER_CODE_REFUSED: "A wrong code was given for a child-protection file",
    A.TRANSFER_DOWNLOADED: "The next school downloaded a child-protection file",
    A.TRANSFER_CONFIRMED: "The next school confirmed receipt of a child-protection file",
    A.TRANSFER_FAILED: "A child-protection file transfer failed",
    A.TRANSFER_EXPIRED: "A child-protection file link expired",
    A.LEAVING_CLOSED: "Recorded that a leaver's child-protection file goes another way",
    A.ROOM_DISPOSAL_PROPOSED: "Proposed a room record (a referral and its placement) for disposal",
    A.ROOM_DISPOSAL_APPROVED: "Approved the disposal of a room record (its rows and files deleted)",
    A.ROOM_DISPOSAL_REJECTED: "Rejected a proposed disposal of a room record",
    A.PUPIL_DISPOSAL_PROPOSED: "Proposed a leaver's remaining record for disposal",
    A.PUPIL_DISPOSAL_APPROVED: (
        "Approved the disposal of a leaver's remaining record (rows and files deleted, "
        "the pupil's row anonymised)"
    ),
    A.PUPIL_DISPOSAL_REJECTED: "Rejected a proposed disposal of a leaver's remaining record",
}
GROUPS = {"disclosure.": "Subject access and file transfers"}
# The receiving DSL's address and a failure's words stay out of the audit page.
PRIVATE_DATA = {A.TRANSFER_SENT: ("email",), A.TRANSFER_FAILED: ("reason",)}
# A room record's disposal is named by kind and id: the record it names is gone.
PRIVATE_OBJECTS = {
    "disclosure.RoomRecordProposal": "Room record disposal proposal",
    "disclosure.PupilRecordProposal": "Pupil record disposal proposal",
}
del A
