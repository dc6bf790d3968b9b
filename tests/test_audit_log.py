"""The school admin's audit log page: plain words, filters that narrow, bad input handled."""

from django.urls import reverse

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
