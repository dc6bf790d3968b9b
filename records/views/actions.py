"""'My actions', marking an action done, and the DSL's safeguarding queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.permissions import requires
from records import access
from records.forms.entries import CompleteActionForm
from records.models import Action
from records.selectors import chronology as selectors
from records.services import entries
from records.views.common import audit_restricted_reads, mark_actions_readable

MY_ACTIONS_PAGE_SIZE = 50
MY_ACTIONS_SHARED_SHOWN = 50  # the newest entries shared with the person
# The safeguarding queue: open actions a page at a time, and the fortnight's restricted
# entries a page at a time from where the reader is (newest first).
SAFEGUARDING_ACTIONS_PAGE_SIZE = 50
SAFEGUARDING_RECENT_PAGE_SIZE = 50


@requires(Capability.FOLLOW_UP_ACTIONS)
def my_actions(request):
    # Finding open actions is the dear part: counted in the same query as the page.
    page = selectors.open_actions_page_for(
        request.user, MY_ACTIONS_PAGE_SIZE, request.GET.get("page")
    )
    actions = mark_actions_readable(request, page.object_list)
    shared = selectors.entries_shared_with_shown(request.user, MY_ACTIONS_SHARED_SHOWN)
    return render(
        request,
        "records/my_actions.html",
        {
            "actions": actions,
            "page": page,
            "shared": shared,
            "today": timezone.localdate(),
            "form": CompleteActionForm(),
            "reauth_url": access.reauthentication_url(request),
            "needs_second_factor": any(a.entry.needs_second_factor for a in actions),
        },
    )


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@requires(Capability.FOLLOW_UP_ACTIONS)
@require_POST
def action_complete(request, action_pk):
    action = get_object_or_404(
        Action.objects.select_related("entry__category", "assignee"), pk=action_pk
    )
    if not access.may_see_entry(request.user, action.entry) and (
        action.assignee_id != request.user.pk
    ):
        raise Http404  # never reveal that an entry about someone else's student exists
    if not access.may_complete_action(
        request.user, action, second_factor_fresh=access.second_factor_is_fresh(request)
    ):
        raise PermissionDenied("Only the person it was given to, or the room team, can do this.")
    form = CompleteActionForm(request.POST)
    if form.is_valid():
        try:
            entries.complete_action(
                action=action, user=actor_from(request), outcome=form.cleaned_data["outcome"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
    if form.errors:
        return render(
            request,
            "records/action_complete.html",
            {"action": action, "form": form, "next": request.POST.get("next", "")},
            status=400,
        )
    messages.success(request, f"Done: “{action.description}”.")
    return _back(request, "records:my_actions")


def _kept(request, *names: str) -> str:
    return urlencode({n: request.GET[n] for n in names if request.GET.get(n)})


@requires(Capability.OVERSEE_SAFEGUARDING)
def safeguarding_queue(request):
    if not access.second_factor_is_fresh(request):
        return redirect(access.reauthentication_url(request))
    recent, actions = selectors.safeguarding_queue_shown(
        request.user,
        today=timezone.localdate(),
        recent_per_page=SAFEGUARDING_RECENT_PAGE_SIZE,
        per_page=SAFEGUARDING_ACTIONS_PAGE_SIZE,
        page_number=request.GET.get("page"),
        recent_before=request.GET.get("before"),
        recent_after=request.GET.get("after"),
    )
    for entry in recent:
        entry.is_restricted = True
        entry.show_content = True
    # Every row here shows a restricted entry's words: the recent entries' summaries and,
    # for each open action, its entry's summary (an older entry may appear only there).
    audit_restricted_reads(request, None, recent, also_shown=[a.entry_id for a in actions])
    return render(
        request,
        "records/safeguarding_queue.html",
        {
            "recent": recent,
            "actions": actions,
            # Each list's links keep where the other list is.
            "recent_query": _kept(request, "page"),
            "actions_query": _kept(request, "before", "after"),
            "today": timezone.localdate(),
            "days": selectors.SAFEGUARDING_RECENT_DAYS,
            "form": CompleteActionForm(),
        },
    )
