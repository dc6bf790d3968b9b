"""Filters that keep the words right: lists joined without stray commas, and errors that
name what is missing rather than "This field is required"."""

from django import forms, template

from enigma.formatting import day_text

register = template.Library()

# The message Django gives a required field left empty. A form that sets its own
# ("Enter the start date.") keeps it; this one is replaced by one naming the field.
_DJANGO_REQUIRED = forms.Field.default_error_messages["required"]
_CHOOSE = (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple, forms.CheckboxInput)


@register.filter
def without(items, unwanted):
    """`items` less the object `unwanted` (compared by primary key)."""
    pk = getattr(unwanted, "pk", unwanted)
    return [item for item in items if getattr(item, "pk", item) != pk]


def required_message(field: forms.Field, label: str) -> str:
    """A GOV.UK-style message for a field left empty: "Enter the date consent was
    given", "Choose the kind"."""
    what = str(label or "this").strip().rstrip("?:")
    what = what[0].lower() + what[1:] if what[1:2].islower() else what
    if isinstance(field.widget, forms.FileInput):
        return f"Choose a file for “{what}”."
    if isinstance(field.widget, _CHOOSE):
        return f"Choose {_the(what)}."
    return f"Enter {_the(what)}."


def _the(what: str) -> str:
    first = what.split(" ", 1)[0].lower()
    if first in {"the", "a", "an", "your", "their", "who", "what", "when", "how", "why", "which"}:
        return what
    return f"the {what}"


@register.filter
def field_errors(bound_field) -> list[str]:
    """The field's error messages, with Django's bare "This field is required." replaced
    by one that says what to enter."""
    messages = []
    for error in bound_field.errors.as_data():
        for message in error.messages:
            if error.code == "required" and message == _DJANGO_REQUIRED:
                message = required_message(bound_field.field, bound_field.label)
            messages.append(message)
    return messages


# includes/field.html asks these of every field it renders: asked in Python, a form or
# widget without the attribute is no failed template lookup (each costs an exception).


@register.filter
def is_check(bound_field) -> bool:
    """A tick box, or a list of them: its label follows the box."""
    return getattr(bound_field.field.widget, "input_type", None) == "checkbox"


@register.filter
def says_optional(bound_field) -> bool:
    """Whether the label says "(optional)": not on a required field, nor on a form whose
    fields are all optional (a filter) or that says it by other means."""
    form = bound_field.form
    return (
        not bound_field.field.required
        and not getattr(form, "is_filter", False)
        and getattr(form, "marks_optional", True) is not False
    )


@register.filter(expects_localtime=True)
def day(value) -> str:
    """A day in the house style, "Mon 3 Nov 2026": what |date gives, from words kept per
    day (enigma.formatting.day_text) for lists that name the same days row after row."""
    if value in (None, ""):
        return ""
    return day_text(value)
