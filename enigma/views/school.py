from django.contrib import messages
from django.shortcuts import redirect, render

from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.forms.school import SchoolSettingsForm
from enigma.models import SchoolSettings
from enigma.permissions import requires
from enigma.selectors import backups as backup_selectors
from enigma.services import school


@requires(Capability.MANAGE_SCHOOL)
def school_settings(request):
    current = SchoolSettings.load()
    form = SchoolSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        school.school_settings_update(by=actor_from(request), form=form)
        messages.success(request, "School settings saved.")
        return redirect("school_settings")
    return render(
        request,
        "enigma/school/settings.html",
        {"form": form, "backups": backup_selectors.backup_status()},
    )
