"""Every wide table sits in a scrolling box the server makes (a labelled region that takes
focus), so a page is no wider than a phone even without JavaScript; the script that used
to make the box is gone."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.template import engines

TEMPLATES = Path(settings.BASE_DIR) / "templates"
BOXED = re.compile(r'\{% scrollbox\b|<div class="table-scroll" tabindex="0" role="region"')


def test_every_table_of_the_house_style_is_in_a_box():
    unboxed = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        lines = path.read_text().splitlines()
        for n, line in enumerate(lines):
            if '<table class="table' not in line:
                continue
            before = next((x for x in reversed(lines[:n]) if x.strip()), "")
            if not BOXED.search(before):
                unboxed.append(f"{path.relative_to(TEMPLATES)}:{n + 1}")
    assert not unboxed, "Put these tables in {% scrollbox %}…{% endscrollbox %}: " + ", ".join(
        unboxed
    )


def render(source: str, **context) -> str:
    return engines["django"].from_string("{% load enigma_tables %}" + source).render(context)


def test_the_box_is_named_by_the_caption_escaped_once():
    html = render(
        '{% scrollbox %}<table class="table"><caption class="visually-hidden">'
        "Lessons of {{ name }}</caption><tr><td>{{ name }}</td></tr></table>{% endscrollbox %}",
        name='Zoë "Zed" <b>O\'Brien</b>',
    )
    assert html.startswith(
        '<div class="table-scroll" role="region" tabindex="0" aria-label="Lessons of Zoë '
        '&quot;Zed&quot; &lt;b&gt;O&#x27;Brien&lt;/b&gt;"><table'
    ), html
    assert "<td>Zoë &quot;Zed&quot; &lt;b&gt;O&#x27;Brien&lt;/b&gt;</td>" in html
    assert html.endswith("</table></div>")


def test_a_table_without_a_caption_is_named_by_the_label_given():
    html = render('{% scrollbox "All transfers" %}<table class="table"></table>{% endscrollbox %}')
    assert 'aria-label="All transfers"' in html


def test_the_script_no_longer_wraps_tables():
    script = (Path(settings.BASE_DIR) / "static" / "js" / "enigma.js").read_text()
    assert "table-scroll" not in script and "wrapTables" not in script
