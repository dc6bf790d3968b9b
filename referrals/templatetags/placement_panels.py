"""{% placement_panels placement %}: placeholders that htmx fills from the fragments other
apps contribute to a placement's pages (placement_panels, see enigma.registry)."""

from django import template
from django.urls import reverse

from enigma import registry

register = template.Library()


@register.inclusion_tag("enigma/students/_panels.html", takes_context=True)
def placement_panels(context, placement):
    panels = registry.collected().placement_panels_for(context["request"].user)
    return {"urls": [reverse(panel.url_name, args=[placement.pk]) for panel in panels]}
