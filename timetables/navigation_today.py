"""Today: the coordinator's home page and its navigation link (called from
TimetablesConfig.ready)."""

from enigma import extensions
from enigma.capabilities import Capability


def register() -> None:
    extensions.add_nav_link(
        "Today",
        "timetables:today",
        Capability.OVERSEE_ROOM,
        current_prefix="timetables:today",
        position=5,
    )
    # Before the placements board (priority 10): the coordinator starts the day here.
    extensions.add_home_page(Capability.RUN_ROOM, "timetables:today", priority=5)
