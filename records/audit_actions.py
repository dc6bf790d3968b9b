"""What the records app writes to the audit log (contributed in records/contributions.py)."""


class RecordsAction:
    FILE_VIEWED = "records.file_viewed"
    RESTRICTED_READ = "records.restricted_read"
    EXPORTED = "records.exported"
    ENTRY_SHARED = "records.entry_shared"
    ATTACHMENT_DOWNLOADED = "records.attachment_downloaded"
    INTERVENTION_EXPORTED = "records.intervention_exported"
    DISPOSAL_PROPOSED = "records.disposal_proposed"
    DISPOSAL_APPROVED = "records.disposal_approved"
    DISPOSAL_REJECTED = "records.disposal_rejected"
    LEGAL_HOLD_PLACED = "records.legal_hold_placed"
    LEGAL_HOLD_RELEASED = "records.legal_hold_released"
    CATEGORY_ADDED = "records.category_added"
    CATEGORY_CHANGED = "records.category_changed"
    FORCE_RECORDED = "records.force_recorded"
    FORCE_CORRECTED = "records.force_corrected"


LABELS = {
    RecordsAction.FILE_VIEWED: "Viewed a student file",
    RecordsAction.RESTRICTED_READ: "Read a restricted entry",
    RecordsAction.EXPORTED: "Exported or printed a chronology",
    RecordsAction.ENTRY_SHARED: "Shared a restricted entry",
    RecordsAction.ATTACHMENT_DOWNLOADED: "Opened an attachment",
    RecordsAction.INTERVENTION_EXPORTED: "Downloaded an intervention impact report",
    RecordsAction.DISPOSAL_PROPOSED: "Proposed a record for disposal",
    RecordsAction.DISPOSAL_APPROVED: "Approved a disposal (the record's content was removed)",
    RecordsAction.DISPOSAL_REJECTED: "Rejected a proposed disposal",
    RecordsAction.LEGAL_HOLD_PLACED: "Placed a legal hold",
    RecordsAction.LEGAL_HOLD_RELEASED: "Released a legal hold",
    RecordsAction.CATEGORY_ADDED: "Added a chronology category",
    RecordsAction.CATEGORY_CHANGED: "Changed a chronology category (who reads it, how long kept)",
    RecordsAction.FORCE_RECORDED: "Recorded a use of reasonable force",
    RecordsAction.FORCE_CORRECTED: "Corrected a record of the use of force, or added its debrief",
}
GROUPS = {"records.": "Student files and chronologies"}

# What a records object is called in the audit log: its kind and id, never its words
# (an entry's summary, a file's name, an action's text may be restricted, now or later).
PRIVATE_OBJECTS = {
    "records.Entry": "Entry",
    "records.ChronologyLink": "Chronology link",
    "records.Action": "Action",
    "records.ActionCompletion": "Action outcome",
    "records.EntryShare": "Share",
    "records.Attachment": "File",
    "records.DisposalProposal": "Disposal proposal",
    "records.LegalHold": "Legal hold",
    "records.ForceRecord": "Use of force",
}
# Data that rows written before this rule carried: a share's reason and the colleague's
# name. Never shown; rows written now do not hold them.
PRIVATE_DATA = {RecordsAction.ENTRY_SHARED: ("reason", "with_name")}
