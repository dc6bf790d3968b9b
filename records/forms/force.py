"""The form for a use of reasonable force, used to record one and to correct it."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from enigma.capabilities import Capability, users_who_can
from enigma.forms.common import DateInput, DatesInOrder, DateTimeInput, TextField
from enigma.models import Student
from records.models import Entry, ForceRecord
from records.services.force import MAX_MINUTES, ForceDetails

HEADINGS = (
    "Where",
    "Staff involved",
    "What happened before",
    "What was done",
    "For how long",
    "Injuries to pupils",
    "Injuries to staff",
    "Parents told",
    "Debrief",
)


def _sections(account: str) -> dict[str, str]:
    """The narrative's sections, read back in the order records.services.force wrote
    them (to fill a correction's form; the person checks it before saving)."""
    found, rest = {}, "\n\n" + account
    for i, heading in enumerate(HEADINGS):
        start = rest.find(f"\n\n{heading}:\n")
        if start < 0:
            return found
        rest = rest[start + len(heading) + 4 :]
        end = len(rest)
        if i + 1 < len(HEADINGS):
            nxt = rest.find(f"\n\n{HEADINGS[i + 1]}:\n")
            end = nxt if nxt >= 0 else end
        found[heading] = rest[:end]
        rest = rest[end:]
    return found


def initial_from(entry: Entry) -> dict:
    """What the correction form starts from: the record as it stands."""
    record = entry.force_record
    parts = _sections(entry.account)
    where = parts.get("Where", "")
    label = ForceRecord.Place(record.place).label
    parents = parts.get("Parents told", "")
    debrief = parts.get("Debrief", "")
    local = timezone.localtime
    return {
        "occurred_at": local(entry.occurred_at),
        "summary": entry.summary,
        "place": record.place,
        "place_detail": where[len(label) + 2 :] if where.startswith(f"{label}: ") else "",
        "staff": [link.user_id for link in record.staff_links.all()],
        "before": parts.get("What happened before", ""),
        "what_was_done": parts.get("What was done", ""),
        "duration_minutes": record.duration_minutes,
        "pupil_injured": record.pupil_injured,
        "pupil_injuries": parts.get("Injuries to pupils", "") if record.pupil_injured else "",
        "staff_injured": record.staff_injured,
        "staff_injuries": parts.get("Injuries to staff", "") if record.staff_injured else "",
        "parents_told": record.parents_told,
        "parents_told_at": record.parents_told_at and local(record.parents_told_at),
        "parents_told_detail": parents.split(". ", 1)[1] if ". " in parents else "",
        "debrief_at": record.debrief_at and local(record.debrief_at),
        "debrief": debrief.split(". ", 1)[1] if record.debrief_at and ". " in debrief else "",
    }


class StaffField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class ForceForm(forms.Form):
    occurred_at = forms.DateTimeField(label="When it happened", widget=DateTimeInput())
    place = forms.ChoiceField(
        label="Where", choices=[("", "Choose where"), *ForceRecord.Place.choices]
    )
    place_detail = forms.CharField(
        label="Where exactly", max_length=200, required=False, help_text="E.g. “the quiet booth”."
    )
    also_involves = forms.ModelMultipleChoiceField(
        label="Other pupils involved",
        required=False,
        queryset=Student.objects.none(),
        help_text="The record goes into each of their files too. Hold Ctrl (or ⌘) to choose "
        "more than one.",
    )
    staff = StaffField(
        label="Staff involved",
        queryset=get_user_model().objects.none(),
        error_messages={"required": "Choose the staff who were involved."},
        help_text="Hold Ctrl (or ⌘) to choose more than one.",
    )
    summary = forms.CharField(
        label="Summary",
        max_length=200,
        error_messages={"required": "Give the record a one-line summary."},
    )
    before = TextField(
        label="What happened before",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What led to it, and what was tried first to calm things.",
        error_messages={"required": "Say what happened before, and what was tried to calm things."},
    )
    what_was_done = TextField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The hold or guiding used, by whom, and why force was needed.",
        error_messages={"required": "Say what was done: the hold or guiding used, and by whom."},
    )
    duration_minutes = forms.IntegerField(
        label="For how long (minutes)",
        min_value=1,
        max_value=MAX_MINUTES,
        error_messages={"required": "Give the minutes it lasted."},
    )
    pupil_injured = forms.BooleanField(label="A pupil was injured", required=False)
    pupil_injuries = TextField(
        label="Injuries to pupils, and first aid",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    staff_injured = forms.BooleanField(label="A member of staff was injured", required=False)
    staff_injuries = TextField(
        label="Injuries to staff, and first aid",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    parents_told = forms.ChoiceField(
        label="How parents were told", choices=ForceRecord.ParentsTold.choices
    )
    parents_told_at = forms.DateTimeField(
        label="When parents were told", widget=DateTimeInput(), required=False
    )
    parents_told_detail = forms.CharField(
        label="Who told whom",
        max_length=200,
        required=False,
        help_text="E.g. “Ms Ali spoke to his mother”.",
    )
    debrief_at = forms.DateTimeField(
        label="When the debrief was held",
        widget=DateTimeInput(),
        required=False,
        help_text="Leave empty until it is held; add it later as a correction.",
    )
    debrief = TextField(
        label="What the debrief found",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    amendment_reason = forms.CharField(
        label="What changed, and why",
        max_length=300,
        error_messages={"required": "Say what changed, so readers know why."},
    )

    def __init__(self, *args, user, student: Student | None = None, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.student = student
        self.fields["staff"].queryset = users_who_can(Capability.FOLLOW_UP_ACTIONS).order_by(
            "last_name", "first_name"
        )
        self.fields["staff"].widget.attrs["size"] = 6
        if correcting:
            del self.fields["also_involves"]
        else:
            del self.fields["amendment_reason"]
            self.fields["also_involves"].queryset = (
                Student.objects.visible_to(user)
                .filter(on_roll=True)
                .exclude(pk=student.pk)
                .order_by("legal_surname", "legal_forename")
            )
            self.fields["also_involves"].label_from_instance = lambda s: (
                f"{s.name} ({s.tutor_group or f'Year {s.year_group}'})"
            )
            self.fields["also_involves"].widget.attrs["size"] = 6

    def students(self) -> list[Student]:
        return [self.student, *self.cleaned_data.get("also_involves", [])]

    def details(self) -> ForceDetails:
        d = self.cleaned_data
        return ForceDetails(
            occurred_at=d["occurred_at"],
            place=d["place"],
            place_detail=d.get("place_detail", ""),
            summary=d["summary"],
            before=d["before"],
            what_was_done=d["what_was_done"],
            duration_minutes=d["duration_minutes"],
            staff=list(d["staff"]),
            pupil_injured=d.get("pupil_injured", False),
            pupil_injuries=d.get("pupil_injuries", ""),
            staff_injured=d.get("staff_injured", False),
            staff_injuries=d.get("staff_injuries", ""),
            parents_told=d["parents_told"],
            parents_told_at=d.get("parents_told_at"),
            parents_told_detail=d.get("parents_told_detail", ""),
            debrief_at=d.get("debrief_at"),
            debrief=d.get("debrief", ""),
        )


class ForceListFilter(DatesInOrder, forms.Form):
    is_filter = True
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())

    def dates(self):
        if not self.is_bound or not self.is_valid():
            return None, None
        return self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")
