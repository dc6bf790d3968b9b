from django.shortcuts import render

from enigma.models import NonSchoolDay, Period, Term
from enigma.permissions import school_admin_only


@school_admin_only
def overview(request):
    return render(request, "enigma/calendar/overview.html", {
        "terms": Term.objects.all(), "days": NonSchoolDay.objects.all(),
        "periods": Period.objects.all(),
    })
