"""The root URLconf: the core's pages, allauth, the admin, and each app's URLs."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from enigma.admin_site import configure_admin_site

configure_admin_site(admin.site)
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", include("enigma.urls.core")),
    path("calendar/", include("enigma.urls.calendar")),
    path("imports/", include("enigma.urls.imports")),
    path("records/", include("records.urls")),
    path("referrals/", include("referrals.urls")),
    path("timetables/", include("timetables.urls")),
    path("notifications/", include("notifications.urls")),
    path("disclosure/", include("disclosure.urls")),
    path("oversight/", include("oversight.urls")),
    path("accounts/", include("allauth.urls")),
    path("school-admin/", admin.site.urls),
]

handler400 = "enigma.views.errors.bad_request"
handler403 = "enigma.views.errors.permission_denied"
handler404 = "enigma.views.errors.not_found"
handler500 = "enigma.views.errors.server_error"
