"""How apps above records (notifications) take part in the student file's life without
records importing them.

- ``restricted_entry_answered`` is sent inside the transaction of
  records.services.entries.add_actions and complete_action when a member of the
  safeguarding team (who may oversee safeguarding) records a response on a restricted
  entry: sets follow-up actions on it after it was recorded, or marks one of its actions
  done with an outcome. The concern the DSL alert announced has been taken up, so the
  notifications app clears that alert for every recipient, with it or not at all.
"""

from __future__ import annotations

from django.dispatch import Signal

restricted_entry_answered = Signal()  # kwargs: entry, by (an enigma.actor.Actor)
