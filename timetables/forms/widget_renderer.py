"""A form renderer that writes the plain input and textarea widgets in Python.

My students shows a "Set the work" form for each lesson that needs work (twenty or more
on a busy page), and each of their widgets went through the template engine: three
templates per input (url.html, input.html, attrs.html), about half the forms' cost.
This writes the same markup, byte for byte, for the widgets whose templates are Django's
own input.html and textarea.html; any other template goes to Django's renderer as
before. tests/test_timetable_work.py holds it to Django's output."""

from __future__ import annotations

from html import escape

from django.forms.renderers import DjangoTemplates

# The widget templates that are Django's input.html, or include just it.
_INPUTS = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "url", "email", "number", "password", "file", "checkbox")
}
_TEXTAREA = "django/forms/widgets/textarea.html"


def _text(value) -> str:
    """{{ value }} under autoescape: safe strings as they are, the rest escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(out)


class WidgetRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None and set(context) == {"widget"}:
            # (Django's renderer strips what a template writes: no line breaks after.)
            if template_name in _INPUTS:
                value = widget["value"]
                shown = "" if value is None else f' value="{_text(value)}"'
                return (
                    f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
                    f"{shown}{_attrs(widget['attrs'])}>"
                )
            if template_name == _TEXTAREA:
                value = widget["value"]
                return (
                    f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
                    f"{_text(value) if value else ''}</textarea>"
                )
        return super().render(template_name, context, request)
