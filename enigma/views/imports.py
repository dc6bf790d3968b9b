from django.http import HttpResponse

from enigma.permissions import school_admin_only


@school_admin_only
def upload(request):
    return HttpResponse("imports")
