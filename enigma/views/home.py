from django.shortcuts import redirect

from enigma import registry
from enigma.capabilities import Capability
from enigma.permissions import requires


@requires(Capability.VIEW_STUDENTS)
def home(request):
    """Send each person to their home page (contributed by the apps that own them).

    Someone to whom no registered home page applies starts at the student directory.
    """
    return redirect(registry.collected().home_url_name_for(request.user) or "student_directory")
