"""The school's names for the placement purposes (a section of the school's settings)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.common import add_service_errors
from enigma.permissions import requires
from referrals.forms.purposes import PurposeNamesForm
from referrals.purposes import purpose_labels
from referrals.services.purposes import rename_purposes


@requires(Capability.MANAGE_SCHOOL)
def purpose_names(request):
    form = PurposeNamesForm(request.POST or None, labels=purpose_labels())
    if request.method == "POST" and form.is_valid():
        try:
            changes = rename_purposes(names=form.cleaned_data, by=actor_from(request))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Names of the purposes saved." if changes else "No names were changed.",
            )
            return redirect("referrals:purpose_names")
    return render(request, "referrals/purposes/names.html", {"form": form})
