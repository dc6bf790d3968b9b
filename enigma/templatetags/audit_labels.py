"""{{ event.action|action_label }}: an audit action in the words the audit page uses;
{{ event|audit_object }}: the event's object as it may be shown (enigma.audit.object_label);
{{ event|audit_kind }}: the kind its data names, if any ("" when none, with no failed
look-up per row as {{ event.data.kind }} had); {{ event.occurred_at|moment }}: when, to the
second (enigma.formatting.moment_text)."""

from django import template

from enigma import audit
from enigma.formatting import moment_text

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit.label(action)


@register.filter
def audit_object(event) -> str:
    return audit.object_label(event)


@register.filter
def audit_kind(event):
    data = event.data
    return data.get("kind", "") if isinstance(data, dict) else ""


@register.filter
def moment(value) -> str:
    return moment_text(value) if value else ""
