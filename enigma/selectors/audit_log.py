from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from enigma import audit
from enigma.models import AuditEvent


def search(criteria: dict):
    qs = AuditEvent.objects.select_related("actor", "student")
    who = (criteria.get("who") or "").strip()
    if who:
        qs = qs.filter(
            Q(actor_label__icontains=who)
            | Q(actor__display_name__icontains=who)
            | Q(actor__last_name__icontains=who)
        )
    action = (criteria.get("action") or "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    student = (criteria.get("student") or "").strip()
    if student:
        qs = qs.filter(
            Q(student__upn__iexact=student)
            | Q(student__legal_surname__icontains=student)
            | Q(student__legal_forename__icontains=student)
            | Q(student__preferred_forename__icontains=student)
        )
    tz = timezone.get_current_timezone()
    if criteria.get("date_from"):
        qs = qs.filter(occurred_at__gte=datetime.combine(criteria["date_from"], time.min, tz))
    if criteria.get("date_to"):
        qs = qs.filter(occurred_at__lte=datetime.combine(criteria["date_to"], time.max, tz))
    return qs.order_by("-occurred_at", "-id")


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
