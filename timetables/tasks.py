"""The room register's end of day. Idempotent: a repeat writes nothing more."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from timetables.services import register

CATCH_UP_DAYS = 7


@shared_task(acks_late=True)
def write_register_days() -> int:
    """Write the register of today and of the last week's days not yet written (a day
    missed while the worker was down is written the next time) into the chronologies."""
    today = timezone.localdate()
    return sum(register.write_day(today - dt.timedelta(days=n)) for n in range(CATCH_UP_DAYS))
