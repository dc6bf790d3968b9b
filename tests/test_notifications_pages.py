"""The notifications pages: each role gets exactly what tests/role_tables/notifications.py
says; people see only their own notifications; preferences; the admin's email problems."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from enigma.permissions import declared_capabilities
from notifications.models import EmailProblem, Kind, Notification, NotificationPreference
from tests.conftest import PERSONAS
from tests.role_tables import notifications as table
from tests.role_tables.capabilities import needs, roles_allowed

D = dt.date


def note(user, title="Weekly review due tomorrow", **kw):
    return Notification.objects.create(
        kind=kw.pop("kind", Kind.REVIEW_DUE_SOON),
        subject_key=kw.pop("subject_key", "review:1"),
        due_on=D(2026, 9, 11),
        recipient=user,
        title=title,
        body="",
        url="/",
        **kw,
    )


def test_every_notifications_url_is_in_the_table_with_its_capability():
    from notifications import urls

    patterns = {f"notifications:{p.name}": p for p in urls.urlpatterns}
    assert set(patterns) == set(table.NEEDS)
    for name, pattern in patterns.items():
        assert declared_capabilities(pattern.callback) == needs(table.NEEDS[name]), name


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_each_role_gets_exactly_the_notifications_pages_it_should(persona, personas, client_for):
    user = personas[persona]
    own = note(user)
    client = client_for(user)
    for name, needed in table.NEEDS.items():
        kwargs = {"pk": own.pk} if name == "notifications:mark_read" else {}
        response = client.get(reverse(name, kwargs=kwargs))
        allowed = bool(frozenset(PERSONAS[persona]) & roles_allowed(needed))
        if allowed and name in table.POST_ONLY:
            assert response.status_code == 405, (persona, name)
        elif allowed:
            assert response.status_code == 200, (persona, name, response.status_code)
        else:
            assert response.status_code == 403, (persona, name, response.status_code)
        if name in table.POST_ONLY:
            response = client.post(reverse(name, kwargs=kwargs))
            assert response.status_code == (302 if allowed else 403), (persona, name)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in table.NEEDS:
        kwargs = {"pk": 1} if name == "notifications:mark_read" else {}
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_the_inbox_lists_only_my_own_unread_first_and_marks_read(cora, sam, client_for):
    read = note(cora, "Old one", subject_key="review:2")
    unread = note(cora, "New one", subject_key="review:3")
    note(sam, "Sam's own", subject_key="review:4")
    client = client_for(cora)
    client.post(reverse("notifications:mark_read", args=[read.pk]))
    page = client.get(reverse("notifications:inbox"))
    assert [n.title for n in page.context["rows"]] == ["New one", "Old one"]
    assert b"Sam&#x27;s own" not in page.content and b"Sam's own" not in page.content
    # The header shows the unread count.
    assert b'aria-label="1 unread"' in page.content
    # Marking someone else's notification read does nothing.
    sams = Notification.objects.get(recipient=sam)
    client.post(reverse("notifications:mark_read", args=[sams.pk]))
    assert Notification.objects.get(pk=sams.pk).read_at is None
    client.post(reverse("notifications:mark_all_read"))
    assert Notification.objects.get(pk=unread.pk).read_at is not None
    assert b' unread"' not in client.get(reverse("notifications:inbox")).content


def test_preferences_choose_digest_but_safeguarding_stays_immediate(dina, client_for):
    client = client_for(dina)
    client.post(
        reverse("notifications:preferences"),
        {Kind.REVIEW_DUE: "digest", Kind.SAFEGUARDING: "digest", Kind.EXIT_OVERDUE: "nonsense"},
    )
    assert set(NotificationPreference.objects.values_list("kind", "mode")) == {
        (Kind.REVIEW_DUE, "digest")
    }
    page = client.get(reverse("notifications:preferences"))
    assert b"Straight away (always)" in page.content


def test_the_school_admin_sees_and_resolves_email_problems(ada, cora, client_for):
    problem = EmailProblem.objects.create(
        user=cora, address="cora@bounce.example.org", last_error="550 no such user"
    )
    client = client_for(ada)
    page = client.get(reverse("notifications:email_problems"))
    assert b"cora@bounce.example.org" in page.content
    client.post(reverse("notifications:email_problems"), {"resolve": problem.pk})
    assert EmailProblem.objects.get().resolved_at is not None


def test_the_inbox_says_what_happened_to_each_email(cora, client_for):
    from django.utils import timezone

    from tests.clock import LONDON

    note(cora, "Sent one", subject_key="review:5", email_status="sent")
    note(
        cora,
        "Waiting one",
        subject_key="review:6",
        next_attempt_at=dt.datetime(2026, 9, 14, 10, 35, tzinfo=LONDON),
        failing_since=timezone.now(),
    )
    note(cora, "Failed one", subject_key="review:7", email_status="failed")
    html = client_for(cora).get(reverse("notifications:inbox")).content.decode()
    assert "Emailed" in html and "Could not be emailed" in html
    assert "Not yet: the mail server failed, trying again at 10:35" in html


def test_the_inbox_is_paged_unread_first_from_where_the_reader_is_1x_or_10x(
    cora, client_for, monkeypatch
):
    from django.utils import timezone

    from tests.db import queries

    monkeypatch.setattr("notifications.selectors.INBOX_PAGE_SIZE", 3)
    client = client_for(cora)
    url = reverse("notifications:inbox")

    def add(n, start):
        made = [
            note(cora, f"Note {start + i}", subject_key=f"review:{start + i}") for i in range(n)
        ]
        Notification.objects.filter(pk__in=[m.pk for m in made[::2]]).update(read_at=timezone.now())

    add(8, 0)
    small = queries(client, url)
    add(72, 100)
    assert queries(client, url) == small
    first = client.get(url).context["rows"]
    assert all(n.read_at is None for n in first)
    assert (first.total, first.has_newer(), first.has_older()) == (80, False, True)
    assert queries(client, url, {"before": first.older_cursor}) == small

    # Older, page after page: every notification once, unread first, newest first.
    mine = Notification.objects.filter(recipient=cora).order_by("-created_at", "-id")
    in_order = list(mine.filter(read_at__isnull=True)) + list(mine.filter(read_at__isnull=False))
    pages = [first]
    while pages[-1].has_older():
        pages.append(client.get(url, {"before": pages[-1].older_cursor}).context["rows"])
    assert [n.pk for page in pages for n in page] == [n.pk for n in in_order]
    assert len(pages) == 27 and len(pages[-1]) == 2
    # Newer, from the last page back: the same pages.
    back = [pages[-1]]
    while back[-1].has_newer():
        back.append(client.get(url, {"after": back[-1].newer_cursor}).context["rows"])
    assert [[n.pk for n in p] for p in back] == [[n.pk for n in p] for p in reversed(pages)]

    # A notification read after its page was shown moves to the read ones; Older from
    # that page goes on with the unread after it, skipping none.
    last_shown = first.object_list[-1]
    client.post(reverse("notifications:mark_read", args=[last_shown.pk]))
    after_it = client.get(url, {"before": first.older_cursor}).context["rows"]
    assert [n.pk for n in after_it] == [n.pk for n in in_order[3:6]]

    # Counted up to a cap (a DSL's alerts over ten years: ~70,000).
    monkeypatch.setattr("notifications.selectors.INBOX_COUNTED_UP_TO", 10)
    response = client.get(url, {"before": first.older_cursor})
    assert response.context["rows"].total is None and response.context["rows"].has_older()
    assert 'rel="next"' in response.content.decode()
    # Unread first, then read: the links say first, previous and next, not newest.
    links = response.content.decode().split('aria-label="Pages"')[1].split("</nav>")[0]
    assert ">First page<" in links and ">Previous<" in links and ">Next<" in links
    assert "Newest" not in links and "Older" not in links

    # What is not a cursor gives the first page.
    for cursor in ("x", "5", "0.1.2.3", "2.0.5", "0.1.0", f"0.{10**30}.5", "1.5.-3"):
        for key in ("before", "after"):
            page = client.get(url, {key: cursor}).context["rows"]
            assert not page.has_newer() and page.object_list[0].read_at is None, (key, cursor)


def test_the_safeguarding_outbox_is_counted_as_every_outbox_is(personas):
    """The Safeguarding page's counts come from SQL compiled once a process, with the
    fortnight's start put in: the same as outbox_status over the DSL alerts of the last
    two weeks, through waiting, retrying (with the last error), failed and digest rows,
    an alert older than the fortnight and a row of another kind, and with none at all."""
    import time_machine
    from django.utils import timezone

    from notifications import selectors

    dina = personas["dina"]
    now = timezone.now()

    def expected():
        since = timezone.now() - dt.timedelta(days=selectors.SAFEGUARDING_DAYS)
        return selectors.outbox_status(kinds=[Kind.SAFEGUARDING], since=since)

    with time_machine.travel(now, tick=False):
        assert selectors.safeguarding_outbox() == expected()
        assert selectors.safeguarding_outbox().all_sent
    Status = Notification.EmailStatus
    rows = [
        {"created_at": now - dt.timedelta(days=3)},
        {
            "created_at": now - dt.timedelta(days=2),
            "failing_since": now - dt.timedelta(hours=5),
            "next_attempt_at": now + dt.timedelta(minutes=9),
            "last_error": "Connection refused (2)",
        },
        {
            "created_at": now - dt.timedelta(days=1),
            "failing_since": now - dt.timedelta(hours=2),
            "next_attempt_at": now + dt.timedelta(minutes=20),
            "last_error": "Connection refused (1)",
        },
        {"created_at": now - dt.timedelta(days=4), "email_status": Status.FAILED},
        {"created_at": now - dt.timedelta(days=5), "email_status": Status.DIGEST},
        {"created_at": now - dt.timedelta(days=20)},
        {"created_at": now - dt.timedelta(days=1), "kind": Kind.FOLLOW_UP_DUE},
    ]
    for n, fields in enumerate(rows):
        note(dina, kind=fields.pop("kind", Kind.SAFEGUARDING), subject_key=f"sg:{n}", **fields)
    with time_machine.travel(now, tick=False):
        status = selectors.safeguarding_outbox()
        assert status == expected()
    assert (status.waiting, status.retrying, status.failed, status.in_digest) == (3, 2, 1, 1)
    assert status.last_error == "Connection refused (1)"
    assert status.oldest_waiting == now - dt.timedelta(days=3)
    with time_machine.travel(now + dt.timedelta(days=12), tick=False):
        assert selectors.safeguarding_outbox() == expected()
        assert selectors.safeguarding_outbox().waiting == 2


@pytest.mark.django_db(transaction=True)
def test_the_safeguarding_counts_read_the_fortnights_alerts_by_their_index(cora):
    """The Safeguarding page counts the last fortnight's alerts on every view: from an
    index, reading a few pages, not from every notification ever made (38.7 ms a view
    with ten years of them on the bench school; 0.7 ms from the index on (kind,
    created_at)). Which index the planner takes is its own affair (on a few thousand
    rows the inbox's, with a skip scan, can cost the same): what is asked is how much of
    the table the count reads, with the planner free and the table analyzed: by its
    owner (the application's role may not ANALYZE it, and PostgreSQL says so only in a
    warning), so the rows are committed (a transactional test) for the owner to see."""
    import json

    from django.db import connection
    from django.utils import timezone

    from notifications import selectors
    from tests.db import owner_cursor
    from tests.factories import UserFactory

    # Eight years of them, one in ten an alert, to forty people who read half of them, as
    # a school's are spread.
    now = timezone.now()
    people = [cora, *UserFactory.create_batch(39)]
    Notification.objects.bulk_create(
        Notification(
            kind=Kind.SAFEGUARDING if n % 10 == 0 else Kind.REVIEW_DUE_SOON,
            subject_key=f"history:{n}",
            due_on=D(2026, 9, 11),
            recipient=people[n % len(people)],
            title="Old news",
            body="",
            url="/",
            created_at=now - dt.timedelta(hours=12 * (1 + n)),
            read_at=now if n % 2 else None,
        )
        for n in range(6000)
    )
    sql, params, at = selectors._safeguarding_counts_sql()
    since = now - dt.timedelta(days=selectors.SAFEGUARDING_DAYS)
    with owner_cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('notifications_notification')"
            " / current_setting('block_size')::int"
        )
        (pages,) = cursor.fetchone()
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'notifications_notification'::regclass"
        )
        assert cursor.fetchone()[0] >= 6000  # analyzed
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql,
            (*params[:at], since, *params[at + 1 :]),
        )
        (found,) = cursor.fetchone()
    plan = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
    read = plan["Shared Hit Blocks"] + plan["Shared Read Blocks"]
    assert pages >= 40 and read <= pages // 4, (read, pages, plan)


def test_an_inbox_page_is_read_in_the_order_of_its_index_not_sorted(cora):
    """The inbox's order (unread first, newest first) is the index notification_inbox_order:
    a page is read from it at the cursor's place, however much one was told over the
    years (a DSL's ~70,000 alerts on the bench school were sorted on every view: 231 ms;
    from the index 1.7 ms; page 1,000 read past the 49,950 before it: 254 ms)."""
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from notifications import selectors

    for n in range(4):
        note(cora, f"Note {n}", subject_key=f"review:{n}")
    Notification.objects.filter(title__in=["Note 0", "Note 1"]).update(read_at=timezone.now())
    first = selectors.inbox_page(cora)
    with CaptureQueriesContext(connection) as ctx:
        selectors.inbox_page(cora, before=first.newer_cursor)
        selectors.inbox_page(cora, after=first.older_cursor)
    reads = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(reads) >= 4 and not any("OFFSET" in sql for sql in reads), reads

    # The read ones older than a cursor: the query a page past the unread ones runs.
    at = first.object_list[-1].created_at
    older = Q(created_at__lte=at) & (Q(created_at__lt=at) | Q(pk__lt=first.object_list[-1].pk))
    rows = selectors.inbox(cora).filter(is_read=True).filter(older)
    sql, params = rows.order_by("-created_at", "-pk")[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "notification_inbox_order" in plan and "Sort" not in plan, plan


def test_the_inbox_dates_carry_their_year(cora, client_for):
    """Ten years of notifications: "Fri 11 Sep" alone could be any of them."""
    note(cora, done_at=dt.datetime(2026, 9, 12, 9, 0, tzinfo=dt.UTC))
    html = client_for(cora).get(reverse("notifications:inbox")).content.decode()
    assert "Fri 11 Sep 2026" in html and "Done Sat 12 Sep 2026" in html
