"""Forms for a placement after approval: holding a review (with its targets), the SENCO's
sign-off, measures, moving the exit, ending early, the exit itself and follow-up checks.

Forms read and check what was typed; referrals.services.decisions, referrals.services.placements
decide and save. A service's ValidationError goes back onto the form with
enigma.forms.common.add_service_errors(), next to the field it names, so nothing typed is lost.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q

from enigma.capabilities import Capability, users_who_can
from enigma.forms.common import Checkboxes, DateInput, Radios
from enigma.models import User
from referrals import dates
from referrals.models import FollowUp, Measure, Placement, Review, TargetArea, TargetRating
from referrals.selectors.placements import limit_reason

# Blank rows for new targets on the review form.
NEW_TARGET_ROWS = 2


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        return str(user)


class ReviewForm(forms.Form):
    """A review: who came, a rating (and comment) per active target, the room, the views
    and the next step; then each target may be reworded or dropped, and new ones added.

    Per target: rating_<pk>, comment_<pk>, wording_<pk>, drop_<pk>. New targets:
    new_area_<n>, new_description_<n>.
    """

    staff_present = StaffChoiceField(
        label="Staff present",
        queryset=User.objects.none(),
        required=False,
        widget=Checkboxes,
        help_text="You are recorded as present.",
    )
    student_present = forms.BooleanField(label="The student was present", required=False)
    parent_present = forms.BooleanField(label="A parent or carer was present", required=False)
    others_present = forms.CharField(
        label="Anyone else present",
        max_length=300,
        required=False,
        help_text="Name and role, e.g. educational psychologist.",
    )
    room_attendance = forms.CharField(
        label="Attendance in the room",
        max_length=300,
        required=False,
        help_text="Room lessons planned since the last review (or the start) and how many "
        "the student attended, present or late. Filled in from the register; change it if "
        "the register is incomplete.",
    )
    engagement = forms.ChoiceField(
        label="Engagement in the room",
        choices=Review.Engagement.choices,
        widget=Radios,
        error_messages={"required": "Choose how the student engaged in the room."},
    )
    student_view = forms.CharField(
        label="The student's view", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent_view = forms.CharField(
        label="Parents' or carers' view",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_step = forms.CharField(
        label="Agreed next reintegration step",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. back in maths and English lessons from Monday, with a check-in at break.",
        error_messages={"required": "Write the next reintegration step agreed at the review."},
    )

    def __init__(self, *args, review: Review, targets, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review
        self.targets = list(targets)
        # What the register's engagement figure was worked out from (timetables, through
        # referrals.hooks.review_initial), the same way at every kind of review.
        if basis := self.initial.get("engagement_basis"):
            self.fields["engagement"].help_text = basis
        student = review.placement.student
        self.fields["staff_present"].queryset = (
            User.objects.filter(is_active=True)
            .filter(
                # Staff who may be at any review, and those linked to the student.
                Q(pk__in=users_who_can(Capability.ATTEND_REVIEW).values("pk"))
                | Q(student_links__student=student)
            )
            .exclude(pk=user.pk)
            .distinct()
            .order_by("last_name", "first_name", "pk")
        )
        for t in self.targets:
            self.fields[f"rating_{t.pk}"] = forms.ChoiceField(
                label=f"Progress on: {t.description}",
                choices=TargetRating.Rating.choices,
                widget=Radios,
                error_messages={"required": "Rate progress on this target."},
            )
            self.fields[f"comment_{t.pk}"] = forms.CharField(
                label=f"Comment on: {t.description}", max_length=300, required=False
            )
            self.fields[f"wording_{t.pk}"] = forms.CharField(
                label=f"Wording from now on: {t.description}",
                max_length=300,
                initial=t.description,
                required=False,
            )
            self.fields[f"drop_{t.pk}"] = forms.BooleanField(
                label=f"Drop “{t.description}” after this review", required=False
            )
        for n in range(1, NEW_TARGET_ROWS + 1):
            self.fields[f"new_area_{n}"] = forms.ChoiceField(
                label=f"New target {n}: area",
                choices=[("", "Choose an area"), *TargetArea.choices],
                required=False,
            )
            self.fields[f"new_description_{n}"] = forms.CharField(
                label=f"New target {n}", max_length=300, required=False
            )
        # The order of the page, so the error summary lists problems top to bottom.
        ratings = [n for t in self.targets for n in (f"rating_{t.pk}", f"comment_{t.pk}")]
        self.order_fields(
            ["staff_present", "student_present", "parent_present", "others_present", *ratings]
        )

    def clean(self):
        data = super().clean()
        for t in self.targets:
            name = f"wording_{t.pk}"
            # Only when the wording box was on the page (an exit review has none).
            posted = self.add_prefix(name) in self.data
            if posted and not data.get(name, "").strip() and not data.get(f"drop_{t.pk}"):
                self.add_error(name, "A target needs its wording, or tick to drop it.")
        for n in range(1, NEW_TARGET_ROWS + 1):
            area, text = data.get(f"new_area_{n}"), data.get(f"new_description_{n}")
            if text and not area:
                self.add_error(f"new_area_{n}", "Choose the area of the new target.")
            elif area and not text:
                self.add_error(f"new_description_{n}", "Describe the new target.")
        return data

    def target_rows(self):
        """(target, rating, comment, wording, drop) bound fields per active target."""
        return [
            (
                t,
                self[f"rating_{t.pk}"],
                self[f"comment_{t.pk}"],
                self[f"wording_{t.pk}"],
                self[f"drop_{t.pk}"],
            )
            for t in self.targets
        ]

    # The form is in sections; the optional ones are folded away (<details>) and open by
    # themselves when one of their answers has an error.
    WHO = ("staff_present", "student_present", "parent_present", "others_present")

    # Open too when sent back with answers in them, so nothing typed is out of sight.
    @property
    def who_open(self) -> bool:
        return any(name in self.errors for name in self.WHO) or (
            self.is_bound and any(self[name].value() for name in self.WHO)
        )

    @property
    def targets_open(self) -> bool:
        prefixes = ("wording_", "drop_", "new_area_", "new_description_")
        if any(name.startswith(prefixes) for name in self.errors):
            return True
        return self.is_bound and any(
            self[name].field.has_changed(self[name].initial, self[name].data)
            for name in self.fields
            if name.startswith(prefixes)
        )

    def new_rows(self):
        return [
            (n, self[f"new_area_{n}"], self[f"new_description_{n}"])
            for n in range(1, NEW_TARGET_ROWS + 1)
        ]

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "staff_present": list(d["staff_present"]),
            "student_present": d["student_present"],
            "parent_present": d["parent_present"],
            "others": d["others_present"],
            "room_attendance": d["room_attendance"],
            "engagement": d["engagement"],
            "student_view": d["student_view"],
            "parent_view": d["parent_view"],
            "next_step": d["next_step"],
            "ratings": {t.pk: (d[f"rating_{t.pk}"], d[f"comment_{t.pk}"]) for t in self.targets},
            "target_changes": {
                t.pk: d[f"wording_{t.pk}"] for t in self.targets if d[f"wording_{t.pk}"].strip()
            },
            "dropped": [t.pk for t in self.targets if d[f"drop_{t.pk}"]],
            "new_targets": [
                (d[f"new_area_{n}"], d[f"new_description_{n}"])
                for n in range(1, NEW_TARGET_ROWS + 1)
                if d.get(f"new_description_{n}")
            ],
        }


class SignOffForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything to add, e.g. advice for the next steps.",
    )


class MeasuresForm(forms.Form):
    wellbeing = forms.IntegerField(
        label="Wellbeing self-rating",
        min_value=0,
        max_value=10,
        help_text="The student's own rating, from 0 (very low) to 10 (very good).",
        error_messages={
            "required": "Give the student's self-rating, from 0 to 10.",
            "min_value": "The self-rating is from 0 to 10.",
            "max_value": "The self-rating is from 0 to 10.",
            "invalid": "Give a whole number from 0 to 10.",
        },
        widget=forms.NumberInput(attrs={"class": "input--score"}),
    )
    lessons_in_class_per_week = forms.DecimalField(
        label="Lessons attended in class a week",
        required=False,
        min_value=0,
        max_value=60,
        max_digits=4,
        decimal_places=1,
        help_text="Leave blank until timetables and the register are in Enigma.",
        error_messages={
            "min_value": "Give a number of lessons from 0 to 60.",
            "max_value": "Give a number of lessons from 0 to 60.",
            "invalid": "Give a number, e.g. 18 or 18.5.",
        },
        widget=forms.NumberInput(attrs={"step": "0.5", "class": "input--score"}),
    )


class ExitForwardForm(forms.Form):
    new_exit = forms.DateField(
        label="New exit date",
        widget=DateInput(),
        error_messages={"required": "Give the new exit date.", "invalid": "Give a real date."},
    )
    reason = forms.CharField(
        label="Why the exit moves",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the exit moves."},
    )

    def __init__(self, *args, placement: Placement, **kwargs):
        super().__init__(*args, **kwargs)
        self.placement = placement
        self.fields[
            "new_exit"
        ].help_text = (
            f"A school day from {dates.day_text(placement.start_date)}. {limit_reason(placement)}"
        )

    def clean_new_exit(self):
        # Checked again by the service under its lock; here to name the limit and why.
        new_exit = self.cleaned_data["new_exit"]
        if self.placement.latest_exit and new_exit > self.placement.latest_exit:
            raise forms.ValidationError(limit_reason(self.placement))
        return new_exit


class EndEarlyForm(forms.Form):
    end_reason = forms.ChoiceField(
        label="Why the placement ends early",
        choices=Placement.EndReason.choices,
        widget=Radios,
        error_messages={"required": "Choose why the placement ends early."},
    )
    note = forms.CharField(
        label="What happened",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the reason is “Other”.",
    )


class CompleteForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Placement.Outcome.choices,
        widget=Radios,
        error_messages={"required": "Choose the outcome."},
    )
    exit_summary = forms.CharField(
        label="Summary for class teachers, the tutor and parents or carers",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What went well, what helps in lessons, and what happens next. It goes "
        "into the student's file.",
        error_messages={
            "required": "Write the summary for class teachers, the tutor and parents or carers."
        },
    )
    exit_day = forms.DateField(
        label="Last day of the placement",
        widget=DateInput(),
        error_messages={"required": "Give the last day.", "invalid": "Give a real date."},
    )

    def __init__(self, *args, placement: Placement, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exit_day"].initial = min(today, placement.planned_exit)
        planned = dates.day_text(placement.planned_exit)
        self.fields[
            "exit_day"
        ].help_text = f"A school day, no later than the planned exit, {planned}."


YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes(value: str) -> bool:
    return value == "yes"


class FollowUpForm(forms.Form):
    result = forms.ChoiceField(
        label="What the check found",
        choices=FollowUp.Result.choices,
        widget=Radios,
        error_messages={"required": "Choose what the check found."},
    )
    in_class_full_time = forms.TypedChoiceField(
        label="Back in class full time?",
        choices=YES_NO,
        coerce=_yes,
        widget=Radios,
        help_text="In all their lessons, not on a part-time or reduced timetable.",
    )
    suspended_or_excluded = forms.TypedChoiceField(
        label="Suspended or excluded since the placement ended?",
        choices=YES_NO,
        coerce=_yes,
        widget=Radios,
        help_text="Any suspension or exclusion, internal or from the school, since the exit.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. attending all lessons; needed when the result is “Other”.",
    )

    def __init__(self, *args, forename: str = "the pupil", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["in_class_full_time"].error_messages["required"] = (
            f"Select yes if {forename} is back in class full time."
        )
        self.fields["suspended_or_excluded"].error_messages["required"] = (
            f"Select yes if {forename} has been suspended or excluded since the placement ended."
        )


MEASURE_STAGES = dict(Measure.Stage.choices)
