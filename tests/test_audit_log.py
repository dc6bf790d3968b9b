"""The school admin's audit log page: plain words, filters that narrow, bad input handled."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from enigma import audit
from enigma.models import AuditEvent
from tests.factories import StudentFactory


def test_events_are_listed_in_plain_words(client_for, ada, cora):
    student = StudentFactory(legal_forename="Zofia", legal_surname="Nowak")
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=student)
    audit.record(audit.Action.SIGN_IN_FAILED, actor_label="who@example.org")
    page = client_for(ada).get(reverse("audit_log")).content.decode()
    assert "Viewed a student&#x27;s page" in page
    assert "Sign-in failed" in page
    assert "who@example.org" in page
    assert "Zofia Nowak" in page


def test_filtering_by_kind_of_event(client_for, ada, cora):
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory())
    audit.record(audit.Action.SIGN_IN_FAILED, actor_label="who@example.org")
    client = client_for(ada)  # signing in writes an auth event too
    response = client.get(reverse("audit_log"), {"action": "auth."})
    shown = {e.action for e in response.context["page"].object_list}
    assert audit.Action.SIGN_IN_FAILED in shown
    assert audit.Action.STUDENT_VIEWED not in shown
    assert all(a.startswith("auth.") for a in shown)


def test_filtering_by_student_and_person(client_for, ada, cora, tom):
    kept = StudentFactory(legal_surname="Abara")
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=kept)
    audit.record(audit.Action.STUDENT_VIEWED, actor=tom, obj=StudentFactory(legal_surname="Ng"))
    client = client_for(ada)
    by_student = client.get(reverse("audit_log"), {"student": "abara"}).context["page"]
    assert [e.student for e in by_student.object_list] == [kept]
    by_person = client.get(reverse("audit_log"), {"who": tom.email}).context["page"]
    assert {e.actor for e in by_person.object_list} == {tom}


def test_an_unknown_kind_is_refused_at_the_field(client_for, ada):
    response = client_for(ada).get(reverse("audit_log"), {"action": "'; DROP TABLE x; --"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert AuditEvent.objects.exists()  # signing in was recorded, nothing was dropped


def _record(n, actor):
    AuditEvent.objects.bulk_create(
        AuditEvent(action=audit.Action.STUDENT_VIEWED, actor=actor, actor_label=actor.email)
        for _ in range(n)
    )


def test_the_log_is_counted_only_up_to_a_cap_and_paged_by_what_lies_beyond(
    client_for, ada, cora, monkeypatch
):
    from enigma.selectors import audit_log

    monkeypatch.setattr(audit_log, "COUNTED_UP_TO", 7)
    monkeypatch.setattr(audit_log, "PER_PAGE", 3)
    client = client_for(ada)
    _record(5 - AuditEvent.objects.count(), cora)  # signing in wrote some (views do not)
    page = client.get(reverse("audit_log")).context["page"]
    assert (page.total, page.num_pages, page.has_next(), page.has_previous()) == (5, 2, True, False)
    html = client.get(reverse("audit_log")).content.decode()
    assert "5 events" in html and "Page 1 of 2" in html

    _record(10, cora)  # 15 now: over the cap
    response = client.get(reverse("audit_log"), {"page": 2})
    page = response.context["page"]
    assert page.total is None and page.num_pages is None
    assert len(page.object_list) == 3 and page.has_next() and page.has_previous()
    html = response.content.decode()
    assert "More than 7 events" in html
    assert "Page 2<" in html and "page=3" in html and "page=1" in html

    last = client.get(reverse("audit_log"), {"page": 5}).context["page"]
    assert (len(last.object_list), last.has_next()) == (3, False)
    # Past the end, the last page (as Django's get_page); not a number, the first.
    assert client.get(reverse("audit_log"), {"page": 40}).context["page"].number == 5
    assert client.get(reverse("audit_log"), {"page": "x"}).context["page"].number == 1
    assert client.get(reverse("audit_log"), {"page": -3}).context["page"].number == 1
    newest_first = [e.pk for e in AuditEvent.objects.order_by("-occurred_at", "-id")]
    shown = []
    for number in range(1, 6):
        shown += [e.pk for e in client.get(reverse("audit_log"), {"page": number}).context["page"]]
    assert shown == newest_first  # every event once, in order


def test_a_first_page_reads_no_more_of_the_log_than_the_cap(client_for, ada, cora):
    """However long the log, a first page counts at most COUNTED_UP_TO + 1 events and reads
    one page and one row: no query over the whole table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enigma.selectors.audit_log import COUNTED_UP_TO, PER_PAGE

    client = client_for(ada)
    _record(3, cora)
    for criteria in ({}, {"action": "records."}, {"who": "cora"}):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audit_log"), criteria).status_code == 200
        on_the_log = [q["sql"] for q in ctx.captured_queries if '"enigma_auditevent"' in q["sql"]]
        reads = [sql for sql in on_the_log if not sql.startswith("INSERT")]
        assert len(reads) == 2, reads
        limits = (f"LIMIT {PER_PAGE + 1}", f"LIMIT {COUNTED_UP_TO + 1}")
        assert all(any(limit in sql for limit in limits) for sql in reads), reads


def test_who_finds_a_persons_events_by_their_name_or_address_and_failed_sign_ins_by_label(
    client_for, ada, cora, tom
):
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory())
    # Written under an earlier address: the person is found, so the event is too.
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, actor_label="old@example.org")
    audit.record(audit.Action.SIGN_IN_FAILED, actor_label="cora.typo@example.org")
    audit.record(audit.Action.STUDENT_VIEWED, actor=tom, obj=StudentFactory())
    client = client_for(ada)

    def shown(who):
        page = client.get(reverse("audit_log"), {"who": who}).context["page"]
        return sorted((e.actor_id or 0, e.actor_label) for e in page.object_list)

    by_address = shown(cora.email)
    assert (cora.pk, "old@example.org") in by_address
    assert all(actor == cora.pk for actor, _label in by_address)
    assert shown(cora.display_name) == by_address
    assert shown("cora.typo") == [(0, "cora.typo@example.org")]
    assert shown("nobody-has-this-name") == []


def test_a_part_of_a_name_many_pupils_share_still_finds_their_events(
    client_for, ada, cora, monkeypatch
):
    from enigma.selectors import audit_log

    named = [StudentFactory(legal_surname=f"Okafor{i}") for i in range(3)]
    for pupil in named:
        audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=pupil)
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory(legal_surname="Ng"))
    client = client_for(ada)
    for listed in (10, 1):  # the pupils listed first, then too many to list
        monkeypatch.setattr(audit_log, "PUPILS_LISTED", listed)
        page = client.get(reverse("audit_log"), {"student": "okafor"}).context["page"]
        assert {e.student for e in page.object_list} == set(named)
        assert page.total == 3
    by_upn = client.get(reverse("audit_log"), {"student": named[1].upn.lower()}).context["page"]
    assert [e.student for e in by_upn.object_list] == [named[1]]


def test_the_admins_list_of_events_counts_up_to_a_cap_and_filters_from_fixed_lists(
    client_for, ada, cora, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enigma.admin import AuditEventAdmin, CappedCountPaginator

    # (The admin reads a list counted at most list_per_page whole, unpaged: the cap is
    # always above it.)
    monkeypatch.setattr(CappedCountPaginator, "cap", 4)
    monkeypatch.setattr(AuditEventAdmin, "list_per_page", 2)
    client = client_for(ada)
    clock = time_machine.travel(dt.datetime(2026, 11, 4, 12, 0, tzinfo=dt.UTC), tick=True)
    clock.start()
    url = reverse("admin:enigma_auditevent_changelist")
    _record(2, cora)
    audit.record(audit.Action.SIGN_IN_FAILED, actor_label="who@example.org")
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    assert "Counted up to 4 events: there are more." in html
    assert "4 audit events" not in html  # Django's own line would give the cap as the count
    assert "More than 4 events" in html and "Show counts" not in html
    on_the_log = [q["sql"] for q in ctx.captured_queries if '"enigma_auditevent"' in q["sql"]]
    assert not [sql for sql in on_the_log if "DISTINCT" in sql]
    assert all("LIMIT" in sql for sql in on_the_log), [sql[-120:] for sql in on_the_log]
    assert len(on_the_log) == 2

    response = client.get(url, {"what": "auth."})
    shown = set(response.context["cl"].queryset.values_list("action", flat=True))
    assert audit.Action.SIGN_IN_FAILED in shown
    assert all(action.startswith("auth.") for action in shown)
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    today = client.get(
        url,
        {
            "occurred_at__gte": midnight.isoformat(),
            "occurred_at__lt": (midnight + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert today.status_code == 200
    assert today.context["cl"].result_count == 3  # the three above, not the sign-in before
    clock.stop()
