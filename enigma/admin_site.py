"""The Django admin is for the school admin only, behind the same 2FA as everything."""

from enigma.capabilities import Capability


def configure_admin_site(site):
    def has_permission(request):
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.can(Capability.MANAGE_SCHOOL))
        )

    site.has_permission = has_permission
    site.site_header = "Enigma administration"
    site.site_title = "Enigma administration"
    site.index_title = "School data"
