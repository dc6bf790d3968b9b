"""Finding a student to record about, from anywhere: the header's "Record a concern"
(and its shortcut, Alt+Shift+R) opens a search that narrows as one types, and each match
leads to the concern form. The same search, inside the form, adds other students
involved. Both work without JavaScript: a plain search form (and, in the entry form, Find
and Add buttons that send the form back with what was typed)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render

from enigma.capabilities import Capability
from enigma.permissions import requires
from enigma.selectors.students import DirectoryFilters, student_directory
from records.selectors import chronology as selectors

PICK_PAGE_SIZE = 10
# The entry form's picker shows the best matches only (its buttons send the form, so it
# has no pages): more than this and the person types more of the name.
INVOLVE_MATCHES = 8
QUERY_MAX = 100


class _Search(forms.Form):
    q = forms.CharField(required=False, max_length=QUERY_MAX)
    involve_q = forms.CharField(required=False, max_length=QUERY_MAX)


def search_text(params, key: str = "q") -> str:
    """What was typed into the search box `key`, as words; "" if it is not text a person
    types (too long, or a NUL byte, which PostgreSQL refuses)."""
    form = _Search(params)
    if not form.is_valid():
        return ""
    return " ".join(form.cleaned_data[key].split())


@requires(Capability.RECORD_ENTRY)
def record_pick(request):
    q = search_text(request.GET)
    page = None
    if q:
        matches = student_directory(request.user, DirectoryFilters(q=q))
        page = Paginator(matches, PICK_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"q": q, "page": page, "query_string": f"q={q}" if q else ""}
    if request.htmx and request.htmx.target == "pick-results":
        return render(request, "records/_pick_results.html", context | {"oob": True})
    return render(request, "records/record_pick.html", context)


def pks(values) -> list[int]:
    """The ids among `values` (strings from a form); anything else is left out."""
    return [int(v) for v in values if str(v).isdigit() and len(str(v)) < 10]


def involve_matches(user, student, q: str, chosen) -> tuple[list, bool]:
    """The best matches for `q` among the students `user` may see, on roll, other than
    `student` and those already `chosen` (pks): (at most INVOLVE_MATCHES, more?)."""
    if not q:
        return [], False
    rows = list(
        student_directory(user, DirectoryFilters(q=q))
        .exclude(pk=student.pk)
        .exclude(pk__in=pks(chosen))[: INVOLVE_MATCHES + 1]
    )
    return rows[:INVOLVE_MATCHES], len(rows) > INVOLVE_MATCHES


@requires(Capability.RECORD_ENTRY)
def involve_search(request, pk):
    """The entry form's picker, as the person types (an htmx fragment)."""
    student = selectors.student_for_file(request.user, pk)
    q = search_text(request.GET, "involve_q")
    matches, more = involve_matches(request.user, student, q, request.GET.getlist("also_involves"))
    return render(
        request,
        "records/_involve_results.html",
        {"involve_q": q, "matches": matches, "more": more},
    )
