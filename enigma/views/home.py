from django.shortcuts import redirect

from enigma import extensions
from enigma.capabilities import Capability
from enigma.permissions import requires


@requires(Capability.VIEW_STUDENTS)
def home(request):
    """Send each person to their role's home page (registered by the apps that own them).

    A role whose home page does not exist yet starts at the student directory.
    """
    return redirect(extensions.home_url_name_for(request.user.roles) or "student_directory")
