"""Today: the coordinator's home page and its navigation link (called from
TimetablesConfig.ready)."""

from enigma import extensions
from enigma.roles import Role


def register() -> None:
    extensions.add_nav_link(
        "Today",
        "timetables:today",
        {Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD},
        current_prefix="timetables:today",
        position=5,
    )
    # Before the placements board (priority 10): the coordinator starts the day here.
    extensions.add_home_page(Role.COORDINATOR, "timetables:today", priority=5)
