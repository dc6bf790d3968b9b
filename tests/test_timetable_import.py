"""Timetables from the MIS: both file shapes, week A/B, every kind of bad row reported by
line and column with nothing saved, re-imports replacing lessons, class-teacher links,
and the upload -> preview -> apply pages."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from enigma.imports.fields import CellError
from enigma.imports.headers import map_columns
from enigma.models import AuditEvent, Period, StudentStaffLink
from tests.factories import LinkFactory, PeriodFactory, StudentFactory, UserFactory
from timetables.mis_import import cells
from timetables.mis_import.columns import FILE_KINDS
from timetables.mis_import.services import apply, preview
from timetables.models import Lesson, TimetableSettings
from timetables.services.lessons import LessonsAction

pytestmark = pytest.mark.django_db

HEADER = ["UPN", "Admission No", "Day", "Period", "Subject", "Class", "Teacher", "Room"]


def to_csv(rows, *, encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def lessons_file(*rows, header=HEADER) -> list[tuple[str, bytes]]:
    return [("lessons.csv", to_csv([header, *rows]))]


def errors_of(result, file_index=0) -> set[tuple[int, str]]:
    return {(e.line, e.column) for e in result.files[file_index].errors}


@pytest.fixture
def day():
    """The school day: registration, P1, P2, break, P3, lunch, P4."""
    rows = [
        ("Registration", Period.Kind.REGISTRATION, 8, 40, 9, 0),
        ("P1", Period.Kind.LESSON, 9, 0, 10, 0),
        ("P2", Period.Kind.LESSON, 10, 0, 11, 0),
        ("Break", Period.Kind.BREAK, 11, 0, 11, 20),
        ("P3", Period.Kind.LESSON, 11, 20, 12, 20),
        ("Lunch", Period.Kind.LUNCH, 12, 20, 13, 0),
        ("P4", Period.Kind.LESSON, 13, 0, 14, 0),
    ]
    return {
        name: PeriodFactory(
            name=name,
            kind=kind,
            starts_at=dt.time(h1, m1),
            ends_at=dt.time(h2, m2),
        )
        for name, kind, h1, m1, h2, m2 in rows
    }


@pytest.fixture
def ann():
    return StudentFactory(legal_forename="Ann", legal_surname="Able", mis_id="A001")


@pytest.fixture
def ben():
    return StudentFactory(legal_forename="Ben", legal_surname="Baker", mis_id="A002")


@pytest.fixture
def smith():
    return UserFactory(
        first_name="Jo",
        last_name="Smith",
        initials="JSM",
        mis_id="T100",
        email="j.smith@school.example.org",
    )


@pytest.fixture
def okafor():
    return UserFactory(first_name="Ada", last_name="Okafor", initials="AO", mis_id="T200")


def two_week_cycle():
    TimetableSettings.objects.update_or_create(
        singleton=True, defaults={"weeks_in_cycle": 2, "week_a_starts": dt.date(2026, 9, 7)}
    )


# --- cells ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Monday", (1, None)),
        ("Mon", (1, None)),
        ("1", (1, None)),
        ("fri", (5, None)),
        ("Mon A", (1, 1)),
        ("MonA", (1, 1)),
        ("1Mon", (1, 1)),
        ("A Mon", (1, 1)),
        ("Tue B", (2, 2)),
        ("TueB", (2, 2)),
        ("2Wed", (3, 2)),
        ("Week B Friday", (5, 2)),
        ("Thurs-A", (4, 1)),
    ],
)
def test_days_are_read_with_and_without_the_week(value, expected):
    assert cells.day(value) == expected


@pytest.mark.parametrize("value", ["", "Sat", "Funday", "6", "Mon C", "Mon Tue", "3Mon", "1 2"])
def test_a_day_that_cannot_be_read_is_refused(value):
    with pytest.raises(CellError):
        cells.day(value)


@pytest.mark.parametrize(
    ("value", "expected"), [("A", 1), ("b", 2), ("1", 1), ("2", 2), ("Week B", 2), ("Wk A", 1)]
)
def test_weeks_are_read(value, expected):
    assert cells.week(value) == expected


@pytest.mark.parametrize("value", ["P1", "p1", "1", "Period 1", "period1", " P 1 "])
def test_periods_match_by_name_case_and_space_blind(day, value):
    assert cells.Periods().find(value) == day["P1"]


def test_break_and_lunch_periods_are_refused(day):
    with pytest.raises(CellError, match="lunch period"):
        cells.Periods().find("Lunch")


def test_every_template_has_every_required_column():
    for kind in FILE_KINDS.values():
        hmap = map_columns(kind.columns, list(kind.example[0]))
        assert hmap.missing == [], kind.key
        assert not hmap.ignored, kind.key


# --- the lessons shape ------------------------------------------------------------------


def test_it_imports_a_file_of_student_lessons(day, ann, ben, smith, okafor, cora):
    files = lessons_file(
        [ann.upn, "", "Monday", "P1", "Mathematics", "9X/Ma1", "JSM", "M4"],
        [ann.upn, "", "Mon", "Period 2", "English", "9X/En2", "a.nobody@example.org", "E1"],
        ["", "A002", "1", "p1", "Mathematics", "9Y/Ma2", "t200", ""],
        ["", "A002", "Tuesday", "Registration", "", "9Y", "j.smith@school.example.org", ""],
    )
    result = apply("lessons", files, actor=cora)

    assert result.ok, (result.file_errors, result.files[0].errors)
    assert result.applied
    maths = Lesson.objects.get(student=ann, period=day["P1"])
    assert (maths.week, maths.day, maths.subject, maths.class_code, maths.room) == (
        1,
        1,
        "Mathematics",
        "9X/Ma1",
        "M4",
    )
    assert maths.teacher == smith
    assert maths.teacher_code == "JSM"
    assert maths.source == Lesson.Source.IMPORT
    english = Lesson.objects.get(student=ann, period=day["P2"])
    assert english.teacher is None
    assert english.teacher_code == "a.nobody@example.org"
    assert Lesson.objects.get(student=ben, period=day["P1"]).teacher == okafor
    registration = Lesson.objects.get(student=ben, period=day["Registration"])
    assert (registration.day, registration.subject) == (2, "Registration")
    assert Lesson.objects.count() == 4
    # An unknown teacher is a warning (on its row), not an error.
    assert [(w.line, w.column) for w in result.files[0].warnings] == [(3, "Teacher")]
    events = AuditEvent.objects.filter(action=LessonsAction.IMPORT_APPLIED)
    assert events.count() == 1
    assert events.get().data["lessons"] == 4
    assert events.get().actor == cora


def test_class_teacher_links_are_made_and_never_removed(day, ann, ben, smith, okafor):
    kept = LinkFactory(student=ben, staff=smith)  # from an earlier timetable
    apply(
        "lessons",
        lessons_file(
            [ann.upn, "", "Mon", "P1", "Maths", "", "JSM", ""],
            [ann.upn, "", "Tue", "P1", "Maths", "", "T100", ""],
            [ben.upn, "", "Mon", "P1", "Science", "", "AO", ""],
            [ben.upn, "", "Mon", "P2", "Art", "", "XYZ", ""],
        ),
    )
    links = set(
        StudentStaffLink.objects.filter(relationship="class_teacher").values_list(
            "student", "staff"
        )
    )
    assert links == {(ann.pk, smith.pk), (ben.pk, okafor.pk), (ben.pk, smith.pk)}
    assert StudentStaffLink.objects.filter(pk=kept.pk).exists()


def test_a_preview_saves_nothing_but_its_audit_event(day, ann, smith):
    result = preview("lessons", lessons_file([ann.upn, "", "Mon", "P1", "Maths", "", "JSM", ""]))
    assert result.ok
    assert (result.added, result.links) == (1, 1)
    assert not Lesson.objects.exists()
    assert not StudentStaffLink.objects.exists()
    assert AuditEvent.objects.filter(action=LessonsAction.IMPORT_PREVIEWED).count() == 1


def test_bad_rows_are_each_reported_by_line_and_column_and_nothing_is_saved(day, ann, ben):
    Lesson.objects.create(student=ben, day=3, period=day["P3"], subject="Kept")
    files = lessons_file(
        [ann.upn, "", "Mon", "P1", "Maths", "", "", ""],  # line 2: fine
        ["", "NOBODY", "Mon", "P2", "Maths", "", "", ""],  # 3: unknown student
        [ann.upn, "", "Mon", "P9", "Maths", "", "", ""],  # 4: unknown period
        [ann.upn, "", "Mon", "Lunch", "Maths", "", "", ""],  # 5: lunch
        [ann.upn, "", "Funday", "P3", "Maths", "", "", ""],  # 6: bad day
        [ben.upn, "", "Tue", "P1", "Maths", "", "", ""],  # 7 and 8: the same slot
        [ben.upn, "", "Tuesday", "1", "Science", "", "", ""],
        [ben.upn, "", "Wed", "P2", "", "", "", ""],  # 9: no subject
    )
    result = apply("lessons", files)

    assert not result.ok
    assert not result.applied
    assert errors_of(result) == {
        (3, "Admission No"),
        (4, "Period"),
        (5, "Period"),
        (6, "Day"),
        (7, "Period"),
        (8, "Period"),
        (9, "Subject"),
    }
    messages = {e.line: e.message for e in result.files[0].errors}
    assert "NOBODY" in messages[3]
    assert "P9" in messages[4]
    assert "lunch" in messages[5]
    assert "Funday" in messages[6]
    assert "line 8" in messages[7]
    assert "line 7" in messages[8]
    assert list(Lesson.objects.values_list("subject", flat=True)) == ["Kept"]
    assert not AuditEvent.objects.filter(action=LessonsAction.IMPORT_APPLIED).exists()


def test_a_nul_byte_in_a_cell_is_that_rows_error_and_saves_nothing(day, ann, smith):
    files = lessons_file(
        [ann.upn, "", "Mon", "P1", "Maths", "", "", ""],
        [ann.upn + "\x00", "", "Mon", "P2", "Maths", "", "", ""],
        [ann.upn, "", "Mon", "P3", "Sci\x00ence", "", "", ""],
    )
    result = apply("lessons", files)
    assert not result.ok and not result.applied
    assert errors_of(result) == {(3, "UPN"), (4, "Subject")}
    assert not Lesson.objects.exists()


def test_a_missing_column_refuses_the_file(day, ann):
    header = ["UPN", "Day", "Subject"]
    result = apply("lessons", lessons_file([ann.upn, "Mon", "Maths"], header=header))
    assert not result.ok
    assert any("no period column" in e for e in result.file_errors)
    assert not Lesson.objects.exists()


def test_a_file_with_no_student_column_is_refused(day):
    header = ["Day", "Period", "Subject"]
    result = preview("lessons", lessons_file(["Mon", "P1", "Maths"], header=header))
    assert any("which student" in e for e in result.file_errors)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"UPN,Day,Period,Subject\r\nX,Mon,P1,Fran\x81ais\r\n", "neither UTF-8 nor Windows-1252"),
        (b"PK\x03\x04" + b"\x00" * 40, "spreadsheet workbook"),
        (b"", "empty"),
    ],
)
def test_a_file_in_the_wrong_encoding_is_refused(day, data, message):
    result = apply("lessons", [("lessons.csv", data)])
    assert not result.ok
    assert any(message in e for e in result.file_errors)
    assert not Lesson.objects.exists()


def test_a_windows_1252_file_is_read_with_a_note(day, ann):
    files = [
        (
            "lessons.csv",
            to_csv([HEADER, [ann.upn, "", "Mon", "P1", "Français", "", "", ""]], encoding="cp1252"),
        )
    ]
    result = apply("lessons", files)
    assert result.ok
    assert result.files[0].encoding == "Windows-1252"
    assert Lesson.objects.get().subject == "Français"


# --- week A and B -----------------------------------------------------------------------


def test_a_two_week_file_imports_into_a_two_week_cycle(day, ann):
    two_week_cycle()
    header = ["UPN", "Week", "Day", "Period", "Subject"]
    result = apply(
        "lessons",
        lessons_file(
            [ann.upn, "A", "Mon", "P1", "Maths"],
            [ann.upn, "B", "Mon", "P1", "Science"],
            [ann.upn, "", "Tue B", "P2", "Art"],
            [ann.upn, "2", "Wed", "P3", "Music"],
            header=header,
        ),
    )
    assert result.ok, result.files[0].errors
    got = set(Lesson.objects.values_list("week", "day", "period__name", "subject"))
    assert got == {
        (1, 1, "P1", "Maths"),
        (2, 1, "P1", "Science"),
        (2, 2, "P2", "Art"),
        (2, 3, "P3", "Music"),
    }


def test_week_b_is_refused_for_a_one_week_cycle(day, ann):
    result = apply(
        "lessons",
        lessons_file(
            [ann.upn, "", "Mon A", "P1", "Maths", "", "", ""],
            [ann.upn, "", "Mon B", "P1", "Science", "", "", ""],
        ),
    )
    assert not result.ok
    assert result.needs_two_week_cycle
    assert "Line 3" in result.file_errors[0]
    assert "timetable settings" in result.file_errors[0]
    assert not Lesson.objects.exists()


def test_a_day_and_week_that_disagree_are_an_error(day, ann):
    two_week_cycle()
    header = ["UPN", "Week", "Day", "Period", "Subject"]
    result = preview("lessons", lessons_file([ann.upn, "A", "Mon B", "P1", "Maths"], header=header))
    assert errors_of(result) == {(2, "Day")}


def test_a_two_week_school_is_told_when_the_file_has_no_weeks(day, ann):
    two_week_cycle()
    result = preview("lessons", lessons_file([ann.upn, "", "Mon", "P1", "Maths", "", "", ""]))
    assert result.ok
    assert any("no row says which week" in n for n in result.notes)


# --- re-imports -------------------------------------------------------------------------


def test_a_re_import_replaces_the_students_lessons_in_the_file(day, ann, ben):
    apply(
        "lessons",
        lessons_file(
            [ann.upn, "", "Mon", "P1", "Maths", "", "", ""],
            [ann.upn, "", "Mon", "P2", "English", "", "", ""],
            [ann.upn, "", "Mon", "P3", "History", "", "", ""],
            [ben.upn, "", "Mon", "P1", "Maths", "", "", ""],
        ),
    )
    maths = Lesson.objects.get(student=ann, day=1, period=day["P1"])
    Lesson.objects.create(student=ann, day=1, period=day["P4"], subject="Music")  # by hand
    Lesson.objects.create(student=ann, day=2, period=day["P1"], subject="Drama")  # by hand
    second = lessons_file(
        [ann.upn, "", "Mon", "P1", "Maths", "", "", ""],
        [ann.upn, "", "Mon", "P2", "Science", "", "", ""],
        [ann.upn, "", "Mon", "P4", "Art", "", "", ""],
    )

    planned = preview("lessons", second)
    assert (planned.added, planned.changed, planned.removed) == (0, 1, 1)
    assert (planned.unchanged, planned.hand_replaced) == (1, 1)
    [ann_plan] = planned.students
    hand = [c for c in ann_plan.changes if c.hand]
    assert [(c.slot, c.old, c.new) for c in hand] == [("Monday P4", "Music", "Art")]
    assert any("stay as they are" in n for n in planned.notes)

    result = apply("lessons", second)
    assert result.ok
    assert set(
        Lesson.objects.filter(student=ann).values_list("period__name", "day", "subject", "source")
    ) == {
        ("P1", 1, "Maths", "import"),
        ("P2", 1, "Science", "import"),
        ("P4", 1, "Art", "import"),
        ("P1", 2, "Drama", "hand"),  # a hand lesson in a period the file leaves empty
    }
    assert Lesson.objects.filter(pk=maths.pk).exists()  # unchanged rows are left alone
    assert list(Lesson.objects.filter(student=ben).values_list("subject", flat=True)) == ["Maths"]


# --- the classes shape ------------------------------------------------------------------

CLASS_TIMETABLE = ["Class", "Week", "Day", "Period", "Subject", "Teacher", "Room"]
CLASS_LISTS = ["Class", "UPN", "Adno"]


def class_files(timetable_rows, list_rows):
    return [
        ("timetable.csv", to_csv([CLASS_TIMETABLE, *timetable_rows])),
        ("lists.csv", to_csv([CLASS_LISTS, *list_rows])),
    ]


def test_it_imports_a_class_timetable_with_its_class_lists(day, ann, ben, smith, okafor):
    two_week_cycle()
    files = class_files(
        [
            ["9X/Ma1", "A", "Monday", "P1", "Maths", "JSM", "M4"],
            ["9X/Ma1", "B", "Thursday", "P3", "Maths", "JSM", "M4"],
            ["9X/En2", "A", "Tuesday", "P2", "English", "T200", "E1"],
        ],
        [
            ["9X/Ma1", ann.upn, ""],
            ["9x/en2", "", "A001"],  # class codes match whatever their case
            ["9X/Ma1", "", "A002"],
        ],
    )
    result = apply("classes", files)

    assert result.ok, [f.errors for f in result.files]
    assert set(
        Lesson.objects.values_list("student", "week", "day", "period__name", "class_code")
    ) == {
        (ann.pk, 1, 1, "P1", "9X/Ma1"),
        (ann.pk, 2, 4, "P3", "9X/Ma1"),
        (ann.pk, 1, 2, "P2", "9X/En2"),
        (ben.pk, 1, 1, "P1", "9X/Ma1"),
        (ben.pk, 2, 4, "P3", "9X/Ma1"),
    }
    assert set(StudentStaffLink.objects.values_list("student", "staff")) == {
        (ann.pk, smith.pk),
        (ann.pk, okafor.pk),
        (ben.pk, smith.pk),
    }


def test_class_files_report_problems_in_the_file_they_are_in(day, ann, ben):
    files = class_files(
        [
            ["9X/Ma1", "", "Mon", "P1", "Maths", "", ""],  # 2 and 3: the same class twice
            ["9X/Ma1", "", "Monday", "1", "Maths", "", ""],
            ["9X/Sc1", "", "Mon", "P1", "Science", "", ""],  # 4: at the same time as 9X/Ma1
            ["9X/Ar1", "", "Mon", "Break", "Art", "", ""],  # 5: at break
        ],
        [
            ["9X/Ma1", ann.upn, ""],  # 2 and 3: ann in two classes at once
            ["9X/Sc1", ann.upn, ""],
            ["9X/Gg1", ben.upn, ""],  # 4: a class with no lessons (a warning)
            ["9X/Sc1", "", "NOBODY"],  # 5: unknown student
        ],
    )
    result = apply("classes", files)

    assert not result.ok
    assert errors_of(result, 0) == {(2, "Period"), (3, "Period"), (5, "Period")}
    assert errors_of(result, 1) == {(2, "Class"), (3, "Class"), (5, "Adno")}
    clash = next(e for e in result.files[1].errors if e.line == 2)
    assert "9X/Sc1" in clash.message
    assert "line 3" in clash.message
    assert [(w.line, w.column) for w in result.files[1].warnings] == [(4, "Class")]
    assert not Lesson.objects.exists()


def test_the_class_timetable_may_not_use_week_b_in_a_one_week_cycle(day, ann):
    result = apply(
        "classes",
        class_files([["9X/Ma1", "B", "Mon", "P1", "Maths", "", ""]], [["9X/Ma1", ann.upn, ""]]),
    )
    assert result.needs_two_week_cycle
    assert result.files[0].file_errors
    assert not Lesson.objects.exists()


# --- the pages --------------------------------------------------------------------------


def upload(client, shape="lessons", **files):
    data = {"shape": shape}
    for name, (filename, content) in files.items():
        upload_file = io.BytesIO(content)
        upload_file.name = filename
        data[f"{shape}-{name}"] = upload_file
    return client.post(reverse("timetables:import"), data)


def test_upload_preview_and_apply(day, ann, smith, client_for, cora):
    client = client_for(cora)
    [(name, content)] = lessons_file([ann.upn, "", "Mon", "P1", "Maths", "9X/Ma1", "JSM", "M4"])

    page = upload(client, file=(name, content))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Check the timetable import" in html
    assert f"Able, Ann ({ann.upn})" in html
    assert "Apply this import" in html
    assert not Lesson.objects.exists()

    token = page.context["token"]
    done = client.post(reverse("timetables:import_apply"), {"token": token})
    assert done.status_code == 302
    assert Lesson.objects.get().subject == "Maths"
    again = client.post(reverse("timetables:import_apply"), {"token": token}, follow=True)
    assert "expired or has already been applied" in again.content.decode()
    assert Lesson.objects.count() == 1


def test_apply_checks_the_files_again(day, ann, client_for, ada):
    two_week_cycle()
    client = client_for(ada)
    [(name, content)] = lessons_file([ann.upn, "", "Mon B", "P1", "Maths", "", "", ""])
    page = upload(client, file=(name, content))
    assert page.context["token"]
    TimetableSettings.objects.update(weeks_in_cycle=1)

    refused = client.post(reverse("timetables:import_apply"), {"token": page.context["token"]})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Nothing was saved" in html
    assert reverse("timetables:settings") in html
    assert not Lesson.objects.exists()


def test_the_two_file_form_needs_both_files(day, client_for, cora):
    client = client_for(cora)
    page = upload(client, "classes", class_timetable=("t.csv", b"Class,Day,Period,Subject\r\n"))
    assert page.status_code == 200
    assert page.context["classes_form"].errors["class_lists"]
    assert 'class="field__error"' in page.content.decode()


def test_a_bad_file_shows_its_problems_and_no_apply_button(day, ann, client_for, cora):
    [(name, content)] = lessons_file([ann.upn, "", "Mon", "Lunch", "Maths", "", "", ""])
    page = upload(client_for(cora), file=(name, content))
    html = page.content.decode()
    assert page.context["token"] is None
    assert "Rows with problems" in html
    assert "Apply this import" not in html


def test_templates_download_for_each_file(client_for, cora):
    client = client_for(cora)
    for key, kind in FILE_KINDS.items():
        response = client.get(reverse("timetables:import_template") + f"?file={key}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        first = response.content.decode("utf-8-sig").splitlines()[0]
        assert first.split(",") == list(kind.example[0])
    assert client.get(reverse("timetables:import_template") + "?file=nope").status_code == 404
