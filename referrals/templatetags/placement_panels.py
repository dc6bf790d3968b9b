"""{% placement_panels placement %}: placeholders that htmx fills from the fragments other
apps register for a placement (referrals.hooks.add_placement_panel)."""

from django import template
from django.urls import reverse

from referrals import hooks

register = template.Library()


@register.inclusion_tag("enigma/students/_panels.html", takes_context=True)
def placement_panels(context, placement):
    user = context["request"].user
    return {
        "urls": [
            reverse(panel.url_name, args=[placement.pk])
            for panel in hooks.placement_panels_for(user)
        ]
    }
