from django import forms
from django.db.models import QuerySet

from enigma.forms.widget_renderer import WIDGETS
from referrals.models import Review


class WeekForm(forms.Form):
    """A whole week of the plan at once: which subjects are in class."""

    # One on the plan editor for each week that can still change: its widgets are
    # written without the template engine (enigma.forms.widget_renderer).
    default_renderer = WIDGETS

    in_class = forms.MultipleChoiceField(
        label="Subjects in class this week",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The others are in the room, doing that lesson's work. One-to-one sessions "
        "stay as they are; days already past are not changed.",
    )
    note = forms.CharField(
        label="What was agreed",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    review = forms.ModelChoiceField(
        label="Agreed at",
        queryset=Review.objects.none(),
        required=False,
        empty_label="Not at a review",
    )
    confirm = forms.BooleanField(
        label="Overfill the room if needed",
        required=False,
        help_text="Only if you have checked the room can take one more in those lessons.",
    )

    def __init__(self, *args, subjects, reviews=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["in_class"].choices = [(s, s) for s in subjects]
        if reviews is not None:
            field = self.fields["review"]
            if isinstance(reviews, QuerySet):
                field.queryset = reviews
            else:
                # Reviews already read (one query for every week's form on the page): the
                # choices come from them, the queryset only checks what is posted.
                reviews = list(reviews)
                field.queryset = Review.objects.filter(pk__in=[r.pk for r in reviews])
                field.choices = [
                    ("", field.empty_label),
                    *((r.pk, field.label_from_instance(r)) for r in reviews),
                ]


class ExitOverrideForm(forms.Form):
    reason = forms.CharField(
        label="Why the placement may end without them",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Say why the placement may end without them."},
        help_text="For example: the subject is taught in a block that falls after the exit, "
        "and the class teacher has agreed catch-up work. It goes into the student's file.",
    )
