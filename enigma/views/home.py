from django.shortcuts import redirect

from enigma.permissions import any_staff


@any_staff
def home(request):
    """Send each person to their role's home page.

    Until the apps' own home pages exist (Today, Reviews, Approvals, ...), everyone
    starts at the student directory.
    """
    return redirect("student_directory")
