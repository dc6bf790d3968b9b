"""Forms of the student file: timeline filters, entries, amendments, actions, shares."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.utils import timezone

from enigma.capabilities import Capability, users_who_can
from enigma.forms.common import DateInput, DatesInOrder, DateTimeInput, TextField
from enigma.forms.widget_renderer import WIDGETS
from enigma.models import Student
from enigma.uploads import LimitedClearableFileInput
from records import attachments
from records.access import is_restricted
from records.models import Category, Entry
from records.selectors.chronology import TimelineFilters
from records.services.entries import NewAction

# The kinds a person records by hand; sessions come from interventions, events from
# the placement lifecycle.
HAND_KINDS = [
    Entry.Kind.CONCERN,
    Entry.Kind.INCIDENT,
    Entry.Kind.OBSERVATION,
    Entry.Kind.POSITIVE,
    Entry.Kind.CONTACT,
    Entry.Kind.PROGRESS,
]
# Kinds that need a category: they are what patterns are looked for in.
CATEGORISED = {Entry.Kind.CONCERN, Entry.Kind.INCIDENT, Entry.Kind.OBSERVATION}


def staff_choices():
    """Who an action can go to (active staff with any role), by surname."""
    return users_who_can(Capability.FOLLOW_UP_ACTIONS).order_by("last_name", "first_name")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class TimelineFilterForm(DatesInOrder, forms.Form):
    is_filter = True
    # On every view of the student file: its selects (every category, every author) are
    # written without the template engine (enigma.forms.widget_renderer).
    default_renderer = WIDGETS
    kind = forms.ChoiceField(label="Kind", required=False)
    category = forms.ModelChoiceField(
        label="Category", required=False, queryset=Category.objects.all(), empty_label="Any"
    )
    author = StaffChoiceField(
        label="Recorded by", required=False, queryset=None, empty_label="Anyone"
    )
    date_from = forms.DateField(label="From", required=False, widget=DateInput())
    date_to = forms.DateField(label="To", required=False, widget=DateInput())

    def __init__(self, *args, authors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any"), *Entry.Kind.choices]
        self.fields["author"].queryset = authors

    def filters(self) -> TimelineFilters:
        if not self.is_bound or not self.is_valid():
            return TimelineFilters()
        d = self.cleaned_data
        return TimelineFilters(
            kind=d.get("kind") or "",
            category_id=d["category"].pk if d.get("category") else None,
            author_id=d["author"].pk if d.get("author") else None,
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )

    def query_string(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        pairs = []
        for key, value in self.cleaned_data.items():
            if value in ("", None):
                continue
            pairs.append((key, getattr(value, "pk", value)))
        return urlencode(pairs)


def _now_to_the_minute() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class EntryForm(forms.Form):
    """One entry of a given kind about a student (and any others involved)."""

    occurred_at = forms.DateTimeField(
        label="When it happened",
        widget=DateTimeInput(),
        help_text="Now, unless you are recording something from earlier.",
    )
    category = forms.ModelChoiceField(
        label="Category", queryset=Category.objects.filter(active=True), required=False
    )
    summary = forms.CharField(
        label="Summary",
        max_length=200,
        error_messages={"required": "Give the entry a one-line summary."},
        help_text="One line that says what this is, e.g. “Upset after PE; said she was hungry”.",
    )
    account = TextField(
        label="What happened",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Facts first, in the student’s own words where you can; who was there; "
        "keep your opinion separate and say that it is one.",
    )
    contact_with = forms.CharField(
        label="Who", max_length=200, help_text="Name and role, e.g. “Mrs Khan, mother”."
    )
    contact_method = forms.ChoiceField(label="How", choices=Entry.ContactMethod.choices)
    agreed = TextField(
        label="What was agreed", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Chosen with the search picker (records.views.pick): each choice is a hidden input
    # beside its name, so the field takes what it always took, and checks it the same way.
    also_involves = forms.ModelMultipleChoiceField(
        label="Other students involved",
        required=False,
        queryset=Student.objects.none(),
        widget=forms.MultipleHiddenInput,
        help_text="The entry goes into each of their chronologies too. Type part of a "
        "name, a UPN or a tutor group, then add each student.",
    )

    file = forms.FileField(
        label="Attach a file",
        required=False,
        allow_empty_file=False,
        widget=LimitedClearableFileInput(
            attachments.max_bytes, attrs={"accept": attachments.ACCEPT_ATTRIBUTE}
        ),
    )

    def __init__(self, *args, kind: str, student: Student, user, picking=False, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_at", _now_to_the_minute())
        super().__init__(*args, **kwargs)
        self.kind, self.student, self.user = kind, student, user
        # Sent back by the picker's Find, Add or Remove (without JavaScript): shown again
        # as typed, not checked, not saved.
        self.picking = picking
        self.fields["file"].help_text = attachments.limit_text()
        if kind != Entry.Kind.CONTACT:
            for name in ("contact_with", "contact_method", "agreed"):
                del self.fields[name]
        if kind in CATEGORISED:
            self.fields["category"].required = True
            self.fields["category"].empty_label = "Choose a category"
        else:
            self.fields["category"].empty_label = "None"
        restricted = [c.name for c in self.fields["category"].queryset if c.restricted]
        if restricted:
            self.fields[
                "category"
            ].help_text = (
                f"{', '.join(restricted)}: seen only by the safeguarding team once recorded."
            )
        if kind in (Entry.Kind.CONCERN, Entry.Kind.INCIDENT, Entry.Kind.OBSERVATION):
            self.fields["also_involves"].queryset = (
                Student.objects.visible_to(user)
                .filter(on_roll=True)
                .exclude(pk=student.pk)
                .order_by("legal_surname", "legal_forename")
            )
        else:
            del self.fields["also_involves"]

    def full_clean(self):
        if self.picking:
            self._errors, self.cleaned_data = ErrorDict(), {}
            return
        super().full_clean()

    def chosen_students(self) -> list[Student]:
        """The other students chosen so far that the person may choose (in the order
        chosen), for the picker's chips."""
        if "also_involves" not in self.fields:
            return []
        value = self["also_involves"].value() or []
        pks = [int(v) for v in value if str(v).isdigit() and len(str(v)) < 10]
        found = self.fields["also_involves"].queryset.in_bulk(pks)
        return [found[pk] for pk in dict.fromkeys(pks) if pk in found]

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now():
            raise forms.ValidationError(
                "This is in the future. Record things once they have happened."
            )
        return value

    def clean_file(self):
        """Checked by content now, so a refused file stops the whole entry (nothing is
        half saved); it is stored once the entry is recorded."""
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                attachments.check(upload)
            except attachments.Refused as refused:
                raise forms.ValidationError(str(refused)) from None
            upload.seek(0)
        return upload

    def students(self) -> list[Student]:
        return [self.student, *self.cleaned_data.get("also_involves", [])]

    def entry_fields(self) -> dict:
        d = self.cleaned_data
        fields = {
            "kind": self.kind,
            "occurred_at": d["occurred_at"],
            "category": d.get("category"),
            "summary": d["summary"],
            "account": d.get("account", ""),
        }
        if self.kind == Entry.Kind.CONTACT:
            fields |= {
                "contact_with": d["contact_with"],
                "contact_method": d["contact_method"],
                "agreed": d.get("agreed", ""),
            }
        return fields


class ActionForm(forms.Form):
    """One follow-up action. A blank row is ignored."""

    # Each row is optional as a whole (the fieldset's legend says so): no "(optional)"
    # on every field. The field template reads this flag, as it does for filter forms.
    is_filter = True

    description = forms.CharField(label="Action", max_length=300, required=False)
    assignee = StaffChoiceField(label="Who", queryset=None, required=False, empty_label="Choose")
    due_on = forms.DateField(label="Due", required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_choices()

    def clean(self):
        data = super().clean()
        given = [data.get(k) for k in ("description", "assignee", "due_on")]
        if any(given) and not all(given):
            for key in ("description", "assignee", "due_on"):
                if not data.get(key):
                    self.add_error(key, "Needed for this action, or clear the row.")
        due = data.get("due_on")
        if due and due < timezone.localdate():
            self.add_error("due_on", "This date has passed.")
        return data

    def new_action(self) -> NewAction | None:
        d = self.cleaned_data
        if not d.get("description"):
            return None
        return NewAction(description=d["description"], assignee=d["assignee"], due_on=d["due_on"])


ActionFormSet = forms.formset_factory(ActionForm, extra=2, max_num=10)


def new_actions(formset) -> list[NewAction]:
    return [a for a in (f.new_action() for f in formset.forms) if a is not None]


class AmendForm(forms.Form):
    reason = forms.CharField(
        label="What was wrong",
        max_length=300,
        help_text="Kept with the correction, e.g. “Wrong date: it happened on Monday”.",
    )
    occurred_at = forms.DateTimeField(label="When it happened", widget=DateTimeInput())
    category = forms.ModelChoiceField(label="Category", queryset=Category.objects.all())
    summary = forms.CharField(label="Summary", max_length=200)
    account = TextField(
        label="What happened", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, original: Entry, **kwargs):
        initial = {
            "occurred_at": timezone.localtime(original.occurred_at).replace(
                second=0, microsecond=0
            ),
            "category": original.category,
            "summary": original.summary,
            "account": original.account,
        }
        super().__init__(*args, initial=initial, **kwargs)
        if original.category is None:
            self.fields["category"].required = False
            self.fields["category"].empty_label = "None"
        if is_restricted(original):
            # A restricted entry stays restricted (its correction is restricted whatever
            # its category): offer restricted categories, and the one it has.
            self.fields["category"].queryset = Category.objects.filter(
                Q(restricted=True) | Q(pk=original.category_id)
            )

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now():
            raise forms.ValidationError("This is in the future.")
        return value


class CompleteActionForm(forms.Form):
    outcome = TextField(
        label="What came of it",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept with the action; it cannot be changed afterwards.",
    )


class ShareForm(forms.Form):
    colleague = StaffChoiceField(label="Colleague", queryset=None, empty_label="Choose")
    reason = forms.CharField(
        label="Why they need to see it",
        max_length=300,
        help_text="Kept with the share, for the safeguarding team.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The safeguarding team reads it already.
        readers = users_who_can(Capability.READ_RESTRICTED)
        self.fields["colleague"].queryset = staff_choices().exclude(pk__in=readers.values("pk"))
