"""The notifications pages."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.inputs import parse_int
from enigma.permissions import requires
from notifications import selectors, services
from notifications.models import (
    ALWAYS_IMMEDIATE,
    Kind,
    NotificationPreference,
)


@requires(Capability.READ_NOTIFICATIONS)
def inbox(request):
    """One's notifications, unread first, newest first, a page at a time (the first 200
    used to be shown and the rest never)."""
    page = selectors.inbox_page(
        request.user, before=request.GET.get("before"), after=request.GET.get("after")
    )
    return render(request, "notifications/inbox.html", {"rows": page, "page": page})


@requires(Capability.READ_NOTIFICATIONS)
@require_POST
def mark_read(request, pk):
    services.mark_read(request.user, pk)
    return redirect("notifications:inbox")


@requires(Capability.READ_NOTIFICATIONS)
@require_POST
def mark_all_read(request):
    services.mark_read(request.user)
    return redirect("notifications:inbox")


@requires(Capability.READ_NOTIFICATIONS)
def preferences(request):
    kinds = [k for k in Kind if k not in ALWAYS_IMMEDIATE]
    if request.method == "POST":
        modes = {
            k.value: request.POST.get(k.value)
            for k in kinds
            if request.POST.get(k.value) in NotificationPreference.Mode.values
        }
        services.set_preferences(request.user, modes)
        return redirect("notifications:preferences")
    chosen = dict(
        NotificationPreference.objects.filter(user=request.user).values_list("kind", "mode")
    )
    rows = [(k, chosen.get(k.value, NotificationPreference.Mode.IMMEDIATE)) for k in kinds]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "modes": NotificationPreference.Mode.choices, "fixed": ALWAYS_IMMEDIATE},
    )


@requires(Capability.SEE_EMAIL_PROBLEMS)
def email_problems(request):
    if request.method == "POST":
        if "retry_failed" in request.POST:
            count = services.retry_failed(actor=actor_from(request))
            emails = "email" if count == 1 else "emails"
            messages.success(request, f"{count} reminder {emails} will be sent again.")
        else:
            problem = services.resolve_email_problem(
                actor=actor_from(request),
                problem_id=parse_int(request.POST.get("resolve"), minimum=1),
            )
            if problem is not None:
                messages.success(
                    request,
                    f"Resolved: {problem.address}. What failed for {problem.user} is being "
                    "sent again.",
                )
        return redirect("notifications:email_problems")
    return render(
        request,
        "notifications/email_problems.html",
        {"problems": selectors.open_email_problems(), "outbox": selectors.outbox_status()},
    )
