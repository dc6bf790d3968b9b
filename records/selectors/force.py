"""Reading records of the use of reasonable force (records.services.force).

A use of force is a thread of FORCE entries: the first record and each correction or
debrief added to it. The latest entry of a thread (one nothing amends) is the record as
it stands; counts of uses of force count threads, so they count latest entries.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from enigma.models import Student
from records.models import Entry, ForceRecord, ForceRecordStaff

FORCE_PAGE_SIZE = 25


def current_force_records() -> QuerySet[ForceRecord]:
    """Each use of force once, as it stands now (the latest record of each thread)."""
    return ForceRecord.objects.exclude(Exists(Entry.objects.filter(amends=OuterRef("entry_id"))))


def force_list(viewer, *, date_from=None, date_to=None) -> QuerySet[ForceRecord]:
    """Uses of force as they stand, latest first, with their pupils (those the viewer may
    see) and staff. For those who may read force records only (the views ask)."""
    qs = current_force_records().select_related("entry", "entry__author")
    if date_from:
        qs = qs.filter(entry__occurred_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(entry__occurred_at__date__lte=date_to)
    return qs.prefetch_related(
        Prefetch(
            "entry__students",
            queryset=Student.objects.visible_to(viewer).order_by("legal_surname"),
            to_attr="visible_students",
        ),
        Prefetch(
            "staff_links", queryset=ForceRecordStaff.objects.select_related("user").order_by("pk")
        ),
    ).order_by("-entry__occurred_at", "-entry_id")


def latest_of_thread(entry: Entry) -> Entry:
    """The record a correction must amend: the latest of this entry's thread."""
    latest = entry
    while True:
        later = Entry.objects.filter(amends=latest).order_by("-recorded_at", "-id").first()
        if later is None:
            return latest
        latest = later
