"""How apps downstream of timetables (notifications) take part in its work loop without
timetables importing them.

- ``work_nudged`` is sent inside the transaction of timetables.services.work.work_nudge,
  after its audit row: the room has asked a class teacher to set the work still waiting.
  notifications turns it into a reminder in the outbox, which commits (or not) with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: teacher (a user), by (who nudged), today, open (lessons waiting for work),
# overdue (of those, past the day they were due)
work_nudged = Signal()
