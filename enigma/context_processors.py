from enigma import extensions
from enigma.models import SchoolSettings
from enigma.roles import Role


def enigma(request):
    """The room's configured name and the navigation for the person's roles."""
    user = getattr(request, "user", None)
    roles = getattr(user, "roles", frozenset()) if user and user.is_authenticated else frozenset()
    school = SchoolSettings.load()
    return {
        "school": school,
        "room_name": school.room_name if school else "Enigma",
        "user_roles": roles,
        "is_school_admin": Role.SCHOOL_ADMIN in roles,
        "nav_links": extensions.nav_links_for(roles),
    }
