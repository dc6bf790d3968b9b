import pytest
from django.urls import reverse

from enigma.models import AuditEvent, Student
from tests.factories import ContactFactory, LinkFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_room_team_sees_every_student_in_the_directory(client_for, cora):
    StudentFactory.create_batch(3)
    response = client_for(cora).get(reverse("student_directory"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3


def test_class_teacher_sees_only_their_linked_students(client_for, tom):
    mine = StudentFactory(legal_surname="Mine")
    StudentFactory(legal_surname="Theirs")
    LinkFactory(student=mine, staff=tom)
    response = client_for(tom).get(reverse("student_directory"))
    assert [s.pk for s in response.context["students"]] == [mine.pk]


def test_unlinked_student_page_is_404_for_a_class_teacher(client_for, tom):
    other = StudentFactory()
    response = client_for(tom).get(reverse("student_detail", args=[other.pk]))
    assert response.status_code == 404


def test_student_page_shows_contacts_and_is_audited(client_for, cora):
    contact = ContactFactory(forename="Grace", mobile_phone="07700 900456")
    student = contact.student
    response = client_for(cora).get(reverse("student_detail", args=[student.pk]))
    assert response.status_code == 200
    assert b"07700 900456" in response.content
    event = AuditEvent.objects.get(action="students.viewed")
    assert (event.actor, event.student) == (cora, student)


def test_directory_search_by_name_upn_and_tutor_group(client_for, cora):
    a = StudentFactory(legal_forename="Ayesha", legal_surname="Khan", tutor_group="8K")
    b = StudentFactory(legal_forename="Ben", legal_surname="Okafor", tutor_group="9B")
    c = client_for(cora)
    url = reverse("student_directory")
    assert list(c.get(url, {"q": "khan"}).context["students"]) == [a]
    assert list(c.get(url, {"q": b.upn.lower()}).context["students"]) == [b]
    assert list(c.get(url, {"q": "9b"}).context["students"]) == [b]


def test_directory_filters_by_year_and_sen(client_for, cora):
    StudentFactory(year_group=7, sen_status=Student.SenStatus.EHCP)
    StudentFactory(year_group=7)
    StudentFactory(year_group=8, sen_status=Student.SenStatus.EHCP)
    c = client_for(cora)
    url = reverse("student_directory")
    assert c.get(url, {"year": 7}).context["page"].paginator.count == 2
    assert c.get(url, {"year": 7, "sen": "E"}).context["page"].paginator.count == 1


def test_off_roll_students_are_hidden_unless_asked_for(client_for, cora):
    StudentFactory(on_roll=False)
    c = client_for(cora)
    url = reverse("student_directory")
    assert c.get(url).context["page"].paginator.count == 0
    assert c.get(url, {"off_roll": "1"}).context["page"].paginator.count == 1


def test_directory_paginates(client_for, cora):
    StudentFactory.create_batch(55)
    c = client_for(cora)
    page2 = c.get(reverse("student_directory"), {"page": 2})
    assert len(page2.context["students"]) == 5


def test_export_is_csv_with_formulae_neutralised_and_audited(client_for, cora):
    StudentFactory(legal_surname='=HYPERLINK("http://x")')
    response = client_for(cora).get(reverse("student_directory_export"))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK" in body
    assert AuditEvent.objects.filter(action="students.exported", actor=cora).count() == 1
