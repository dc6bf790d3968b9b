"""What the oversight app writes to the audit log (contributed in contributions.py)."""


class OversightAction:
    REPORT_PRINTED = "oversight.report_printed"
    EXPORTED = "oversight.exported"
    CASE_SUMMARY_VIEWED = "oversight.case_summary_viewed"


A = OversightAction
LABELS = {
    A.REPORT_PRINTED: "Opened the governors' report",
    A.EXPORTED: "Downloaded an oversight table",
    A.CASE_SUMMARY_VIEWED: "Opened a placement's case summary",
}
GROUPS = {"oversight.": "Oversight"}
PRIVATE_DATA: dict = {}
del A
