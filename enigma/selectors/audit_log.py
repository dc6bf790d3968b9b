from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from enigma import audit
from enigma.models import AuditEvent, Student, User
from enigma.paging import KeysetPage, keyset_page

PER_PAGE = 50
# The log is never deleted: it holds every sign-in, view and change for as long as the
# school has used Enigma (millions of rows after a few years). Its length is counted only
# up to this many events ("More than 1,000 events"), and its pages are read newest first
# from the index on when each event happened, so a page costs the same in year ten as in
# year one (a count of the whole log grew with it: ~2 ms for 17,000 events, ~0.2 s for
# 2,000,000).
COUNTED_UP_TO = 1000
ADMIN_COUNTED_UP_TO = 10_000  # the school admin's list in the Django admin
PUPILS_LISTED = 200
UNATTRIBUTED_LISTED = 1000


def search(criteria: dict):
    qs = AuditEvent.objects.select_related("actor", "student")
    who = (criteria.get("who") or "").strip()
    if who:
        # The people named first (staff: a short table), then their events by the index
        # on who acted; only events without a person (a failed sign-in, the label holding
        # the address tried) are matched by their label. Matching every event's label
        # read the whole log when few matched (5.7 s for a name nobody has, 2,000,000
        # events). A person is found by their name or address now, so their events from
        # before a change of address are found too.
        people = User.objects.filter(
            Q(email__icontains=who) | Q(display_name__icontains=who) | Q(last_name__icontains=who)
        )
        # The events without a person that match are listed first, newest first, from
        # their own small index (audit_unattributed_recent: the label is in it, so no
        # event's row is read): a "who" matching none of them read every failed sign-in
        # of ten years row by row to show none (0.74 s, 80,000 of them on the bench
        # school). Past UNATTRIBUTED_LISTED, they are common and near: the log is walked
        # newest first for them, as before.
        unattributed = AuditEvent.objects.filter(actor__isnull=True, actor_label__icontains=who)
        few = list(
            unattributed.order_by("-occurred_at", "-id").values_list("pk", flat=True)[
                : UNATTRIBUTED_LISTED + 1
            ]
        )
        qs = qs.filter(
            Q(actor__in=list(people.values_list("pk", flat=True)))
            | (
                Q(pk__in=few)
                if len(few) <= UNATTRIBUTED_LISTED
                else Q(actor__isnull=True, actor_label__icontains=who)
            )
        )
    action = (criteria.get("action") or "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    student = (criteria.get("student") or "").strip()
    if student:
        # The pupils named first, then their events by the index on each pupil's events:
        # asked of the events' rows through a join, one pupil's UPN walked the whole log
        # newest first (0.8 s, 2,000,000 events).
        pupils = Student.objects.filter(
            Q(upn__iexact=student)
            | Q(legal_surname__icontains=student)
            | Q(legal_forename__icontains=student)
            | Q(preferred_forename__icontains=student)
        )
        # Listed first, so the planner knows how few: it reads their events by the index on
        # each pupil's events. Past PUPILS_LISTED (a part of a name that many share) the
        # events are asked of the list as a subquery, and the log is walked newest first,
        # where matches are near.
        few = list(pupils.values_list("pk", flat=True)[: PUPILS_LISTED + 1])
        qs = qs.filter(student__in=few if len(few) <= PUPILS_LISTED else pupils.values("pk"))
    tz = timezone.get_current_timezone()
    if criteria.get("date_from"):
        qs = qs.filter(occurred_at__gte=datetime.combine(criteria["date_from"], time.min, tz))
    if criteria.get("date_to"):
        qs = qs.filter(occurred_at__lte=datetime.combine(criteria["date_to"], time.max, tz))
    return qs.order_by("-occurred_at", "-id")


def search_page(criteria: dict, *, before=None, after=None) -> KeysetPage:
    """A page of the events matching `criteria` (see search), newest first: those just
    older than the event `before`, or just newer than the event `after` (ids from a page
    the reader saw), or the newest. Read from the log's indexes at that place, however far
    back it is (enigma.paging.keyset_page)."""
    return keyset_page(
        search(criteria),
        PER_PAGE,
        field="occurred_at",
        before=before,
        after=after,
        cap=COUNTED_UP_TO,
    )


def search_words(events, search_term: str):
    """The admin's search box: each word in who or what, or in an object's stored label
    where that may be shown (never a private object's: rows written before its app
    registered it may hold its words, and a match would tell what they say)."""
    private = sorted(audit.private_objects())
    for word in search_term.split():
        events = events.filter(
            Q(actor_label__icontains=word)
            | Q(action__icontains=word)
            | (Q(object_repr__icontains=word) & ~Q(object_type__in=private))
        )
    return events
