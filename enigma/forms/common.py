"""What every app's forms share: putting a service's errors on the form, free text,
date inputs, and radio and checkbox groups the error summary can link to."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: next to each field it names that the
    form has, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class TextField(forms.CharField):
    """Free text as the person wrote it, with the browser's CRLF line breaks stored as
    plain newlines (what the hash chain and exports then carry)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if value else value


class DatesInOrder:
    """For a filter form with optional date_from and date_to fields: a To before the
    From is refused next to To."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class _GroupIdMixin:
    """A radio or checkbox group whose own id is that of the fieldset around it, so the
    error summary's link (#id_<name>) lands on the group rather than nowhere."""

    def id_for_label(self, id_, index=None):
        return id_ if index is None else super().id_for_label(id_, index)


class Checkboxes(_GroupIdMixin, forms.CheckboxSelectMultiple):
    pass


class Radios(_GroupIdMixin, forms.RadioSelect):
    pass
