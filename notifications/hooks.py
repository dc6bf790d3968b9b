"""Reminders caused by a change in another app, created in the same transaction, and
reminders cleared when what they asked for is done.

The room's nudge to a class teacher comes from timetables.hooks.work_nudged (timetables
must not import notifications either), sent inside timetables.services.work.work_nudge;
timetables.hooks.work_settled, sent where work is set or a lesson leaves the room, clears
the work reminders none of whose lessons still waits for work.

records must not import notifications, so the DSL alert listens to post_save of
records.models.Entry (connected in apps.py); record_entry saves inside transaction.atomic,
so the alert rows commit or roll back with the entry, and are sent after the commit. It
clears for the whole team when one of them responds on the record (records.hooks
.restricted_entry_answered: follow-up actions set, or an action's outcome recorded).

Likewise referrals sends review_held, follow_up_recorded and placement_changed inside the
transaction that holds the review, records the check or moves the placement: the
reminders about it (by their subject_key, as the sweep made them) are resolved there, so
they clear with it or not at all."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from enigma import audit
from enigma.models import SchoolSettings
from enigma.roles import Role
from notifications.models import Kind, Notification
from notifications.services import (
    SAFEGUARDING_ALERT_CLEARED,
    Due,
    create_notifications,
    reopen,
    resolve,
    users_with,
)


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


def link_appended(sender, instance, created, raw=False, **kwargs):
    """The entry's first student, once linked (record_entry links the students after the
    entry is saved, in the same transaction), names the DSL alert in the app: only the
    DSL team, who may read the entry, receive it; the email never names them."""
    if raw or not created or not instance.entry.restricted:
        return
    Notification.objects.filter(
        kind=Kind.SAFEGUARDING, subject_key=f"entry:{instance.entry_id}", student__isnull=True
    ).update(student_id=instance.student_id)


def safeguarding_answered(sender, entry, by, **kwargs):
    """The safeguarding team has recorded a response on a restricted entry (follow-up
    actions set, or an action's outcome; records/hooks.py): the concern its alert
    announced is taken up, so the alert is done for every member of the team, in the
    transaction that recorded the response. The audit row names the entry by its id only
    (records.Entry is a private object) and says how many alerts cleared."""
    cleared = resolve([f"entry:{entry.pk}"], kinds=[Kind.SAFEGUARDING])
    if cleared:
        audit.record(SAFEGUARDING_ALERT_CLEARED, actor=by, obj=entry, data={"cleared": cleared})


REVIEW_KINDS = (
    Kind.REVIEW_DUE_SOON,
    Kind.REVIEW_DUE,
    Kind.REVIEW_OVERDUE,
    Kind.REVIEW_OVERDUE_ESCALATED,
)
EXIT_KINDS = (Kind.EXIT_APPROACHING, Kind.EXIT_OVERDUE)


def review_held(sender, review, **kwargs):
    resolve([f"review:{review.pk}"], kinds=REVIEW_KINDS)


def follow_up_recorded(sender, follow_up, **kwargs):
    resolve([f"follow_up:{follow_up.pk}"], kinds=[Kind.FOLLOW_UP_DUE])


def placement_changed(sender, placement, from_state, to_state, **kwargs):
    from referrals.models import Placement

    P = Placement.State
    if to_state in (P.COMPLETED, P.ENDED_EARLY):
        # Its exit is done, and so is any review still waiting for it.
        exits = [f"placement:{placement.pk}", f"placement:{placement.pk}:{placement.planned_exit}"]
        resolve(exits, kinds=EXIT_KINDS)
        reviews = placement.reviews.filter(held_on__isnull=True).values_list("pk", flat=True)
        resolve([f"review:{pk}" for pk in reviews], kinds=REVIEW_KINDS)
    if from_state == to_state == P.ACTIVE:
        _exit_moved(placement)
    if from_state == P.SCHEDULED and to_state in (P.ACTIVE, P.COMPLETED, P.ENDED_EARLY):
        # The place offered was taken up (or the placement ended first).
        resolve([f"placement:{placement.pk}"], kinds=[Kind.PLACE_OFFERED])


def _exit_moved(placement) -> None:
    """An active placement's dates changed (its exit brought forward or moved later):
    the exit notices about another day are withdrawn, an overdue one too once the exit is
    no longer past, and what is due about the new day is made at once (or made due again,
    if the exit came back to a day already noticed), so each person has one notice and
    it is right. The rows stay unique per (kind, subject, due date, recipient): the
    approaching notice's subject carries the exit day, so the sweep, which may run at
    any time, never remakes a withdrawn one."""
    pk = placement.pk
    current = f"placement:{pk}:{placement.planned_exit}"
    stale = set(
        Notification.objects.filter(
            kind=Kind.EXIT_APPROACHING,
            subject_key__startswith=f"placement:{pk}:",
            done_at__isnull=True,
        )
        .exclude(subject_key=current)
        .values_list("subject_key", flat=True)
    )
    if stale:
        resolve(stale, kinds=[Kind.EXIT_APPROACHING])
    today = timezone.localdate()
    if placement.planned_exit >= today:
        resolve([f"placement:{pk}"], kinds=[Kind.EXIT_OVERDUE])
    from notifications import sweep

    dues = sweep.exit_dues(pk, today)
    if dues:
        reopen(dues)
        create_notifications(dues)


def referral_moved(sender, referral, from_status, to_status, **kwargs):
    """A referral sent for a decision asks the deputy heads for one (by email without the
    pupil's name); any other move from there (approved, declined, sent back, withdrawn)
    answers it."""
    from referrals.models import Referral

    R = Referral.Status
    if from_status == R.SUBMITTED and to_status != R.SUBMITTED:
        resolve([f"referral:{referral.pk}"], kinds=[Kind.REFERRAL_WAITING])
    if to_status != R.SUBMITTED or from_status == R.SUBMITTED:
        return
    by = kwargs.get("by")
    recipients = tuple(u for u in users_with(Role.DEPUTY_HEAD) if u != getattr(by, "pk", by))
    if not recipients:
        return
    create_notifications(
        [
            Due(
                kind=Kind.REFERRAL_WAITING,
                subject_key=f"referral:{referral.pk}",
                due_on=timezone.localdate(),
                title="A referral is waiting for your decision",
                body="A referral has been sent for a decision. Open Enigma to read it.",
                url=reverse("referrals:referral_decide", kwargs={"referral_pk": referral.pk}),
                recipients=recipients,
                student_id=referral.student_id,
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


WORK_KINDS = (Kind.WORK_WEEK, Kind.WORK_CHASE)


def work_settled(sender, teacher_ids, **kwargs):
    """Some of these teachers' lessons stopped waiting for work (set, or no longer in the
    room). Each of their work reminders still open clears once none of the lessons it is
    about still waits: a chase, that day's; the weekly list, the rest of its week from the
    day it was made; a nudge, all of the teacher's lessons in the room. Two queries (the
    reminders, the days with lessons waiting), whatever the numbers, then one update per
    reminder cleared."""
    from referrals.models import Placement
    from timetables.models import WorkRequest

    teacher_ids = list(teacher_ids)
    reminders = list(
        Notification.objects.filter(
            recipient_id__in=teacher_ids, kind__in=WORK_KINDS, done_at__isnull=True
        ).values_list("recipient_id", "kind", "subject_key", "created_at")
    )
    if not reminders:
        return
    waiting: dict[int, set[dt.date]] = {}
    for teacher_id, day in (
        WorkRequest.objects.filter(
            teacher_id__in=teacher_ids,
            status=WorkRequest.Status.REQUESTED,
            placement__state__in=Placement.HOLDING,
        )
        .values_list("teacher_id", "date")
        .distinct()
    ):
        waiting.setdefault(teacher_id, set()).add(day)
    for teacher_id, kind, key, created_at in reminders:
        days = waiting.get(teacher_id, set())
        prefix, _, rest = key.partition(":")
        if prefix == "work_chase":
            still = dt.date.fromisoformat(rest) in days
        elif prefix == "work_week":
            made_on = timezone.localtime(created_at).date()  # it lists the week from then
            friday = dt.date.fromisoformat(rest) + dt.timedelta(days=4)
            still = any(made_on <= day <= friday for day in days)
        elif prefix == "work_nudge":
            still = bool(days)
        else:
            continue  # not one of ours: left alone
        if not still:
            resolve([key], kinds=[kind], recipient_id=teacher_id)
