"""The school admin edits chronology categories in the admin; entries are not there."""

from django.contrib import admin
from django.urls import reverse

from records.models import Category, ChronologyLink, Entry


def test_the_school_admin_adds_a_restricted_category(client_for, ada):
    client = client_for(ada)
    response = client.post(
        reverse("admin:records_category_add"),
        {"name": "Online safety", "restricted": "on", "active": "on", "position": 95},
    )
    assert response.status_code == 302
    assert Category.objects.get(name="Online safety").restricted


def test_entries_and_links_are_not_editable_in_the_admin():
    assert not admin.site.is_registered(Entry)
    assert not admin.site.is_registered(ChronologyLink)
