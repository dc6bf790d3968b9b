from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

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
