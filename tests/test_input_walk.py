"""Every view, every input it reads, given a NUL byte or an out-of-range value: never a 5xx.

The walk reuses the role matrix's objects and URLs. For each project URL, as each
persona allowed to use it, it
- opens the page and records which query-string keys the view reads (a probe key makes
  bound-on-data forms read every field), then sends a NUL byte in each of them;
- finds every form on the page (and on every page, for POST-only views), and posts it
  with its own values, once with a NUL byte in each field in turn and once in all;
- posts a probe to each POST-only view and sends a NUL byte in every key it reads.
A view that reads request.GET/POST directly, a form field that is not a CharField, or a
value passed to PostgreSQL (which refuses NUL in text) would show up here as a 500.
"""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils.datastructures import MultiValueDict

from records.services.entries import record_entry
from tests import test_role_matrix as matrix
from tests.conftest import PERSONAS, pass_second_factor
from tests.role_tables.capabilities import roles_allowed
from tests.test_role_matrix import NEEDS, POST_ONLY, PUBLIC, kwargs_for, project_patterns

objects = matrix.objects
school_day = matrix.school_day

# These walks request every page for every role (thousands of requests): a busy CI machine
# needs far longer than the suite's usual 300 s limit per test, so they get 20 minutes.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]

NUL = "typed\x00text"
FAR_DATES = ["9999-12-31", "0001-01-01"]
# Every query-string key every view reads gets each of these.
QUERY_VALUES = [NUL, *FAR_DATES, "not-a-date", "-1", "99999999999999999999", "2026-02-30"]
PROBE = "_walk_probe"


class _Forms(HTMLParser):
    """The forms on a page: method, action and each field's own value."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or a.get("hx-post") or "",
                "fields": {},
                "submits": [],
                "dates": set(),
            }
            if a.get("hx-post"):
                self._form["method"] = "post"
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            return
        name, fields = a["name"], self._form["fields"]
        kind = (a.get("type") or "text").lower()
        if (tag == "input" and kind in ("submit", "image")) or tag == "button":
            self._form["submits"].append((name, a.get("value") or ""))
        elif tag == "input" and kind == "file":
            fields.setdefault(name, None)
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in a or name not in fields:
                fields[name] = a.get("value", "on") if "checked" in a else fields.get(name, "")
        elif tag == "input":
            fields[name] = a.get("value") or ""
            if kind == "date":
                self._form["dates"].add(name)
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not fields.get(self._select):
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(html: str, page_url: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(form["action"] or page_url).path or page_url
    return parser.forms


class KeysRead:
    """Which keys views read from a QueryDict holding the probe key (GET or POST)."""

    def __init__(self, monkeypatch):
        self.keys: set[str] = set()
        getitem, getlist = MultiValueDict.__getitem__, MultiValueDict._getlist
        contains = dict.__contains__
        recorder = self

        def _note(data, key):
            if contains(data, PROBE) and key != PROBE:
                recorder.keys.add(key)

        def __getitem__(self, key):
            _note(self, key)
            return getitem(self, key)

        def _getlist(self, key, *args, **kwargs):
            _note(self, key)
            return getlist(self, key, *args, **kwargs)

        def __contains__(self, key):
            _note(self, key)
            return contains(self, key)

        monkeypatch.setattr(MultiValueDict, "__getitem__", __getitem__)
        monkeypatch.setattr(MultiValueDict, "_getlist", _getlist)
        monkeypatch.setattr(MultiValueDict, "__contains__", __contains__)

    def take(self) -> set[str]:
        keys, self.keys = self.keys, set()
        return keys


class _Undo(Exception):
    def __init__(self, response):
        self.response = response


def _post_undone(client, url, body):
    """Post, then roll back what it wrote, so one post never changes what the next
    finds (a toggled plan cell, an approved referral, a deleted term)."""
    try:
        with transaction.atomic():
            raise _Undo(client.post(url, body))
    except _Undo as undo:
        return undo.response


def _allowed(name: str) -> list[str]:
    return [
        p
        for p, roles in PERSONAS.items()
        if name in PUBLIC or set(roles) & roles_allowed(NEEDS[name])
    ]


def _clients(personas, client_for):
    clients = {}
    for persona in PERSONAS:
        client = client_for(personas[persona])
        client.raise_request_exception = False
        pass_second_factor(client)
        clients[persona] = client
    return clients


def _project_view(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name if match.view_name in NEEDS or match.view_name in PUBLIC else None


def _post_bodies(form: dict) -> list[tuple[str, dict]]:
    """The form's own values with a bad value in each field in turn (a NUL byte in any,
    far dates in date fields), then a NUL byte in every field at once."""
    base = {k: v for k, v in form["fields"].items() if v is not None}
    submits = form["submits"] or [(None, None)]
    bodies = []
    for submit_name, submit_value in submits:
        own = dict(base)
        if submit_name:
            own[submit_name] = submit_value
        for field in base:
            values = [NUL, *FAR_DATES] if field in form["dates"] else [NUL]
            bodies += [(field, {**own, field: value}) for value in values]
        bodies.append(("every field", {**own, **dict.fromkeys(base, NUL)}))
    return bodies


class Walk:
    """Discovers what each view reads, then sends it bad values; counts what it sent."""

    def __init__(self, clients, recorder):
        self.clients, self.recorder = clients, recorder
        self.failures: list[tuple] = []
        self.sent: dict[str, int] = defaultdict(int)
        self.reached: set[str] = set()
        self.forms: dict[str, tuple[str, dict]] = {}
        self.get_keys: dict[str, tuple[str, set[str]]] = {}
        self.post_keys: dict[str, set[str]] = defaultdict(set)

    def check(self, response, *what):
        if response.status_code >= 500:
            error = response.exc_info[1] if response.exc_info else None
            self.failures.append((*what, response.status_code, repr(error)[:160]))

    def discover(self, objects, only: set[str] | None = None):
        for name, pattern in project_patterns().items():
            if only is not None and not only & set(pattern.pattern.converters):
                continue
            url = reverse(name, kwargs=kwargs_for(pattern, objects))
            for persona in _allowed(name):
                self._probe_posts(persona, name, url)
                if name not in POST_ONLY:
                    self._open(persona, url)

    def _probe_posts(self, persona, name, url):
        """Post a probe, then a NUL in each key the view read, until no new key appears
        (a key read only once another is valid)."""
        if self.post_keys[url]:
            return
        client, seen, body = self.clients[persona], set(), {PROBE: "1"}
        for _ in range(4):
            self.check(_post_undone(client, url, body), persona, url, "post probe")
            new = self.recorder.take() - seen
            if not new:
                break
            seen |= new
            for key in new:
                self.check(_post_undone(client, url, {PROBE: "1", key: NUL}), persona, url, key)
                self.sent["posted key"] += 1
            body = {PROBE: "1", **dict.fromkeys(seen, NUL)}
        self.post_keys[url] |= seen
        if seen:
            self.reached.add(name)

    def _open(self, persona, url):
        response = self.clients[persona].get(url, {PROBE: "1"})
        self.check(response, persona, url, "query probe")
        read = self.recorder.take()
        if read:
            self.get_keys.setdefault(url, (persona, set()))[1].update(read)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return
        for form in forms_in(response.content.decode(), url):
            if _project_view(form["action"]) is None:
                continue
            if form["method"] == "get":
                keys = self.get_keys.setdefault(form["action"], (persona, set()))[1]
                keys.update(form["fields"])
            else:
                key = form["action"] + "|" + ",".join(sorted(form["fields"]))
                self.forms.setdefault(key, (persona, form))

    def send(self):
        for url, (persona, keys) in self.get_keys.items():
            for key in sorted(keys - {PROBE}):
                for value in QUERY_VALUES:
                    self.check(self.clients[persona].get(url, {key: value}), persona, url, key)
                    self.sent["query key"] += 1
            if keys - {PROBE}:
                self.reached.add(_project_view(url))
        for persona, form in self.forms.values():
            for field, body in _post_bodies(form):
                response = _post_undone(self.clients[persona], form["action"], body)
                self.check(response, persona, form["action"], field, body.get(field, NUL))
                self.sent["form field"] += 1
            self.reached.add(_project_view(form["action"]))


@pytest.fixture
def second_states(personas, objects):
    """Objects in the states where the other forms show: a draft referral its referrer
    edits, a restricted entry the DSL shares, work set for a lesson that has happened."""
    from records.models import Category
    from referrals.models import Referral
    from timetables.models import WorkRequest
    from timetables.services.work import work_set

    draft = Referral.objects.create(
        student=matrix._linked_student(personas),
        referrer=personas["rita"],
        status=Referral.Status.DRAFT,
        reasons="Struggling despite support.",
    )
    safeguarding, _ = Category.objects.get_or_create(
        name="Safeguarding", defaults={"restricted": True}
    )
    restricted = record_entry(
        author=personas["dina"],
        students=[objects["student"]],
        kind="concern",
        category=safeguarding,
        summary="Disclosure at break",
    )
    work_set(
        work=WorkRequest.objects.get(pk=objects["work_pk"]),
        by=personas["tom"],
        description="Exercise 4, questions 1-10.",
    )
    return {**objects, "referral_pk": draft.pk, "entry_pk": restricted.pk}


def test_no_view_gives_a_5xx_for_a_nul_byte_or_a_far_date_anywhere(
    personas, objects, second_states, client_for, monkeypatch
):
    walk = Walk(_clients(personas, client_for), KeysRead(monkeypatch))
    walk.discover(objects)
    walk.discover(second_states, only={"referral_pk", "entry_pk", "work_pk"})
    walk.send()

    assert walk.failures == [], "\n".join(map(str, walk.failures))
    # The walk reached the inputs it is meant to reach (the rest are pages without any).
    assert walk.sent["query key"] > 100, walk.sent
    assert walk.sent["form field"] > 250, walk.sent
    assert walk.sent["posted key"] > 50, walk.sent
    for name in (
        "timetables:register_mark",
        "referrals:referral_edit",
        "records:entry_share",
        "timetables:work_complete",
        "timetables:today",
        "audit_log",
    ):
        assert name in walk.reached, name
