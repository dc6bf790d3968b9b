"""The school admin keeps the list of chronology categories here.

Entries, links, actions and completions are not in the admin at all: they are
append-only, and read through the student file where access rules apply. A category in
use cannot be deleted (entries protect it); retire it by unticking "active". Every change
is audited with its old and new values (records.services.categories).
"""

from django.contrib import admin

from enigma.actor import actor_from
from records.models import Category
from records.services.categories import save_category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "restricted", "sen_record", "active", "position")
    list_editable = ("restricted", "sen_record", "active", "position")
    list_filter = ("restricted", "sen_record", "active")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        # Through the service, so each change (from the form or the list) is audited.
        save_category(actor=actor_from(request), category=obj)
