"""Keep the role groups and the school admin's Django-admin permissions in place.

Run after every migrate (post_migrate), so a new installation, an upgrade and a test
database all have the seven role groups. Idempotent.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from enigma.roles import Role

# What the school admin may do in the Django admin: manage staff accounts, roles and
# sign-in methods (see and reset, never read), students and the calendar. Audit events
# are read-only for everyone, and students cannot be deleted (the database refuses it).
SCHOOL_ADMIN_PERMISSIONS = (
    Q(content_type__app_label="enigma")
    & ~Q(
        codename__in=["add_auditevent", "change_auditevent", "delete_auditevent", "delete_student"]
    )
    # Email address rows are only looked at: an address added or marked verified here
    # would receive the account's password-reset links. The sign-in email is changed on
    # the person's own page (with a check of the new inbox), or in the user's form here,
    # which tells the old address.
    | Q(
        content_type__app_label="account",
        content_type__model="emailaddress",
        codename="view_emailaddress",
    )
    | Q(content_type__app_label="socialaccount", content_type__model="socialaccount")
    | Q(
        content_type__app_label="mfa",
        content_type__model="authenticator",
        codename__in=["view_authenticator", "delete_authenticator"],
    )
    | Q(content_type__app_label="auth", content_type__model="group", codename="view_group")
)


def sync_roles(**kwargs) -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    admin_group = Group.objects.get(name=Role.SCHOOL_ADMIN.value)
    admin_group.permissions.set(Permission.objects.filter(SCHOOL_ADMIN_PERMISSIONS))
