"""Forms for the work loop. An uploaded file is checked by its content in
records.attachments, through timetables.services.work; the form only takes it in."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.validators import URLValidator

from enigma.forms.widget_renderer import WIDGETS
from enigma.uploads import LimitedFileInput
from records import attachments


class WorkSetForm(forms.Form):
    # Each of the three is optional alone, but one of them is needed: no "(optional)"
    # on any (the hint and the form's error say so).
    marks_optional = False
    # My students shows one of these for each lesson that needs work: its widgets are
    # written without the template engine (enigma.forms.widget_renderer).
    default_renderer = WIDGETS

    description = forms.CharField(
        label="The work",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the student should do, and where to find it. Describe the work, "
        "give a link or attach a file: any one of the three will do.",
    )
    link = forms.URLField(
        label="Link",
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="A web address, e.g. the lesson on the school's learning platform.",
        error_messages={"invalid": "Enter a web address starting https:// (or http://)."},
    )
    file = forms.FileField(
        label="File",
        required=False,
        widget=LimitedFileInput(
            attachments.max_bytes, attrs={"accept": attachments.ACCEPT_ATTRIBUTE}
        ),
        error_messages={
            "empty": "The file is empty. Choose the file again; it may not have saved.",
            "invalid": "That was not a file. Choose the file again.",
        },
        allow_empty_file=False,
    )
    remove_file = forms.BooleanField(label="Remove the file attached now", required=False)
    same_for_class = forms.BooleanField(required=False)

    def __init__(self, *args, work=None, same_class_count: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.work = work
        self.fields["file"].help_text = attachments.limit_text()
        self.fields["file"].max_length = 1000  # the service keeps a cleaned-up name
        if work is not None and work.status == work.Status.SET:
            self.initial.setdefault("description", work.description)
            self.initial.setdefault("link", work.link)
        if not (work is not None and work.file):
            del self.fields["remove_file"]
        else:
            self.fields["remove_file"].label = f"Remove {work.file_name or 'the file'}"
        if same_class_count > 1:
            what = work.class_code or work.subject
            self.fields[
                "same_for_class"
            ].label = f"Use the same work for all {same_class_count} lessons of {what} this week"
        else:
            del self.fields["same_for_class"]

    def clean(self):
        data = super().clean()
        has_file = bool(self.work is not None and self.work.file and not data.get("remove_file"))
        given = data.get("description", "").strip() or data.get("link") or data.get("file")
        if not (given or has_file):
            raise forms.ValidationError(
                "Describe the work, give a link to it or attach a file (any or all of these)."
            )
        return data


class LessonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return (
            f"{obj.subject}, {obj.date:%a %-d %b} {obj.period.name}: {obj.placement.student.name}"
        )


class WorkSetManyForm(forms.Form):
    """The same work for several lessons: the lessons are ticked on My students (their
    checkboxes belong to this form by their form attribute), then one description, link
    or file for all of them."""

    marks_optional = False

    works = LessonChoices(
        label="Lessons",
        queryset=None,
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": "Tick the lessons this work is for.",
            "invalid_choice": "One of the lessons ticked can no longer be set: reload the page.",
            "invalid_pk_value": "One of the lessons ticked can no longer be set: reload the page.",
        },
    )
    description = WorkSetForm.base_fields["description"]
    link = WorkSetForm.base_fields["link"]
    file = WorkSetForm.base_fields["file"]

    def __init__(self, *args, requests, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["works"].queryset = requests
        self.fields["file"].help_text = attachments.limit_text()

    def clean(self):
        data = super().clean()
        if not (data.get("description", "").strip() or data.get("link") or data.get("file")):
            raise forms.ValidationError(
                "Describe the work, give a link to it or attach a file (any or all of these)."
            )
        return data


class WorkCompleteForm(forms.Form):
    note = forms.CharField(
        label="How it went",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For the teacher: how much was done, and anything to follow up in class.",
        error_messages={"required": "Say how the work went, for the teacher."},
    )


@dataclass(frozen=True)
class FreshWorkSetForm:
    """The "Set the work" form for `work` as My students first shows it (unbound): the
    work_lesson tag writes its fields straight from the form's widgets (what WorkSetForm
    with these arguments writes, held to it by tests/test_timetable_work.py), without
    building a form and its bound fields for each of twenty or more lessons."""

    work: object  # a WorkRequest
    same_class_count: int = 0
