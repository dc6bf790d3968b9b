"""How apps downstream of timetables (notifications) take part in its work loop without
timetables importing them.

- ``work_nudged`` is sent inside the transaction of timetables.services.work.work_nudge,
  after its audit row: the room has asked a class teacher to set the work still waiting.
  notifications turns it into a reminder in the outbox, which commits (or not) with it.
- ``work_settled`` is sent inside the transaction that made some of a teacher's lessons
  stop waiting for work: the teacher set it (timetables.services.work), or the lesson is
  no longer in the room (the plan moved it back to class, or the placement's dates
  dropped it; timetables.services.plans). notifications clears the work reminders none
  of whose lessons still waits, so they clear with it or not at all.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: teacher (a user), by (who nudged), today, open (lessons waiting for work),
# overdue (of those, past the day they were due)
work_nudged = Signal()
# kwargs: teacher_ids (the users some of whose lessons stopped waiting for work)
work_settled = Signal()
