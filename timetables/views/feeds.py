"""The student's printable week and the calendar feeds of a placement's plan.

- The printable week is for everyone who may see the student (others get 404).
- The coordinator and the SENCO make and revoke calendar links; a new link's address is
  shown once, in the answer to the POST that made it.
- The feed itself is public: calendar apps fetch it without cookies, so its secret
  address is the key. Unknown and revoked addresses get the same 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotFound
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.permissions import requires
from referrals.selectors.placements import placement_for
from timetables import calendar_feed
from timetables.models import CalendarFeed
from timetables.selectors import feeds as selectors
from timetables.services import feeds as services

feed_managers = requires(Capability.MANAGE_CALENDAR_FEEDS)


class FeedForm(forms.Form):
    label = forms.CharField(
        label="Who it is for",
        max_length=80,
        help_text="So you know which link to revoke later, e.g. “Parent's phone”.",
    )


# --- the printable week ------------------------------------------------------------------


@requires(Capability.VIEW_STUDENTS)
@require_safe
def print_week(request, placement_pk: int):
    placement = selectors.placement_for_print(request.user, placement_pk)
    monday = selectors.chosen_week(placement, request.GET.get("week"), timezone.localdate())
    week = selectors.print_week(placement, monday)
    services.week_printed(placement=placement, monday=monday, by=actor_from(request))
    return render(
        request,
        "timetables/feeds/print_week.html",
        {
            "week": week,
            "student": placement.student,
            "printed_at": timezone.now(),
        },
    )


# --- managing the calendar links ---------------------------------------------------------


def _feeds_page(request, placement, form, *, status: int = 200):
    feeds = placement.feeds.select_related("created_by", "revoked_by")
    return render(
        request,
        "timetables/feeds/feeds.html",
        {"placement": placement, "student": placement.student, "feeds": feeds, "form": form},
        status=status,
    )


@feed_managers
@require_safe
def feeds(request, placement_pk: int):
    placement = placement_for(placement_pk)
    return _feeds_page(request, placement, FeedForm())


@feed_managers
@require_POST
def feed_add(request, placement_pk: int):
    placement = placement_for(placement_pk)
    form = FeedForm(request.POST)
    if form.is_valid():
        try:
            made = services.feed_make(
                placement=placement,
                label=form.cleaned_data["label"],
                by=actor_from(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            url = request.build_absolute_uri(
                reverse("timetables:feed", kwargs={"token": made.token})
            )
            return render(
                request,
                "timetables/feeds/made.html",
                {
                    "placement": placement,
                    "student": placement.student,
                    "feed": made.feed,
                    "url": url,
                    "webcal_url": "webcal://" + url.split("://", 1)[1],
                },
            )
    return _feeds_page(request, placement, form, status=400)


@feed_managers
@require_POST
def feed_revoke(request, feed_pk: int):
    feed = get_object_or_404(CalendarFeed.objects.select_related("placement__student"), pk=feed_pk)
    if services.feed_revoke(feed=feed, by=actor_from(request)):
        messages.success(
            request,
            f"Revoked “{feed}”: calendars using it stop updating and lose the "
            "lessons at their next refresh.",
        )
    else:
        messages.info(request, f"“{feed}” was already revoked.")
    return redirect("timetables:feeds", placement_pk=feed.placement_id)


@requires(Capability.READ_PLACEMENTS)
@require_safe
def placement_calendar_panel(request, placement_pk: int):
    """The panel on the placement page: print the week, and the calendar links."""
    placement = placement_for(placement_pk)
    can_manage = request.user.can(Capability.MANAGE_CALENDAR_FEEDS)
    return render(
        request,
        "timetables/feeds/_placement_panel.html",
        {
            "placement": placement,
            "active_feeds": placement.feeds.filter(revoked_at__isnull=True).count()
            if can_manage
            else 0,
        },
    )


# --- the feed itself (public) --------------------------------------------------------------


@login_not_required
@require_safe
def feed(request, token: str):
    found = calendar_feed.feed_for_token(token)
    if found is None:
        # The same few bytes for an unknown and a revoked address: nothing to tell apart.
        response = HttpResponseNotFound(
            "No such calendar.\n", content_type="text/plain; charset=utf-8"
        )
    else:
        body = calendar_feed.build_calendar(found, domain=request.get_host().split(":")[0])
        services.feed_fetched(found)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="timetable.ics"'
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
