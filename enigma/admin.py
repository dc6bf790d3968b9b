"""The Django admin, for the school admin: users and roles, students, calendar.

Students are never deleted (a database trigger refuses it), and the audit log is
read-only here as everywhere.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("is_superuser")
        return fields


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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "actor_label", "action", "object_repr", "student", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_label", "action", "object_repr")
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
