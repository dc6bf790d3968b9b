"""The Interventions link in the main navigation (called from RecordsConfig.ready)."""

from enigma import extensions
from enigma.roles import ROOM_TEAM


def register() -> None:
    # Every interventions URL name starts "intervention", sessions included.
    extensions.add_nav_link(
        "Interventions",
        "records:intervention_list",
        ROOM_TEAM,
        current_prefix="records:intervention",
        position=40,
    )
