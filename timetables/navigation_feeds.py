"""The calendar panel on the placement page and the audit labels of the printed week and
the calendar links (called from TimetablesConfig.ready)."""

from enigma import audit
from enigma.capabilities import Capability
from referrals import hooks
from timetables.services import feeds as services_feeds


def register() -> None:
    hooks.add_placement_panel(
        "timetables:placement_calendar_panel", Capability.READ_PLACEMENTS, position=120
    )
    audit.register_labels(services_feeds.LABELS, services_feeds.GROUPS)
