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


def _older(client, page, **criteria):
    return client.get(reverse("audit_log"), {**criteria, "before": page.older_cursor})


def test_the_log_is_counted_only_up_to_a_cap_and_paged_from_where_the_reader_is(
    client_for, ada, cora, monkeypatch
):
    from enigma.selectors import audit_log

    monkeypatch.setattr(audit_log, "COUNTED_UP_TO", 7)
    monkeypatch.setattr(audit_log, "PER_PAGE", 3)
    client = client_for(ada)
    _record(5 - AuditEvent.objects.count(), cora)  # signing in wrote some (views do not)
    response = client.get(reverse("audit_log"))
    page = response.context["page"]
    assert (page.total, page.has_newer(), page.has_older()) == (5, False, True)
    html = response.content.decode()
    assert "5 events" in html and f"before={page.older_cursor}" in html
    assert "Newer" not in html and "Newest" not in html

    _record(10, cora)  # 15 now: over the cap
    newest_first = [e.pk for e in AuditEvent.objects.order_by("-occurred_at", "-id")]
    response = client.get(reverse("audit_log"))
    assert "More than 7 events" in response.content.decode()
    pages = [response.context["page"]]
    while pages[-1].has_older():
        response = _older(client, pages[-1])
        pages.append(response.context["page"])
    assert [e.pk for page in pages for e in page] == newest_first  # every event once, in order
    assert [len(page) for page in pages] == [3, 3, 3, 3, 3]
    assert [page.has_newer() for page in pages] == [False, True, True, True, True]
    html = response.content.decode()
    assert f"after={pages[-1].newer_cursor}" in html and "Older" not in html

    # Newer, from the oldest page back: the same pages, the last of them the newest.
    back = [pages[-1]]
    while back[-1].has_newer():
        after = back[-1].newer_cursor
        back.append(client.get(reverse("audit_log"), {"after": after}).context["page"])
    assert [[e.pk for e in p] for p in back] == [[e.pk for e in p] for p in reversed(pages)]

    # Events written since the reader's first page: Newer from the second page shows
    # the three just above it, and the newest page is one further back.
    _record(2, cora)
    between = client.get(reverse("audit_log"), {"after": pages[1].newer_cursor})
    assert [e.pk for e in between.context["page"]] == newest_first[:3]
    assert between.context["page"].has_newer()

    # A cursor that is not an event's id gives the newest page.
    for cursor in ("x", "-3", "0", "99999999999", str(2**70)):
        for key in ("before", "after"):
            page = client.get(reverse("audit_log"), {key: cursor}).context["page"]
            assert not page.has_newer(), (key, cursor)
            assert page.object_list[0].pk == AuditEvent.objects.latest("occurred_at", "id").pk


def test_an_older_page_reads_from_its_place_in_the_log_never_past_the_rows_before_it(
    client_for, ada, cora
):
    """A page deep in the log reads its cursor's row, one page and one row from the
    index at the cursor's place, and the capped count: no OFFSET, whatever its depth."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enigma.selectors.audit_log import COUNTED_UP_TO, PER_PAGE

    client = client_for(ada)
    _record(2 * PER_PAGE + 5, cora)
    first = client.get(reverse("audit_log"), {"who": "cora"}).context["page"]
    second = _older(client, first, who="cora").context["page"]
    for criteria in ({}, {"who": "cora"}, {"action": "records."}):
        with CaptureQueriesContext(connection) as ctx:
            response = _older(client, second, **criteria)
            assert response.status_code == 200
        on_the_log = [q["sql"] for q in ctx.captured_queries if '"enigma_auditevent"' in q["sql"]]
        reads = [sql for sql in on_the_log if not sql.startswith("INSERT")]
        assert len(reads) == 3 + ("who" in criteria), reads  # a "who" lists first
        assert not any("OFFSET" in sql for sql in reads), reads
        page_read = [sql for sql in reads if f"LIMIT {PER_PAGE + 1}" in sql]
        assert len(page_read) == 1 and '"occurred_at" <=' in page_read[0], reads
        assert any(f"LIMIT {COUNTED_UP_TO + 1}" in sql for sql in reads), reads


def test_a_first_page_reads_no_more_of_the_log_than_the_cap(client_for, ada, cora):
    """However long the log, a first page counts at most COUNTED_UP_TO + 1 events and reads
    one page and one row: no query over the whole table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from enigma.selectors.audit_log import COUNTED_UP_TO, PER_PAGE, UNATTRIBUTED_LISTED

    client = client_for(ada)
    _record(3, cora)
    for criteria in ({}, {"action": "records."}, {"who": "cora"}):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("audit_log"), criteria).status_code == 200
        on_the_log = [q["sql"] for q in ctx.captured_queries if '"enigma_auditevent"' in q["sql"]]
        reads = [sql for sql in on_the_log if not sql.startswith("INSERT")]
        # A "who" first lists the events without a person that match (at most
        # UNATTRIBUTED_LISTED + 1, from their own index).
        assert len(reads) == 2 + ("who" in criteria), reads
        limits = (
            f"LIMIT {PER_PAGE + 1}",
            f"LIMIT {COUNTED_UP_TO + 1}",
            f"LIMIT {UNATTRIBUTED_LISTED + 1}",
        )
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


def test_who_lists_the_matching_events_without_a_person_first_from_their_own_index(
    client_for, ada, cora, monkeypatch
):
    """Failed sign-ins (no person, the label the address tried) matching a "who" are
    listed first from the index audit_unattributed_recent, which holds their labels, so
    a "who" matching none reads no event's row (0.74 s on the bench school's 80,000
    failed sign-ins, 49 ms listed); past the list's cap they are matched in the page's
    own query, as before."""
    from django.db import connection

    from enigma.selectors import audit_log

    for n in range(3):
        audit.record(audit.Action.SIGN_IN_FAILED, actor_label=f"typo{n}@example.org")
    audit.record(audit.Action.STUDENT_VIEWED, actor=cora, obj=StudentFactory())
    client = client_for(ada)
    for listed in (10, 2):  # listed, then too many to list
        monkeypatch.setattr(audit_log, "UNATTRIBUTED_LISTED", listed)
        page = client.get(reverse("audit_log"), {"who": "typo"}).context["page"]
        labels = [e.actor_label for e in page.object_list]
        assert labels == ["typo2@example.org", "typo1@example.org", "typo0@example.org"]
        assert page.total == 3

    listing = (
        AuditEvent.objects.filter(actor__isnull=True, actor_label__icontains="nobody")
        .order_by("-occurred_at", "-id")
        .values_list("pk", flat=True)[:1001]
    )
    sql, params = listing.query.sql_with_params()
    with connection.cursor() as cursor:
        # (On a test's few rows any plan is cheap: only the index's order is asked.)
        for scan in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using audit_unattributed_recent" in plan, plan


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
