from enigma import registry
from enigma.capabilities import Can
from enigma.models import SchoolSettings


def enigma(request):
    """The room's configured name, what the person may do (`can`, see
    enigma.capabilities) and their navigation."""
    user = getattr(request, "user", None)
    school = SchoolSettings.load()
    return {
        "school": school,
        "room_name": school.room_name if school else "Enigma",
        "can": Can(user),
        "nav_links": registry.collected().nav_links_for(user),
    }
