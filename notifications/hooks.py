"""Reminders caused by a change in another app, created in the same transaction.

The room's nudge to a class teacher comes from timetables.hooks.work_nudged (timetables
must not import notifications either), sent inside timetables.services.work.work_nudge.

records must not import notifications, so the DSL alert listens to post_save of
records.models.Entry (connected in apps.py); record_entry saves inside transaction.atomic,
so the alert rows commit or roll back with the entry, and are sent after the commit."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from enigma.models import SchoolSettings
from enigma.roles import Role
from notifications.models import Kind
from notifications.services import Due, create_notifications, users_with


def entry_recorded(sender, instance, created, raw=False, **kwargs):
    if raw or not created or not instance.restricted:
        return
    recipients = tuple(u for u in users_with(Role.DSL) if u != instance.author_id)
    if not recipients:
        return
    create_notifications(
        [
            Due(
                kind=Kind.SAFEGUARDING,
                subject_key=f"entry:{instance.pk}",
                due_on=timezone.localdate(),
                title="A safeguarding entry has been recorded",
                body="A new restricted entry has been recorded. Open Enigma to read it.",
                url=reverse("records:entry_detail", args=[instance.pk]),
                recipients=recipients,
            )
        ]
    )


def work_nudged(sender, teacher, by, today, open, overdue, **kwargs):
    """The room asks a teacher to set the work still waiting: one reminder, kept as a work
    chase (unique per teacher and day, so a second press the same day adds nothing). It
    names no student: the teacher sees who on My students."""
    room = SchoolSettings.load().room_name
    lessons = f"{open} of your lesson{'s' if open != 1 else ''}"
    late = f", {overdue} of them past the day the work was due" if overdue else ""
    create_notifications(
        [
            Due(
                kind=Kind.WORK_CHASE,
                subject_key=f"work_nudge:{teacher.pk}",
                due_on=today,
                title=f"The {room} is waiting for work from you",
                body=(
                    f"{lessons} {'has' if open == 1 else 'have'} a student in the {room} "
                    f"and no work set yet{late}. {by} asked for a reminder: please set it on "
                    "My students."
                ),
                url=reverse("timetables:my_students"),
                recipients=(teacher.pk,),
            )
        ]
    )
