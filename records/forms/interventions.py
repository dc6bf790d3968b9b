"""Forms for interventions: the plan, scores, the session register and closing.

Forms read and check what was typed; records.services.interventions decides and saves.
A ValidationError from a service goes back onto the form with
enigma.forms.common.add_service_errors(), next to the field it names, so nothing typed is lost.
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.utils import timezone

from enigma.forms.common import Checkboxes, DateInput, Radios
from enigma.models import Student, User
from enigma.roles import Role
from records.models import Intervention, SessionAttendance
from records.selectors import interventions as selectors
from records.services.interventions import PLAN_FIELDS, score_text


class StudentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, student: Student) -> str:
        group = f" ({student.tutor_group})" if student.tutor_group else ""
        return f"{student.surname}, {student.forename}{group}"


class InterventionForm(forms.ModelForm):
    """The plan and its students. Not saved directly: the view calls the services."""

    students = StudentChoiceField(
        queryset=Student.objects.none(),
        widget=Checkboxes,
        error_messages={"required": "Choose at least one student."},
    )

    class Meta:
        model = Intervention
        fields = [*PLAN_FIELDS]
        widgets = {
            "starts_on": DateInput(),
            "targets": forms.Textarea(attrs={"rows": 4}),
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        labels = {
            "planned_sessions": "Number of sessions planned",
            "starts_on": "First session",
            "scale_min": "Lowest score on the scale",
            "scale_max": "Highest score on the scale",
            "higher_is_better": "A higher score is better",
        }
        help_texts = {
            "title": 'A short name colleagues will recognise, e.g. "Reading catch-up".',
            "measure_name": 'What the entry and exit scores measure, e.g. "Reading age (months)" '
            'or "Boxall profile: organisation".',
            "higher_is_better": "Untick if a lower score shows progress, e.g. a worry scale.",
        }

    def __init__(self, *args, user, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].queryset = selectors.students_to_choose(user, keep=members)
        self.fields["lead"].queryset = (
            User.objects.filter(is_active=True, groups__name__in=Role.values)
            .distinct()
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["lead"].empty_label = "Choose who leads it"
        self.fields["focus"].choices = [("", "Choose a focus"), *Intervention.Focus.choices]
        for name in ("scale_min", "scale_max"):
            self.fields[name].widget.attrs["step"] = "any"
        self.fields["planned_sessions"].min_value = 1
        self.fields["planned_sessions"].widget.attrs["min"] = 1

    def clean(self):
        data = super().clean()
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and high <= low:
            self.add_error("scale_max", "The top of the scale must be above the bottom.")
        return data

    def plan(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}

    def student_groups(self) -> list[tuple[int, list, bool]]:
        """The student checkboxes by year group: (year, checkboxes, any ticked)."""
        boxes = self["students"].subwidgets
        groups = []
        for year, group in groupby(boxes, key=lambda b: b.data["value"].instance.year_group):
            group = list(group)
            groups.append((year, group, any(b.data["selected"] for b in group)))
        return groups


class ScoresForm(forms.Form):
    """An entry and an exit score per student: fields entry_<pk> and exit_<pk>."""

    def __init__(self, *args, intervention: Intervention, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.intervention = intervention
        self.memberships = memberships
        low, high = intervention.scale_min, intervention.scale_max
        out_of_range = f"Give a score from {score_text(low)} to {score_text(high)}."
        messages = {
            "min_value": out_of_range,
            "max_value": out_of_range,
            "invalid": "Give a number, e.g. 7 or 7.5.",
            "max_decimal_places": "Use no more than two decimal places.",
            "max_digits": out_of_range,
            "max_whole_digits": out_of_range,
        }
        for m in memberships:
            for prefix, label, value in (
                ("entry", "Entry score", m.entry_score),
                ("exit", "Exit score", m.exit_score),
            ):
                self.fields[f"{prefix}_{m.student_id}"] = forms.DecimalField(
                    label=f"{label} for {m.student.name}",
                    required=False,
                    min_value=low,
                    max_value=high,
                    max_digits=7,
                    decimal_places=2,
                    initial=value,
                    error_messages=messages,
                    widget=forms.NumberInput(attrs={"step": "any", "class": "input--score"}),
                )

    def rows(self):
        """(membership, [entry field, exit field]) per student."""
        return [
            (m, [self[f"entry_{m.student_id}"], self[f"exit_{m.student_id}"]])
            for m in self.memberships
        ]

    def scores(self, prefix: str) -> dict:
        return {
            m.student_id: self.cleaned_data[f"{prefix}_{m.student_id}"] for m in self.memberships
        }


class SessionForm(forms.Form):
    """The register: a date, notes, and attended/late/absent with a note per student."""

    held_on = forms.DateField(label="Date of the session", widget=DateInput())
    notes = forms.CharField(
        label="Notes on the session",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the group worked on and how it went. These notes go into each "
        "student's file.",
    )

    def __init__(self, *args, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate
        self.students = students
        for s in students:
            self.fields[f"status_{s.pk}"] = forms.ChoiceField(
                label=s.name,
                choices=SessionAttendance.Status.choices,
                initial=SessionAttendance.Status.ATTENDED,
                widget=Radios,
                error_messages={"required": "Choose attended, late or absent."},
            )
            self.fields[f"note_{s.pk}"] = forms.CharField(
                label=f"Note on {s.name}",
                required=False,
                max_length=300,
            )

    def rows(self):
        return [(s, self[f"status_{s.pk}"], self[f"note_{s.pk}"]) for s in self.students]

    def attendance(self) -> dict[int, str]:
        return {s.pk: self.cleaned_data[f"status_{s.pk}"] for s in self.students}

    def student_notes(self) -> dict[int, str]:
        notes = {s.pk: self.cleaned_data[f"note_{s.pk}"] for s in self.students}
        return {pk: note for pk, note in notes.items() if note}


class CloseForm(forms.Form):
    closed_on = forms.DateField(label="Closing date", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate
