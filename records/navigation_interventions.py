"""The Interventions link in the main navigation (called from RecordsConfig.ready)."""

from enigma import extensions
from enigma.capabilities import Capability


def register() -> None:
    # Every interventions URL name starts "intervention", sessions included.
    extensions.add_nav_link(
        "Interventions",
        "records:intervention_list",
        Capability.READ_INTERVENTIONS,
        current_prefix="records:intervention",
        position=40,
    )
