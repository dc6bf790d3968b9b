"""{{ event.action|action_label }}: an audit action in the words the audit page uses;
{{ event|audit_object }}: the event's object as it may be shown (enigma.audit.object_label)."""

from django import template

from enigma import audit

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit.label(action)


@register.filter
def audit_object(event) -> str:
    return audit.object_label(event)
