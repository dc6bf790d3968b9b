"""{{ event.action|action_label }}: an audit action in the words the audit page uses."""

from django import template

from enigma import audit

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return audit.label(action)
