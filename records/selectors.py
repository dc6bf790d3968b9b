"""Reading the student file: chronologies, actions, and checking the hash chains."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from enigma.roles import Role
from records import chain
from records.models import Action, ActionCompletion, ChronologyLink, Entry


def sees_restricted(user) -> bool:
    """Whether a person may read restricted (safeguarding) entries at all.

    Views also ask for a recent second-factor check before showing them.
    """
    return Role.DSL in getattr(user, "roles", frozenset())


def restricted_q(prefix: str = "") -> Q:
    """Entries that are restricted now: recorded as restricted, or in a category the admin
    has since marked restricted."""
    return Q(**{f"{prefix}restricted": True}) | Q(**{f"{prefix}category__restricted": True})


def chronology(student, *, kind: str = "", category=None, author=None) -> QuerySet[Entry]:
    """A student's entries, newest first, with what a timeline shows loaded up front."""
    qs = (
        Entry.objects.filter(links__student=student)
        .select_related("author", "category", "amends")
        .annotate(
            is_amended=Exists(Entry.objects.filter(amends=OuterRef("pk"))),
            is_restricted=Exists(Entry.objects.filter(restricted_q(), pk=OuterRef("pk"))),
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
    for _student_id, student_links in chain.by_student(links.iterator(chunk_size=2000)):
        checked += len(student_links)
        found = chain.first_break(student_links)
        if found is not None:
            breaks.append(found)
    return checked, breaks
