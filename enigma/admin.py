"""The Django admin, for the school admin: users and roles, students, calendar.

Students are never deleted (a database trigger refuses it), and the audit log is
read-only here as everywhere. Nobody sees a secret: the sign-in methods list shows what
kind each is and when it was used, never its data (an authenticator app's secret, the
recovery codes' seed); removing one resets the person's two-factor sign-in. Role,
access, password and email changes made here are audited with whose account and what
changed, and the person is told (enigma.services.accounts).
"""

import allauth.mfa.admin  # noqa: F401 - registers allauth's admin first, so we can replace it
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from enigma import audit
from enigma.actor import actor_from
from enigma.models import (
    AuditEvent,
    Contact,
    NonSchoolDay,
    Period,
    SchoolSettings,
    Student,
    StudentStaffLink,
    Term,
    User,
)
from enigma.selectors import audit_log
from enigma.services import accounts
from enigma.validators import upn_warnings


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("email", "display_name", "initials", "mis_id", "is_active", "last_login")
    list_filter = ("groups", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name", "display_name", "mis_id")
    ordering = ("last_name", "first_name")
    fieldsets = (
        (None, {"fields": ("username", "email", "password")}),
        (
            "Profile",
            {"fields": ("title", "first_name", "last_name", "display_name", "initials", "mis_id")},
        ),
        ("Roles and access", {"fields": ("is_active", "groups", "is_staff")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    filter_horizontal = ("groups",)
    readonly_fields = ("last_login", "date_joined")
    actions = ("reset_two_factor",)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields

    @admin.action(description="Reset two-factor sign-in (they set it up again)")
    def reset_two_factor(self, request, queryset):
        _reset_two_factor(request, queryset)


def _reset_two_factor(request, users) -> None:
    done = [
        user for user in users if accounts.two_factor_reset(actor=actor_from(request), user=user)
    ]
    if done:
        names = ", ".join(str(u) for u in done)
        messages.success(
            request,
            f"Two-factor sign-in reset for {names}: they set it up again at their next "
            "sign-in, and have been told by email.",
        )
    else:
        messages.info(request, "Nobody selected had two-factor sign-in set up.")


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Each person's second factors: the kind and when used, never the secret inside.
    Deleting one resets that person's two-factor sign-in (all their factors go)."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        _reset_two_factor(request, [obj.user])

    def delete_queryset(self, request, queryset):
        users = {a.user_id: a.user for a in queryset.select_related("user")}
        _reset_two_factor(request, users.values())


class ContactInline(admin.StackedInline):
    model = Contact
    extra = 0


class LinkInline(admin.TabularInline):
    model = StudentStaffLink
    extra = 0
    autocomplete_fields = ("staff",)


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = (
        "legal_surname",
        "legal_forename",
        "upn",
        "year_group",
        "tutor_group",
        "sen_status",
        "on_roll",
    )
    list_filter = ("on_roll", "year_group", "sen_status", "looked_after")
    search_fields = ("legal_surname", "legal_forename", "preferred_forename", "upn", "mis_id")
    inlines = (ContactInline, LinkInline)

    def get_queryset(self, request):
        # A pupil whose record was disposed of is an anonymised row kept only for the
        # chain and the tombstone: not listed, searched or editable here either (editing
        # it would put words back on a disposed record).
        return super().get_queryset(request).with_record()

    def has_delete_permission(self, request, obj=None):
        return False  # leavers are marked off roll; the trigger refuses deletes anyway

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for warning in upn_warnings(obj.upn):
            self.message_user(request, warning, messages.WARNING)


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("name", "starts_on", "ends_on", "half_term_starts_on", "half_term_ends_on")


@admin.register(NonSchoolDay)
class NonSchoolDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "description")
    list_filter = ("kind",)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "starts_at", "ends_at")


@admin.register(SchoolSettings)
class SchoolSettingsAdmin(admin.ModelAdmin):
    list_display = ("school_name", "room_name", "capacity", "placement_weeks")

    def has_add_permission(self, request):
        return not SchoolSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class CappedCountPaginator(Paginator):
    """Counts the list up to `cap` rows (capped: whether there are more): the audit log is
    never deleted, and the admin counted all of it on every view of its first page."""

    cap = audit_log.ADMIN_COUNTED_UP_TO  # above list_per_page: a list counted no more
    # than a page is read whole by the admin, unpaged

    @cached_property
    def count(self) -> int:
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    capped = False


class ActionGroupFilter(admin.SimpleListFilter):
    """The kinds of event, as the audit page groups them (enigma.audit.groups): a fixed
    list, not the distinct actions of the whole log (read in full on every view)."""

    title = "what"
    parameter_name = "what"

    def lookups(self, request, model_admin):
        return list(audit.groups().items())

    def queryset(self, request, queryset):
        value = self.value()
        if value in audit.groups():
            return queryset.filter(action__startswith=value)
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only. Objects are shown as enigma.audit.object_label names them, and data
    without the keys that may carry private words: a row about a restricted entry never
    shows its text, even a row written before its app registered it as private.

    Its work does not grow with the log: counted up to a cap, filtered by fixed lists
    (kinds of event; today, the past week, this month, this year), with no date
    hierarchy (its year links were the distinct years of every event: ~1.1 s for
    2,000,000 events). On the bench school's ten years the list took 1.47 s a view."""

    list_display = ("occurred_at", "actor_label", "action", "object_label", "student", "ip_address")
    list_filter = (ActionGroupFilter, ("occurred_at", admin.DateFieldListFilter))
    search_fields = ("actor_label", "action", "object_repr")
    paginator = CappedCountPaginator
    list_select_related = ("student",)  # named in each row: one query, not one a row
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice, over the whole log
    fields = (
        "occurred_at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "student",
        "ip_address",
        "user_agent",
        "details",
    )
    readonly_fields = fields

    @admin.display(description="Object")
    def object_label(self, event):
        return audit.object_label(event)

    @admin.display(description="Data")
    def details(self, event):
        return "; ".join(f"{k}: {v}" for k, v in sorted(audit.shown_data(event).items()))

    def get_search_results(self, request, queryset, search_term):
        return audit_log.search_words(queryset, search_term), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
