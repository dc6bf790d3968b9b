from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render

from enigma.inputs import BadInput
from enigma.uploads import UploadTooLarge


@login_not_required
def bad_request(request, exception=None):
    # Only our own messages are shown: others (a SuspiciousOperation's) are not for users.
    if isinstance(exception, UploadTooLarge):
        return render(request, "errors/413.html", {"message": str(exception)}, status=413)
    message = str(exception) if isinstance(exception, BadInput) else ""
    return render(request, "errors/400.html", {"message": message}, status=400)


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


@login_not_required
def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@login_not_required
def server_error(request):
    return render(request, "errors/500.html", status=500)
