"""The notifications pages."""

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from enigma.capabilities import Capability
from enigma.inputs import parse_int
from enigma.permissions import requires
from notifications import services
from notifications.models import (
    ALWAYS_IMMEDIATE,
    EmailProblem,
    Kind,
    Notification,
    NotificationPreference,
)


@requires(Capability.READ_NOTIFICATIONS)
def inbox(request):
    rows = Notification.objects.filter(recipient=request.user).order_by(
        "-read_at", "-created_at", "-id"
    )
    rows = sorted(rows[:200], key=lambda n: (n.read_at is not None, -n.created_at.timestamp()))
    return render(request, "notifications/inbox.html", {"rows": rows})


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
        EmailProblem.objects.filter(
            pk=parse_int(request.POST.get("resolve"), minimum=1), resolved_at__isnull=True
        ).update(resolved_at=timezone.now())
        return redirect("notifications:email_problems")
    problems = EmailProblem.objects.filter(resolved_at__isnull=True).select_related("user")
    return render(request, "notifications/email_problems.html", {"problems": problems})
