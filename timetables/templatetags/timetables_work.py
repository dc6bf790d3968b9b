"""A work request's status tag, written in Python: My students shows it on every lesson
(a hundred or more on a busy page), and as an included template each cost more than the
row around it. tests/test_timetable_work.py holds it to the markup the template wrote."""

from __future__ import annotations

import functools
from html import escape

from django import template
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from enigma.formatting import escaped
from enigma.forms.widget_renderer import WIDGETS
from enigma.templatetags.enigma_words import day, field_errors, is_check, says_optional
from records import attachments
from timetables.forms.work import FreshWorkSetForm, WorkSetForm

register = template.Library()


# {{ value }} under autoescape: safe strings as they are, the rest escaped.
_text = escaped  # conditional_escape, without its lazy wrapper


_FIXED = {
    "set": '<span class="tag tag--blue">Work set</span>',
    "completed": '<span class="tag tag--green">Done in the room</span>',
    "returned": '<span class="tag tag--grey">Returned to you</span>',
}


@register.simple_tag
def work_status(work) -> str:
    status = work.status
    if status == "requested":
        if getattr(work, "overdue", False):
            text = '<span class="tag tag--overdue">Work overdue</span>'
        else:
            text = '<span class="tag tag--open">Work to set</span>'
    else:
        text = _FIXED.get(status) or (
            f'<span class="tag tag--grey">{escape(str(work.get_status_display()))}</span>'
        )
    # Safe: fixed markup, and the one value shown (the status's label) escaped.
    return mark_safe(text + "\n")  # noqa: S308


@register.simple_tag
def work_field(field) -> str:
    """One field of a "Set the work" form (or of the plan editor's whole-week forms), as
    includes/field.html writes it (My students shows a form for each lesson that needs
    work, and the include cost as much again as the widgets). tests/test_timetable_work.py
    and test_timetable_plan.py hold it to includes/field.html."""
    check = is_check(field)
    auto_id = escape(str(field.auto_id))
    label = f'<label for="{escape(str(field.id_for_label))}">{_text(field.label)}'
    out = [f'<div class="field{" field--error" if field.errors else ""}">\n  ']
    if check:
        out.append(f'\n  <div class="field__check">{field}{label}</label></div>\n  ')
    else:
        optional = (
            ' <span class="field__optional">(optional)</span>' if says_optional(field) else ""
        )
        out.append(f"\n  {label}{optional}</label>\n  ")
    out.append("\n  ")
    if field.help_text:
        out.append(f'<p class="field__hint" id="{auto_id}_helptext">{_text(field.help_text)}</p>')
    out.append("\n  ")
    for error in field_errors(field):
        out.append(
            f'<p class="field__error" id="{auto_id}_error"><span class="visually-hidden">'
            f"Error:</span> {_text(error)}</p>"
        )
    out.append("\n  ")
    if not check:
        out.append(str(field))
    # Safe: the widget's own markup, and every other value escaped.
    return mark_safe("".join(out) + "\n</div>\n")  # noqa: S308


# --- My students' rows ---------------------------------------------------------------------
# A teacher's page lists each lesson that needs work (with its "Set the work" form) and
# every lesson of this week and next: written here, the lesson's ~40 variable lookups, two
# included templates and three reverses each went through the template engine. The markup
# is the template's, byte for byte: tests/test_timetable_work.py holds both tags to it
# (tests/golden/my_students_lesson.html and my_students_row.html).

_CSRF = CsrfTokenNode()


def _urls(context) -> tuple[str, str, str, str, str]:
    """Once per render: the work_set and work_file URLs' halves (a request's number goes
    between them) and the CSRF field (the same for every form of a page)."""
    cache = context.render_context
    found = cache.get("my_students_urls")
    if found is None:
        set_head, _, set_tail = reverse("timetables:work_set", args=[0]).rpartition("/0/")
        file_head, _, file_tail = reverse("timetables:work_file", args=[0]).rpartition("/0/")
        found = cache["my_students_urls"] = (
            escape(set_head + "/"),
            escape("/" + set_tail),
            escape(file_head + "/"),
            escape("/" + file_tail),
            str(_CSRF.render(context)),
        )
    return found


def _day(value) -> str:
    return escape(day(value))


def _work_set(work, file_head: str, file_tail: str) -> str:
    """timetables/work/_work.html with show_setter=False."""
    out = ['\n<div class="work-set">\n  ']
    if work.description:
        out.append(f'<div class="work-set__text">{linebreaksbr(work.description, True)}</div>')
    out.append("\n  ")
    if work.link:
        out.append(
            f'<p><a href="{_text(work.link)}" rel="noopener noreferrer" target="_blank">'
            f"{_text(truncatechars(work.link, 60))}</a></p>"
        )
    out.append("\n  ")
    if work.file_name:
        out.append(
            f'<p><a href="{file_head}{int(work.pk)}{file_tail}">{_text(work.file_name)}</a></p>'
        )
    out.append("\n  ")
    if work.set_at:
        when = date_filter(template_localtime(work.set_at), "DATETIME_FORMAT")
        out.append(f'<p class="meta">Set {_text(when)}</p>')
    out.append("\n</div>\n")
    return "".join(out)


def _fresh_field(auto_id: str, label, help_text, widget_html: str) -> str:
    """work_field's markup of an unbound field that is not a tick box."""
    hint = ""
    if help_text:
        hint = f'<p class="field__hint" id="{auto_id}_helptext">{_text(help_text)}</p>'
    return (
        f'<div class="field">\n  \n  <label for="{auto_id}">{_text(label)}</label>\n  \n  '
        f"{hint}\n  \n  {widget_html}\n</div>\n"
    )


def _fresh_check(auto_id: str, label, widget_html: str) -> str:
    """work_field's markup of an unbound tick box without a hint."""
    return (
        f'<div class="field">\n  \n  <div class="field__check">{widget_html}<label'
        f' for="{auto_id}">{_text(label)}</label></div>\n  \n  \n  \n  \n</div>\n'
    )


_ID = "\x00id\x00"  # stands for a field's id in a widget drawn once a process


@functools.cache
def _blank_widget(name: str, described: bool, limit: int) -> str:
    """WorkSetForm's widget `name` with no value, drawn by the form's own widget once a
    process (for each upload `limit`, which the file's widget states) with a stand-in for
    its id, the only thing that differs from one lesson's form to the next: twenty or so
    forms a page drew the same three widgets each."""
    attrs = {"aria-describedby": f"{_ID}_helptext", "id": _ID} if described else {"id": _ID}
    return WorkSetForm.base_fields[name].widget.render(name, None, attrs, renderer=WIDGETS)


def _widget(name: str, value, auto_id: str, *, described: bool) -> str:
    if value is None:  # ids are "w<number>_<field>": nothing in them to escape
        return _blank_widget(name, described, attachments.max_bytes()).replace(_ID, auto_id)
    attrs = {"id": auto_id}
    if described:
        attrs = {"aria-describedby": f"{auto_id}_helptext", **attrs}
    return WorkSetForm.base_fields[name].widget.render(name, value, attrs, renderer=WIDGETS)


def fresh_set_fields(fresh: FreshWorkSetForm) -> str:
    """The fields of WorkSetForm(work=..., same_class_count=..., auto_id="w<pk>_%s"),
    unbound, as work_field writes them: each widget drawn by the form's own widget (with
    the attributes a bound field gives it), the rest as work_field writes it; which fields
    there are and their labels as WorkSetForm.__init__ decides."""
    work, count = fresh.work, fresh.same_class_count
    fields = WorkSetForm.base_fields
    prefix = f"w{int(work.pk)}_"
    is_set = work.status == work.Status.SET
    out = []
    for name, value, help_text in (
        ("description", work.description if is_set else None, fields["description"].help_text),
        ("link", work.link if is_set else None, fields["link"].help_text),
        ("file", None, attachments.limit_text()),
    ):
        auto_id = f"{prefix}{name}"
        widget = _widget(name, value, auto_id, described=True)
        out.append(_fresh_field(escape(auto_id), fields[name].label, help_text, widget))
    checks = []
    if work.file:
        checks.append(("remove_file", f"Remove {work.file_name or 'the file'}"))
    if count > 1:
        what = work.class_code or work.subject
        checks.append(
            ("same_for_class", f"Use the same work for all {count} lessons of {what} this week")
        )
    for name, label in checks:
        auto_id = f"{prefix}{name}"
        widget = _widget(name, None, auto_id, described=False)
        out.append(_fresh_check(escape(auto_id), label, widget))
    return "".join(out)


def _set_form(context, work, form, set_url: str, csrf: str) -> str:
    """timetables/work/_set_form.html."""
    errors = "\n"  # includes/form_errors.html without errors: its last line's end
    if isinstance(form, FreshWorkSetForm):
        fields = fresh_set_fields(form)
    else:
        if form.errors:
            errors = context.template.engine.get_template("includes/form_errors.html").render(
                context.new({"form": form})
            )
        fields = "".join(work_field(field) for field in form)
    button = "Save the changes" if work.status == "set" else "Set the work"
    return (
        f'\n<form method="post" action="{set_url}" enctype="multipart/form-data"'
        f' class="form work-form" novalidate>\n  {csrf}\n  {errors}\n'
        '  <p class="field__hint">Give any or all of these: what to do, a link, a file.</p>\n'
        f'  {fields}\n  <button type="submit" class="button">{button}</button>\n</form>\n'
    )


@register.simple_tag(takes_context=True)
def work_lesson(context) -> str:
    """A lesson that needs work (`row`, a LessonRow with its request and form) of the
    student `s`, with its tick box for the several-lessons form (`chosen`: the request
    numbers ticked, as strings)."""
    row, s = context["row"], context["s"]
    work = row.work
    pk = int(work.pk)
    set_head, set_tail, file_head, file_tail, csrf = _urls(context)
    status = work.status
    when = f"{_day(row.date)}, {_text(row.period_name)}"
    subject = _text(row.subject)
    checked = " checked" if str(pk) in context.get("chosen", ()) else ""
    out = [
        f'\n    <li class="work-lesson" id="work-{pk}">\n'
        '      <div class="field__check work-lesson__choose">\n'
        f'        <input type="checkbox" name="works" value="{pk}" form="set-many"'
        f' id="choose-{pk}"{checked}>\n'
        f'        <label for="choose-{pk}">{when}: {subject}'
    ]
    if row.class_code:
        out.append(f' <span class="meta">{_text(row.class_code)}</span>')
    if row.mode == "one_to_one":
        out.append(' <span class="meta">(1:1)</span>')
    out.append(
        f'<span class="visually-hidden"> for {_text(s.student.name)}</span></label>\n'
        f"      </div>\n      {work_status(work)}\n      "
    )
    if status == "requested" and work.due_by:
        out.append(f'<span class="meta">Set it by {_day(work.due_by)}</span>')
    out.append("\n      ")
    if status != "requested":
        out.append(_work_set(work, file_head, file_tail))
    out.append("\n      ")
    if row.form:
        opened = " open" if status == "requested" and getattr(work, "overdue", False) else ""
        change = "Change the work" if status == "set" else "Set the work"
        out.append(
            f'\n      <details class="work-details"{opened}>\n'
            f'        <summary>{change}<span class="visually-hidden"> for {subject},'
            f" {_day(row.date)} {_text(row.period_name)}</span></summary>\n        "
            f"{_set_form(context, work, row.form, f'{set_head}{pk}{set_tail}', csrf)}"
            "\n      </details>\n      "
        )
    # Safe: fixed markup, every value escaped, and the form's widgets' own markup.
    return mark_safe("".join(out) + "\n    </li>\n    ")  # noqa: S308


@register.simple_tag(takes_context=True)
def work_row(context) -> str:
    """A row (`row`, a LessonRow) of a week's table of the teacher's lessons with a
    student: where the student is, and the work's status."""
    row = context["row"]
    room = _text(context.get("room_name", ""))
    work = row.work
    if row.mode == "one_to_one":
        where = f"<strong>In the {room}, 1:1</strong>"
    elif row.in_room:
        where = f"<strong>In the {room}</strong>"
    else:
        where = "In class"
    if work:
        note = ""
        if work.status == "returned" and work.completed_note:
            note = (
                '<p class="work-note"><strong>How it went:</strong> '
                f"{linebreaksbr(work.completed_note, True)}</p>"
            )
        what = f"\n            {work_status(work)}\n            {note}\n          "
    elif row.in_room:
        what = '\n            <span class="meta">No request yet</span>\n          '
    else:
        what = '\n            <span class="meta">In your lesson</span>\n          '
    code = f' <span class="meta">{_text(row.class_code)}</span>' if row.class_code else ""
    room_class = ' class="work-table__room"' if row.in_room else ""
    # Safe: fixed markup and every value escaped.
    return mark_safe(  # noqa: S308
        f"\n      <tr{room_class}>\n"
        f'        <th scope="row">{_day(row.date)}, {_text(row.period_name)}</th>\n'
        f"        <td>{_text(row.subject)}{code}</td>\n"
        f"        <td>{where}</td>\n        <td>\n          {what}\n        </td>\n"
        "      </tr>\n    "
    )


@register.simple_tag(takes_context=True)
def work_earlier(context) -> str:
    """One of the placement's requests before this week (`w`, with its period's name as
    period_name), with a link to set or change it while it may still change."""
    w = context["w"]
    pk = int(w.pk)
    status = w.status
    code = f' <span class="meta">{_text(w.class_code)}</span>' if w.class_code else ""
    note = ""
    if status == "returned" and w.completed_note:
        note = (
            '<p class="work-note"><strong>How it went:</strong> '
            f"{linebreaksbr(w.completed_note, True)}</p>"
        )
    link = ""
    if status in ("requested", "set"):
        set_head, set_tail = _urls(context)[:2]
        change = "Change the work" if status == "set" else "Set the work"
        link = f' <a href="{set_head}{pk}{set_tail}">{change}</a>'
    # Safe: fixed markup and every value escaped.
    return mark_safe(  # noqa: S308
        f'\n    <li id="work-{pk}">{_day(w.date)}, {_text(w.period_name)}: {_text(w.subject)}'
        f"{code} {work_status(w)}\n      {note}\n      {link}\n    </li>\n    "
    )
