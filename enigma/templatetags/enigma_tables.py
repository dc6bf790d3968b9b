"""A table wider than the screen scrolls inside its own box, not the page, with or without
JavaScript: {% scrollbox %}<table>…</table>{% endscrollbox %} puts it in a labelled region
that takes focus (so the keyboard can scroll it too), named by the table's caption, or by
the label given for a table that has none. The stylesheet's .table-scroll does the
scrolling (overflow-x: auto), so no style or script is needed on the page (strict CSP)."""

import re
from html import unescape

from django import template
from django.utils.html import format_html, strip_tags

register = template.Library()

_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.DOTALL | re.IGNORECASE)


def caption_text(html: str) -> str:
    """The words of the first caption in `html`, on one line; "" if it has none."""
    found = _CAPTION.search(html)
    return " ".join(unescape(strip_tags(found.group(1))).split()) if found else ""


@register.simple_block_tag
def scrollbox(content, label=""):
    name = " ".join(str(label).split()) or caption_text(content) or "Table"
    return format_html(
        '<div class="table-scroll" role="region" tabindex="0" aria-label="{}">{}</div>',
        name,
        content,
    )
