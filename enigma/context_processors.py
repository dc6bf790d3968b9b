from enigma.capabilities import Can
from enigma.models import SchoolSettings


def enigma(request):
    """The room's configured name and what the person may do (`can`, see
    enigma.capabilities); the header's links are enigma_nav.shell_part's."""
    user = getattr(request, "user", None)
    school = SchoolSettings.load()
    return {
        "school": school,
        "room_name": school.room_name if school else "Enigma",
        "can": Can(user),
    }
