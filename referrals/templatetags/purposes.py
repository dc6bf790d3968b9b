"""{{ referral.purpose|purpose_name }} and {{ referral.need_areas|need_areas }}: the words
for a placement's purpose (the school's own name where it has one) and its areas of need."""

from django import template

from referrals.purposes import need_area_labels, purpose_label

register = template.Library()


@register.filter
def purpose_name(code: str) -> str:
    return purpose_label(code)


@register.filter
def purpose_in(code: str, labels: dict) -> str:
    """{{ r.purpose|purpose_in:labels }}: for lists, with labels = purpose_labels() read once."""
    return purpose_label(code, labels)


@register.filter
def need_areas(codes) -> str:
    return "; ".join(need_area_labels(codes))
