"""The calendar panel on the placement page and the audit labels of the printed week and
the calendar links (called from TimetablesConfig.ready)."""

from enigma import audit
from enigma.roles import ROOM_TEAM
from referrals import hooks
from timetables import services_feeds


def register() -> None:
    hooks.add_placement_panel("timetables:placement_calendar_panel", ROOM_TEAM, position=120)
    audit.register_labels(services_feeds.LABELS, services_feeds.GROUPS)
