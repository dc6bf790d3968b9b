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


def test_every_change_to_a_category_is_audited_with_old_and_new_values(client_for, ada):
    """Un-restricting a category opens its entries to all staff: never without a trace."""
    from enigma.models import AuditEvent
    from records.audit_actions import RecordsAction

    safeguarding = Category.objects.get(name="Safeguarding")
    client = client_for(ada)
    response = client.post(
        reverse("admin:records_category_change", args=[safeguarding.pk]),
        {"name": "Safeguarding", "active": "on", "sen_record": "on", "position": 10},
    )
    assert response.status_code == 302
    safeguarding.refresh_from_db()
    assert not safeguarding.restricted and safeguarding.sen_record
    event = AuditEvent.objects.get(action=RecordsAction.CATEGORY_CHANGED)
    assert event.actor == ada
    changes = event.data["changes"]
    assert changes["restricted"] == [True, False] and changes["sen_record"] == [False, True]
    assert "name" not in changes
    client.post(
        reverse("admin:records_category_add"),
        {"name": "Online safety", "restricted": "on", "active": "on", "position": 95},
    )
    assert AuditEvent.objects.filter(action=RecordsAction.CATEGORY_ADDED).count() == 1


def test_the_category_list_shows_and_edits_the_sen_flag(client_for, ada):
    page = client_for(ada).get(reverse("admin:records_category_changelist")).content.decode()
    assert "SEN record" in page and "sen_record" in page
