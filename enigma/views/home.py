from django.shortcuts import redirect

from enigma import extensions
from enigma.capabilities import Capability
from enigma.permissions import requires


@requires(Capability.VIEW_STUDENTS)
def home(request):
    """Send each person to their home page (registered by the apps that own them).

    Someone to whom no registered home page applies starts at the student directory.
    """
    return redirect(extensions.home_url_name_for(request.user) or "student_directory")
