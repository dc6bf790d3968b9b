"""Forms for students' normal timetables: the import upload, a lesson by hand, and the
timetable settings. Each check the database also makes is made here first, so the
person sees a clear message next to the field."""

from __future__ import annotations

import os
import re

from django import forms

from enigma.formatting import day_text
from enigma.forms.common import DateInput
from enigma.imports.forms import checked_upload
from enigma.imports.parsing import max_bytes
from enigma.models import Period
from enigma.uploads import LimitedFileInput
from timetables.mis_import.plan import slot_label
from timetables.models import WEEKDAYS, Lesson, TimetableSettings
from timetables.selectors import lessons as selectors

_CSV_INPUT = {"accept": ".csv,.txt,.tsv,text/csv"}


def _csv_field(label: str, help_text: str) -> forms.FileField:
    return forms.FileField(
        label=label, help_text=help_text, widget=LimitedFileInput(max_bytes, attrs=_CSV_INPUT)
    )


class LessonsUploadForm(forms.Form):
    shape = "lessons"
    file = _csv_field(
        "Lessons file (CSV)",
        "A row per student per lesson, exported from SIMS, Arbor or Bromcom. Nothing is "
        "saved until you have checked the preview.",
    )

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])

    def uploaded(self) -> list[tuple[str, bytes]]:
        return [_read(self.cleaned_data["file"])]


class ClassesUploadForm(forms.Form):
    shape = "classes"
    class_timetable = _csv_field(
        "Class timetable (CSV)", "A row per class per lesson: class, day, period, subject."
    )
    class_lists = _csv_field("Class lists (CSV)", "A row per student per class: class, student.")

    def clean_class_timetable(self):
        return checked_upload(self.cleaned_data["class_timetable"])

    def clean_class_lists(self):
        return checked_upload(self.cleaned_data["class_lists"])

    def uploaded(self) -> list[tuple[str, bytes]]:
        return [
            _read(self.cleaned_data["class_timetable"]),
            _read(self.cleaned_data["class_lists"]),
        ]


def _read(upload) -> tuple[str, bytes]:
    return os.path.basename(upload.name or "upload.csv")[:200], upload.read()


class LessonForm(forms.Form):
    """A lesson entered (or corrected) by hand for one student."""

    week = forms.TypedChoiceField(label="Week", coerce=int, choices=[(1, "Week A"), (2, "Week B")])
    day = forms.TypedChoiceField(label="Day", coerce=int, choices=list(WEEKDAYS.items()))
    period = forms.ModelChoiceField(label="Period", queryset=selectors.lesson_periods())
    subject = forms.CharField(label="Subject", max_length=60)
    class_code = forms.CharField(
        label="Class", max_length=30, required=False, help_text='As the MIS names it, e.g. "9X/Ma1"'
    )
    teacher = forms.ModelChoiceField(
        label="Teacher",
        queryset=selectors.teachers(),
        required=False,
        empty_label="Not chosen",
        help_text="Choosing a teacher lets them see this student's file.",
    )
    teacher_code = forms.CharField(
        label="Teacher as in the MIS",
        max_length=60,
        required=False,
        help_text="Their code or name, if they have no Enigma account.",
    )
    room = forms.CharField(label="Room", max_length=30, required=False)

    def __init__(self, *args, student, two_weeks: bool, lesson: Lesson | None = None, **kwargs):
        if lesson is not None:
            kwargs.setdefault(
                "initial",
                {
                    "week": lesson.week,
                    "day": lesson.day,
                    "period": lesson.period,
                    "subject": lesson.subject,
                    "class_code": lesson.class_code,
                    "teacher": lesson.teacher,
                    "teacher_code": lesson.teacher_code,
                    "room": lesson.room,
                },
            )
        super().__init__(*args, **kwargs)
        self.student = student
        self.lesson = lesson
        self.two_weeks = two_weeks
        if not two_weeks and (lesson is None or lesson.week == 1):
            del self.fields["week"]  # one-week timetables have only week A
        if lesson is not None:
            # A period that has since become a break stays choosable for this lesson.
            self.fields["period"].queryset = (
                selectors.lesson_periods() | Period.objects.filter(pk=lesson.period_id)
            ).order_by("starts_at")

    def clean(self):
        data = super().clean()
        if "week" not in self.fields:
            data["week"] = 1
        data.setdefault("week", 1)  # an unreadable week has its own error already
        day, period = data.get("day"), data.get("period")
        if day and period:
            taken = selectors.lesson_in_slot(self.student, data["week"], day, period)
            if taken is not None and (self.lesson is None or taken.pk != self.lesson.pk):
                slot = slot_label(data["week"], day, period, two_weeks=self.two_weeks)
                self.add_error(
                    "period",
                    f"{self.student.forename} already has {taken.subject} in {slot}. Change "
                    "or remove that lesson first, or choose another period.",
                )
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.cleaned_data}


_SUBJECT_SPLIT = re.compile(r"[\n,;]+")


class TimetableSettingsForm(forms.ModelForm):
    subjects_first = forms.CharField(
        label="Subjects that return to class first",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, or separated by commas, in order (e.g. English, Maths, PE). "
        "Other subjects follow, those with fewest lessons first.",
    )

    class Meta:
        model = TimetableSettings
        fields = [
            "weeks_in_cycle",
            "week_a_starts",
            "holiday_weeks_count",
            "subjects_first",
            "first_week_in_class_percent",
            "one_to_one_spaces",
        ]
        widgets = {
            "week_a_starts": DateInput(),
        }
        help_texts = {
            "week_a_starts": "Any Monday that is week A; weeks then alternate A, B, A ... "
            "Needed for a two-week timetable.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["subjects_first"] = "\n".join(self.instance.subjects_first or [])
        self.fields["first_week_in_class_percent"].widget.attrs.update(min=0, max=100)
        self.fields["one_to_one_spaces"].widget.attrs.update(min=0, max=10)

    def clean_subjects_first(self) -> list[str]:
        subjects: list[str] = []
        seen: set[str] = set()
        for part in _SUBJECT_SPLIT.split(self.cleaned_data.get("subjects_first") or ""):
            name = " ".join(part.split())
            if not name or name.casefold() in seen:
                continue
            if len(name) > 60:
                raise forms.ValidationError(
                    f'"{name[:30]}…" is {len(name)} characters long; a subject can be at most 60.'
                )
            seen.add(name.casefold())
            subjects.append(name)
        return subjects

    def clean_week_a_starts(self):
        day = self.cleaned_data.get("week_a_starts")
        if day is not None and day.isoweekday() != 1:
            raise forms.ValidationError(
                f"{day_text(day)} is a {day:%A}. Choose the Monday of a week A."
            )
        return day

    def clean(self):
        data = super().clean()
        two_weeks = data.get("weeks_in_cycle") == 2
        if two_weeks and not data.get("week_a_starts") and "week_a_starts" not in self.errors:
            self.add_error(
                "week_a_starts",
                "Give a Monday in week A, so that Enigma knows which week is which.",
            )
        return data
