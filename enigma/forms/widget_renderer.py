"""A form renderer that writes the plain input and textarea widgets in Python.

My students shows a "Set the work" form for each lesson that needs work (twenty or more
on a busy page), and the plan editor a whole-week form for each week, and each of their
widgets went through the template engine: three templates per input (url.html,
input.html, attrs.html), four more per checkbox of a list, about half the forms' cost.
The student file's filters are the same story: a select of every category and one of
every author, three templates per option (moved here from timetables for them).
This writes the same markup, byte for byte, for inputs, textareas, lists of checkboxes
or radio buttons and selects drawn by Django's own templates (without option groups);
any other template goes to Django's renderer as before. tests/test_timetable_work.py
holds it to Django's output."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates

from enigma.formatting import escaped

# The widget templates that are Django's input.html, or include just it.
_INPUTS = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "url", "email", "number", "password", "file", "checkbox", "date")
}
_TEXTAREA = "django/forms/widgets/textarea.html"
# Lists of checkboxes or radio buttons (multiple_input.html, an option each) and selects.
_MULTIPLE = {
    "django/forms/widgets/checkbox_select.html": "django/forms/widgets/checkbox_option.html",
    "django/forms/widgets/radio.html": "django/forms/widgets/radio_option.html",
}
_SELECT = "django/forms/widgets/select.html"
_SELECT_OPTION = "django/forms/widgets/select_option.html"


# {{ value }} under autoescape: safe strings as they are, the rest escaped.
_text = escaped  # conditional_escape, without its lazy wrapper


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_text(value)}"')
    return "".join(out)


def _input(widget) -> str:
    """django/forms/widgets/input.html (with the line break the file ends with)."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>\n"
    )


def _choice(option) -> str:
    """checkbox_option.html or radio_option.html: input_option.html and a line break."""
    if not option["wrap_label"]:
        return _input(option) + "\n\n"
    label_id = option["attrs"].get("id")
    opening = f'<label for="{_text(label_id)}">' if label_id else "<label>"
    return f"{opening}{_input(option)} {_text(option['label'])}</label>\n\n"


def _multiple(widget) -> str:
    """multiple_input.html: the options in turn, each in a div (no groups)."""
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    out = [
        "<div",
        f' id="{_text(id_)}"' if id_ else "",
        f' class="{_text(css)}"' if css else "",
        ">",
    ]
    for _group, options, _index in widget["optgroups"]:
        out.extend(f"<div>\n    {_choice(option)}</div>" for option in options)
    out.append("\n</div>")
    return "".join(out)


def _select(widget) -> str:
    """select.html with select_option.html for each option (no groups)."""
    out = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for _group, options, _index in widget["optgroups"]:
        for option in options:
            out.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
    out.append("\n</select>")
    return "".join(out)


def _plain(widget, option_template: str) -> bool:
    """No option groups, and every option drawn by Django's own option template."""
    return all(
        not group and all(o["template_name"] == option_template for o in options)
        for group, options, _index in widget["optgroups"]
    )


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
            option_template = _MULTIPLE.get(template_name)
            if option_template and _plain(widget, option_template):
                return _multiple(widget)
            if template_name == _SELECT and _plain(widget, _SELECT_OPTION):
                return _select(widget)
        return super().render(template_name, context, request)


# One renderer (and so one template engine) for every form that uses it.
WIDGETS = WidgetRenderer()
