"""The school admin keeps the list of chronology categories here.

Entries, links, actions and completions are not in the admin at all: they are
append-only, and read through the student file where access rules apply. A category in
use cannot be deleted (entries protect it); retire it by unticking "active".
"""

from django.contrib import admin

from records.models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "restricted", "active", "position")
    list_editable = ("restricted", "active", "position")
    list_filter = ("restricted", "active")
    search_fields = ("name",)
