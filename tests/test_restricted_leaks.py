"""No restricted words reach anyone who may not read them: every way an entry becomes
restricted x every page, htmx fragment, print, CSV, form re-shown with errors, email,
notification, audit log page and admin page x every person outside the DSL team.

The student is linked to everyone, and everyone has just passed a second-factor check,
so nothing but the restriction stands in the way. Each restricted entry carries its own
sentinel words (summary, account, contact who and agreed, actions and outcomes, a
correction's reason, file names, share reasons), tagged with the entry they belong to:
LEAK-<code>-<what>. The ways:

- W1: restricted when written (Safeguarding); W1C its correction. W1 alone is shared
  with wes.
- W2: an open entry a DSL corrects into Safeguarding: the correction W2C is restricted,
  the original stays open (it carries no sentinel).
- W3: an open contact in Family, with actions, a file and a correction W3C into
  Attendance, all written while nothing was restricted; the school admin then restricts
  Family in the admin.
- W4: restricted, and shared with one colleague, val, who holds and completes an action
  on it; W4C its correction (not shared).
- W5: a use of reasonable force the coordinator records (always restricted), with an
  action; W5C its debrief, added by the deputy head. The coordinator and the deputy head
  read these two (and no other restricted entry); everyone else outside the DSL team
  none.

val may read W4 and nothing else; wes W1 and nothing else (a colleague another entry was
shared with reads no other one). The DSL, with a fresh second factor, is the control:
every sentinel shows somewhere to her, so its absence elsewhere means something.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import io
import re
import sys
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from enigma.models import AuditEvent, Student
from enigma.roles import Role
from notifications.models import Notification
from records.models import Action, Attachment, Category, Entry
from records.services.attachments import attach_file
from records.services.entries import (
    NewAction,
    add_actions,
    amend_entry,
    complete_action,
    record_entry,
)
from records.services.force import ForceDetails, record_force
from records.services.interventions import record_session
from tests.conftest import PERSONAS, give_totp, pass_second_factor
from tests.factories import (
    InterventionFactory,
    LinkFactory,
    NonSchoolDayFactory,
    PeriodFactory,
    StudentFactory,
    TermFactory,
    UserFactory,
)
from tests.role_tables import disclosure, oversight
from tests.test_role_matrix import POST_ONLY, _timetable_objects, project_patterns

# These walks request every page for every role (thousands of requests): a busy CI machine
# needs far longer than the suite's usual 300 s limit per test, so they get 20 minutes.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]

LONDON = ZoneInfo("Europe/London")
TODAY = dt.date(2026, 9, 10)  # a school day of TermFactory's autumn term
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

CODES = ("W1", "W1C", "W2C", "W3", "W3C", "W4", "W4C", "W5", "W5C")
OUTSIDERS = [p for p in PERSONAS if p != "dina"]  # cora sam dee rita tom ada nora
SHARED_WITH = {"val": "W4", "wes": "W1"}  # colleagues, and the one entry each may read
# W5: a use of reasonable force (records.services.force) the coordinator records, with a
# follow-up action, and W5C its debrief the deputy head adds; they and the DSL team read
# it, nobody else.
FORCE_CODES = ("W5", "W5C")
FORCE_READERS = ("cora", "dee")
FORCE_PARTS = ("place", "before", "done", "pupil-injury", "staff-injury", "parents")
VIEWERS = ["ada", *(p for p in OUTSIDERS if p != "ada"), *SHARED_WITH]


def s(code: str, what: str) -> str:
    return f"LEAK-{code}-{what}"


@pytest.fixture(autouse=True)
def school_day():
    with time_machine.travel(dt.datetime(2026, 9, 10, 10, 0, tzinfo=LONDON), tick=True):
        yield


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    pass_second_factor(client)
    return client


@dataclass
class World:
    student: Student
    people: dict
    entries: dict[str, Entry]  # by code, plus "W2" (the open original)
    objects: dict  # what the project's URLs name (see _objects)
    sentinels: dict[str, list[str]] = field(default_factory=dict)  # code -> words

    def forbidden_for(self, viewer: str) -> list[str]:
        allowed = {SHARED_WITH.get(viewer)}
        if viewer in FORCE_READERS:
            allowed |= set(FORCE_CODES)
        return [w for code, words in self.sentinels.items() if code not in allowed for w in words]


def _contact(author, student, code, category, actions=()):
    return record_entry(
        author=author,
        students=[student],
        kind="contact",
        category=category,
        summary=s(code, "summary"),
        account=s(code, "account"),
        contact_with=s(code, "who"),
        contact_method="phone",
        agreed=s(code, "agreed"),
        actions=actions,
    )


def _force(code, staff, **fields) -> ForceDetails:
    happened = timezone.now() - dt.timedelta(hours=1)
    return ForceDetails(
        occurred_at=happened,
        place="room",
        place_detail=s(code, "place"),
        summary=s(code, "summary"),
        before=s(code, "before"),
        what_was_done=s(code, "done"),
        duration_minutes=2,
        staff=staff,
        pupil_injured=True,
        pupil_injuries=s(code, "pupil-injury"),
        staff_injured=True,
        staff_injuries=s(code, "staff-injury"),
        parents_told="phone",
        parents_told_at=happened + dt.timedelta(minutes=30),
        parents_told_detail=s(code, "parents"),
        **fields,
    )


def _correct(author, original, code, **fields):
    return amend_entry(
        author=author,
        original=original,
        reason=s(code, "reason"),
        summary=s(code, "summary"),
        account=s(code, "account"),
        **fields,
    )


@pytest.fixture
def world(personas, django_capture_on_commit_callbacks):
    """Build the four ways through the services and pages people use, sending every
    email on the way (the DSL alert, then reminders and digests)."""
    people = dict(personas)
    people["val"] = make_person("val", Role.CLASS_TEACHER)
    people["wes"] = make_person("wes", Role.CLASS_TEACHER)
    people["dora"] = make_person("dora", Role.DSL)  # a second DSL, who gets the alerts
    student = StudentFactory(legal_forename="Leila", legal_surname="Quarry")
    for user in people.values():
        LinkFactory(student=student, staff=user)
    objects = _objects(student, people)  # a placement first, so reminders fall due
    dina, cora = people["dina"], people["cora"]
    safeguarding = Category.objects.get(name="Safeguarding")
    family = Category.objects.get(name="Family")
    dsl = _client(dina)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        # W1: restricted at writing, with actions (one done), a file, a correction.
        w1 = _contact(
            dina,
            student,
            "W1",
            safeguarding,
            actions=[
                NewAction(s("W1", "action"), dina, today),
                NewAction(s("W1", "action-open"), dina, today + dt.timedelta(days=3)),
            ],
        )
        complete_action(
            action=w1.actions.get(description=s("W1", "action")),
            user=dina,
            outcome=s("W1", "outcome"),
        )
        attach_file(entry=w1, upload=_upload(f"{s('W1', 'file')}.pdf"), user=dina)
        w1c = _correct(dina, w1, "W1C", actions=[NewAction(s("W1C", "action"), dina, today)])
        attach_file(entry=w1c, upload=_upload(f"{s('W1C', 'file')}.pdf"), user=dina)

        # W2: an open concern; the DSL corrects it into Safeguarding on the page.
        w2 = record_entry(
            author=cora,
            students=[student],
            kind="concern",
            category=Category.objects.get(name="Behaviour"),
            summary="Open original two",
            account="Open account two",
            actions=[NewAction("Open action two", cora, today)],
        )
        answer = dsl.post(
            reverse("records:entry_amend", args=[w2.pk]),
            {
                "reason": s("W2C", "reason"),
                "occurred_at": timezone.localtime(w2.occurred_at).strftime("%Y-%m-%dT%H:%M"),
                "category": safeguarding.pk,
                "summary": s("W2C", "summary"),
                "account": s("W2C", "account"),
            },
        )
        assert answer.status_code == 302
        w2c = Entry.objects.get(amends=w2)
        add_actions(entry=w2c, by=dina, actions=[NewAction(s("W2C", "action"), dina, today)])
        complete_action(action=w2c.actions.get(), user=dina, outcome=s("W2C", "outcome"))
        attach_file(entry=w2c, upload=_upload(f"{s('W2C', 'file')}.pdf"), user=dina)

        # W3: written open, with actions, a file and a correction into Attendance...
        w3 = _contact(
            cora,
            student,
            "W3",
            family,
            actions=[
                NewAction(s("W3", "action"), cora, today),
                NewAction(s("W3", "action-open"), cora, today + dt.timedelta(days=2)),
            ],
        )
        complete_action(
            action=w3.actions.get(description=s("W3", "action")),
            user=cora,
            outcome=s("W3", "outcome"),
        )
        attach_file(entry=w3, upload=_upload(f"{s('W3', 'file')}.pdf"), user=cora)
        w3c = _correct(
            cora,
            w3,
            "W3C",
            category=Category.objects.get(name="Attendance"),
            actions=[NewAction(s("W3C", "action"), cora, today + dt.timedelta(days=1))],
        )
        # ...then the school admin restricts Family in the admin.
        marked = _client(people["ada"]).post(
            reverse("admin:records_category_change", args=[family.pk]),
            {"name": family.name, "restricted": "on", "active": "on", "position": 40},
        )
        assert marked.status_code == 302
        assert Category.objects.get(pk=family.pk).restricted

        # W4: restricted, shared with val on the page, who holds and completes an action.
        w4 = _contact(dina, student, "W4", safeguarding)
        attach_file(entry=w4, upload=_upload(f"{s('W4', 'file')}.pdf"), user=dina)
        for colleague, entry in (("val", w4), ("wes", w1)):
            code = SHARED_WITH[colleague]
            shared = dsl.post(
                reverse("records:entry_share", args=[entry.pk]),
                {"colleague": people[colleague].pk, "reason": s(code, "share-reason")},
            )
            assert shared.status_code == 302
        add_actions(
            entry=w4,
            by=dina,
            actions=[
                NewAction(s("W4", "action"), people["val"], today),
                NewAction(s("W4", "action-open"), people["val"], today + dt.timedelta(days=4)),
            ],
        )
        val = _client(people["val"])
        done = val.post(
            reverse(
                "records:action_complete", args=[w4.actions.get(description=s("W4", "action")).pk]
            ),
            {"outcome": s("W4", "outcome")},
        )
        assert done.status_code == 302
        w4c = _correct(dina, w4, "W4C")

        # W5: a use of force with an action; W5C adds the debrief.
        w5 = record_force(by=cora, students=[student], details=_force("W5", [cora])).entry
        add_actions(entry=w5, by=cora, actions=[NewAction(s("W5", "action"), cora, today)])
        w5c = record_force(
            by=people["dee"],
            students=[],
            details=_force(
                "W5C",
                [cora, people["dee"]],
                debrief_at=timezone.now() - dt.timedelta(minutes=5),
                debrief=s("W5C", "debrief"),
            ),
            amends=w5,
            amendment_reason=s("W5C", "reason"),
        ).entry

        # Reads that write audit rows: the DSL reads everything and opens every file;
        # each colleague reads and opens what was shared with them.
        for entry in Entry.objects.filter(links__student=student):
            dsl.get(reverse("records:entry_detail", args=[entry.pk]))
        for attachment in Attachment.objects.all():
            b"".join(
                dsl.get(
                    reverse("records:attachment_download", args=[attachment.pk])
                ).streaming_content
            )
        for colleague, entry in (("val", w4), ("wes", w1)):
            reader = _client(people[colleague])
            assert reader.get(reverse("records:entry_detail", args=[entry.pk])).status_code == 200
            b"".join(
                reader.get(
                    reverse("records:attachment_download", args=[entry.attachments.get().pk])
                ).streaming_content
            )
        dsl.get(reverse("records:chronology_print", args=[student.pk]))
        b"".join(dsl.get(reverse("records:chronology_csv", args=[student.pk])).streaming_content)

        call_command("send_reminders", "--digests", stdout=io.StringIO())

    entries = {"W1": w1, "W1C": w1c, "W2": w2, "W2C": w2c, "W3": w3, "W3C": w3c}
    entries |= {"W4": w4, "W4C": w4c, "W5": w5, "W5C": w5c}
    objects |= {
        "entry_pk": [e.pk for e in entries.values()],
        "attachment_pk": list(Attachment.objects.values_list("pk", flat=True)),
        "action_pk": list(Action.objects.values_list("pk", flat=True)),
    }
    world = World(student=student, people=people, entries=entries, objects=objects)
    for code in CODES:
        entry = entries[code]
        words = {entry.summary, entry.account}
        if entry.kind == Entry.Kind.FORCE:  # its account is the parts under headings
            words = {entry.summary, *(s(code, part) for part in FORCE_PARTS)}
            words |= {s(code, "debrief")} if code == "W5C" else set()
        if entry.kind == "contact" and not entry.amends_id:
            words |= {entry.contact_with, entry.agreed}
        if entry.amends_id:
            words.add(entry.amendment_reason)
        for action in Action.objects.filter(entry=entry).select_related("completion"):
            words.add(action.description)
            if hasattr(action, "completion"):
                words.add(action.completion.outcome)
        words |= {a.original_name for a in entry.attachments.all()}
        words |= {share.reason for share in entry.shares.all() if share.reason.startswith("LEAK")}
        world.sentinels[code] = sorted(w for w in words if w)
        assert all(w.startswith(f"LEAK-{code}-") for w in world.sentinels[code]), code
    return world


def make_person(name: str, role: Role):
    user = UserFactory(
        username=name, email=f"{name}@school.example.org", first_name=name.title(), roles=[role]
    )
    give_totp(user)
    return user


# --- the surfaces ----------------------------------------------------------------------


def _objects(student, people) -> dict:
    """Every object a project URL can name, about the student where there is one: their
    placement (started today), referral and first review, timetable, intervention and
    session. The records objects are added once written."""
    from referrals.models import Referral
    from referrals.services import decisions, placements

    term = TermFactory()
    referral = Referral.objects.create(
        student=student,
        referrer=people["rita"],
        status=Referral.Status.SUBMITTED,
        reasons="Struggling despite support.",
    )
    placement = decisions.approve(referral, by=people["dee"], start=TODAY).placement
    placements.start(placement, by=people["dee"], today=TODAY)
    intervention = InterventionFactory(
        lead=people["cora"], students=[student], starts_on=dt.date(2026, 9, 7)
    )
    session = record_session(
        intervention=intervention,
        user=people["cora"],
        held_on=intervention.starts_on,
        attendance={student.pk: "attended"},
        notes="Worked on decoding.",
    )
    return {
        **_timetable_objects(people, placement.pk),
        **disclosure.objects(people, student),
        **oversight.objects(),
        "pk": student.pk,
        "referral_pk": referral.pk,
        "placement_pk": placement.pk,
        "review_pk": placement.reviews.order_by("number").first().pk,
        "follow_up_pk": 0,  # none: the page answers 404
        "term_pk": term.pk,
        "intervention_pk": intervention.pk,
        "session_pk": session.pk,
        "day_pk": NonSchoolDayFactory().pk,
        "period_pk": PeriodFactory().pk,
        "teacher_pk": people["tom"].pk,  # timetables:work_nudge
        "kind": "students",
    }


def _expand(name, pattern, objects) -> list[str]:
    """The URLs of one pattern: one per records object where it names one."""
    kwargs = [{}]
    for key in pattern.pattern.converters:
        values = objects[key] if isinstance(objects[key], list) else [objects[key]]
        kwargs = [{**k, key: v} for k in kwargs for v in values]
    return [reverse(name, kwargs=k) for k in kwargs]


def _requests(world: World, *, admin_pages: bool = True) -> list[tuple[str, str, dict, dict]]:
    """(method, url, data, headers): every GET of every project page (with the timeline's
    filters where it has them, and as an htmx fragment where it answers one), every
    records form POSTed empty so it comes back with its errors, every page of the audit
    log, and every admin page and search (for those who may open the admin)."""
    family = Category.objects.get(name="Family")
    safeguarding = Category.objects.get(name="Safeguarding")
    # The filters a restricted entry must not be found by (its kind, its category).
    filters = [{"kind": "contact"}, {"category": safeguarding.pk}, {"category": family.pk}]
    timelines = ("records:student_file", "records:chronology_print", "records:chronology_csv")
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "timeline"}
    out = []
    for name, pattern in project_patterns().items():
        for url in _expand(name, pattern, world.objects):
            if name in POST_ONLY:
                if name.startswith("records:"):  # marking an action done, empty
                    out.append(("post", url, {"outcome": ""}, {}))
                continue
            out.append(("get", url, {}, {}))
            if _answers_htmx(pattern.callback):
                out.append(("get", url, {}, htmx))
            if name in timelines:
                out.extend(("get", url, params, {}) for params in filters)
            if name in ("records:entry_detail", "records:entry_amend"):
                out.append(("post", url, {}, {}))
    out.append(("get", reverse("audit_log"), {"action": "records."}, {}))
    # Every page of the log, newest to oldest, as it stands when reached (after the
    # requests above wrote theirs): _visit follows each page's Older link.
    out.append(("walk", reverse("audit_log"), {}, {}))
    if admin_pages:
        out.extend(_admin_requests())
    else:
        out.append(("get", reverse("admin:index"), {}, {}))  # refused: sent to sign in
    return out


@functools.cache
def _module_answers_htmx(module: str) -> bool:
    return "request.htmx" in inspect.getsource(sys.modules[module])


def _answers_htmx(view) -> bool:
    """Views that answer an htmx request with a fragment (their module asks for it)."""
    return _module_answers_htmx(inspect.unwrap(view).__module__)


def _admin_requests() -> list[tuple[str, str, dict, dict]]:
    out = [("get", reverse("admin:index"), {}, {})]
    for model, _model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        out.append(("get", changelist, {}, {}))
        out.append(("get", changelist, {"q": "LEAK"}, {}))
        rows = model._default_manager.order_by("pk")
        if model is AuditEvent:  # the world's own events first: reads, shares, files
            rows = rows.filter(Q(action__startswith="records.") | Q(action__startswith="admin."))
        pks = list(rows.values_list("pk", flat=True)[:150])
        out.extend(
            ("get", reverse("admin:{}_{}_change".format(*info), args=[pk]), {}, {}) for pk in pks
        )
        if pks:
            history = reverse("admin:{}_{}_history".format(*info), args=[pks[0]])
            out.append(("get", history, {}, {}))
    return out


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _visit(client, requests) -> dict[tuple, str]:
    bodies = {}
    for method, url, data, headers in requests:
        if method == "walk":  # a list read by cursor: this page, then each older one
            data = dict(data)
            while True:
                response = client.get(url, data)
                assert response.status_code < 500, (url, data, response.status_code)
                bodies[("get", url, tuple(sorted(data.items())), False)] = _body(response)
                page = (response.context or {}).get("page") if response.status_code == 200 else None
                if page is None or not page.has_older():
                    break
                data = {**data, "before": page.older_cursor}
            continue
        response = getattr(client, method)(url, data, **headers)
        assert response.status_code < 500, (method, url, data, response.status_code)
        bodies[(method, url, tuple(sorted(data.items())), bool(headers))] = _body(response)
    return bodies


def _leaks(bodies: dict, forbidden: list[str]) -> list[tuple]:
    """(request, what was found) for each body holding a forbidden sentinel, or its tag
    (LEAK-W1-: words cut short count too)."""
    prefixes = {w[: w.index("-", 5) + 1] for w in forbidden}
    pattern = re.compile("|".join(re.escape(p) for p in sorted(prefixes)))
    return [(key, m.group()) for key, body in bodies.items() for m in [pattern.search(body)] if m]


def _outbox_and_notifications() -> dict[str, str]:
    sent = {f"mail to {m.to}: {m.subject}": f"{m.subject}\n{m.body}" for m in mail.outbox}
    for m in mail.outbox:
        for i, (body, _type) in enumerate(getattr(m, "alternatives", ())):
            sent[f"mail to {m.to}: {m.subject} ({i})"] = body
    for n in Notification.objects.select_related("recipient"):
        sent[f"notification {n.pk} to {n.recipient}"] = f"{n.title}\n{n.body}"
    return sent


def _describe(leaks) -> str:
    """Which surfaces leaked what to whom, grouped, for the failure message."""
    grouped: dict[tuple, set] = {}
    for viewer, (method, url, data, htmx), found in leaks:
        surface = re.sub(r"/\d+/", "/<id>/", url) + (" (htmx)" if htmx else "")
        surface = f"{method.upper()} {surface}" + (f" {dict(data)}" if data else "")
        grouped.setdefault((surface, found), set()).add(viewer)
    lines = [f"{len(leaks)} leaks:"]
    lines += [
        f"  {surface}: {found} to {', '.join(sorted(v))}"
        for (surface, found), v in sorted(grouped.items())
    ]
    return "\n".join(lines)


def test_no_restricted_words_reach_anyone_who_may_not_read_them(world):
    """One world for every viewer (building it is the slow part)."""
    every = [w for words in world.sentinels.values() for w in words]
    assert len(every) >= 40

    # Emails (the DSL alert, reminders, digests) and in-app notifications, to anyone.
    sent = _outbox_and_notifications()
    assert any("safeguarding" in key.lower() for key in sent), sorted(sent)
    assert _leaks(sent, every) == []

    # The control: the DSL, with a fresh second factor, reads every sentinel somewhere.
    everything = "\n".join(_visit(_client(world.people["dina"]), _requests(world)).values())
    assert [w for w in every if w not in everything] == []

    leaks, counts = [], {}
    for viewer in VIEWERS:
        requests = _requests(world, admin_pages=(viewer == "ada"))
        bodies = _visit(_client(world.people[viewer]), requests)
        forbidden = world.forbidden_for(viewer)
        leaks += [(viewer, *leak) for leak in _leaks(bodies, forbidden)]
        counts[viewer] = (len(requests), len(forbidden))
        if viewer in SHARED_WITH:
            # What was shared with them, they do read: the check can see words.
            code = SHARED_WITH[viewer]
            seen = "\n".join(bodies.values())
            wanted = ["summary", "account", "who", "agreed", "action", "outcome", "share-reason"]
            assert [w for w in wanted if s(code, w) not in seen] == [], viewer
            assert f"{s(code, 'file')}.pdf" in seen, viewer
        if viewer in FORCE_READERS:
            # They read the use of force: the check can see its words.
            seen = "\n".join(bodies.values())
            wanted = [w for code in FORCE_CODES for w in world.sentinels[code]]
            assert [w for w in wanted if w not in seen] == [], viewer
        if viewer == "ada":
            log = "\n".join(b for (_m, url, *_rest), b in bodies.items() if url.endswith("/audit/"))
            # The walk read page after page, to the oldest (a page with no Older link).
            walked = [k for k in bodies if k[1].endswith("/audit/") and dict(k[2]).get("before")]
            assert len(walked) >= 2, walked
            assert 'rel="next"' not in bodies[walked[-1]]
    assert leaks == [], _describe(leaks)
    # The school admin's audit log does show what happened, by kind and id.
    assert "Shared a restricted entry" in log and "Opened an attachment" in log
    assert f"Entry {world.entries['W4'].pk}" in log

    requests = sum(n for n, _ in counts.values())
    checks = sum(n * k for n, k in counts.values())
    print(
        f"\nleak test: {len(counts)} viewers, {requests} requests "
        f"({', '.join(f'{v} {n}' for v, (n, _) in counts.items())}), "
        f"{len(every)} sentinels in {len(CODES)} restricted entries, "
        f"{checks} request x sentinel checks"
    )
