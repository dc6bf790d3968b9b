"""Reading the student file: chronologies, actions, and checking the hash chains."""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from enigma.roles import Role
from records import chain
from records.models import Action, ActionCompletion, ChronologyLink, Entry


def sees_restricted(user) -> bool:
    """Whether a person may read restricted (safeguarding) entries at all.

    Views also ask for a recent second-factor check before showing them.
    """
    return Role.DSL in getattr(user, "roles", frozenset())


# Restricted now: recorded as restricted, or in a category the admin has since restricted.
RESTRICTED = Q(restricted=True) | Q(category__restricted=True)


def chronology(student, *, kind: str = "", category=None, author=None) -> QuerySet[Entry]:
    """A student's entries, newest first, with what a timeline shows loaded up front."""
    qs = (
        Entry.objects.filter(links__student=student)
        .select_related("author", "category", "amends")
        .annotate(
            is_amended=Exists(Entry.objects.filter(amends=OuterRef("pk"))),
            is_restricted=Coalesce(
                ExpressionWrapper(RESTRICTED, output_field=BooleanField()), Value(False)
            ),
        )
        .order_by("-occurred_at", "-id")
    )
    if kind:
        qs = qs.filter(kind=kind)
    if category is not None:
        qs = qs.filter(category=category)
    if author is not None:
        qs = qs.filter(author=author)
    return qs


def open_actions_for(user) -> QuerySet[Action]:
    """'My actions': what a person still has to do, soonest first."""
    return (
        Action.objects.filter(assignee=user)
        .exclude(Exists(ActionCompletion.objects.filter(action=OuterRef("pk"))))
        .select_related("entry", "entry__category")
        .order_by("due_on", "id")
    )


def chain_breaks(student_ids=None) -> tuple[int, list[chain.Break]]:
    """Check every chronology (or those of student_ids): (links checked, first break of
    each broken chronology)."""
    links = ChronologyLink.objects.select_related("entry").order_by("student_id", "seq")
    if student_ids is not None:
        links = links.filter(student_id__in=student_ids)
    checked, breaks = 0, []
    for _student_id, group in groupby(links.iterator(chunk_size=2000), attrgetter("student_id")):
        student_links = list(group)
        checked += len(student_links)
        found = chain.first_break(student_links)
        if found is not None:
            breaks.append(found)
    return checked, breaks
