"""Any screen: every page of every role at 390, 768, 1,024 and 1,366 px wide.

The demo school (`seed_demo`, with the clock fixed on a school morning) gives each role
real things to look at. Each role signs in once, through the real sign-in page; its page
list is built once, by following the links its pages offer (its header's links first,
then one page of each kind found on them: a student's file, a referral, a placement, a
plan, a review, the set-work form, settings, the audit log, imports ...). Each page is
opened once, with every <details> opened (a form folded away must fit too), and measured
at each width, where it fails:

- when the document is wider than the viewport (it scrolls sideways): the elements
  sticking out past the right edge are named;
- when an interactive control is smaller than 24 x 24 CSS px with another control within
  its 24 px circle (WCAG 2.2 2.5.8, target size minimum: a link inside a sentence is
  exempt, as the rule says, and so is a small target with room around it);

and once per page (at 1,024 px) axe-core with the WCAG 2.2 AA rules, failing on serious
or critical findings. Every problem is collected and reported together, by role, page and
width.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import expect

from enigma.models import User
from tests.browser.conftest import AXE_FAILING_IMPACTS, format_violation
from tests.browser.helpers import sign_in
from tests.conftest import give_totp
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
# A Tuesday morning in the autumn term: the demo school has placements running, lessons
# in the room today, work to set and reviews due.
MORNING = dt.datetime(2026, 12, 1, 10, 40, tzinfo=LONDON)
WIDTHS = (390, 768, 1024, 1366)
AXE_WIDTH = 1024
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET = 24
MAX_PAGES_PER_ROLE = 40

# The demo logins (devtools/demo/school.py), one per role.
ROLES = {
    "coordinator": "coordinator@example.org",
    "SENCO": "senco@example.org",
    "deputy head": "deputy@example.org",
    "referrer": "referrer@example.org",
    "class teacher": "teacher@example.org",
    "DSL": "dsl@example.org",
    "school admin": "admin@example.org",
}

# Not pages of the app's own layout, or not pages at all: downloads, feeds, print views
# (laid out for paper), Django's admin, signing out, a link's one-time receipt.
SKIP = re.compile(
    r"(\.csv|\.ics|/download/|/print/|^/school-admin/|^/accounts/logout/|^/healthz"
    r"|^/disclosure/receive/|^/static/|^/media/)"
)


def kind_of(path: str) -> str:
    """One page of each kind: numbers in the path stand for any record."""
    return re.sub(r"/\d+(?=/|$)", "/<n>", path)


# Measures the page at the current width: the document's overflow (and what sticks out),
# and the interactive controls smaller than 24 x 24 px that are crowded by another.
MEASURE = """
(minTarget) => {
  const vw = document.documentElement.clientWidth;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.classList.length) s += '.' + [...el.classList].slice(0, 2).join('.');
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none';
  };
  // What sticks out past the right edge: the outermost such elements, not their children.
  const over = [];
  if (document.documentElement.scrollWidth > vw) {
    for (const el of document.body.querySelectorAll('*')) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > vw + 1 && !over.some((o) => o.contains(el))) {
        // Skip what is clipped by a scrolling ancestor (it scrolls there, not the page).
        let clipped = false;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          const ox = getComputedStyle(a).overflowX;
          if (ox !== 'visible') { clipped = true; break; }
        }
        if (!clipped) over.push(el);
      }
    }
  }
  // Targets: links, buttons, form controls, summaries. An input's labels count as part
  // of its target (clicking them works the control).
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [role=link], [role=checkbox], [role=radio], [role=tab]';
  const targets = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) || el.closest('[hidden], [inert]')) continue;
    if (el.classList.contains('skip-link')) continue;  // off-screen until focused
    let r = el.getBoundingClientRect();
    let left = r.left, top = r.top, right = r.right, bottom = r.bottom;
    if (el.labels) {
      for (const label of el.labels) {
        if (!visible(label)) continue;
        const l = label.getBoundingClientRect();
        // A label beside or around the control, not one elsewhere on the page.
        if (Math.abs((l.top + l.bottom) / 2 - (top + bottom) / 2) < 24 || label.contains(el)) {
          left = Math.min(left, l.left); top = Math.min(top, l.top);
          right = Math.max(right, l.right); bottom = Math.max(bottom, l.bottom);
        }
      }
    }
    // Inline: a link in a sentence (its block holds text besides the link).
    let inline = false;
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
      let block = el.parentElement;
      while (block && getComputedStyle(block).display === 'inline') block = block.parentElement;
      const own = (el.textContent || '').trim().length;
      const all = (block ? block.textContent : '').replace(/\\s+/g, ' ').trim().length;
      inline = all > own + 2;
    }
    targets.push({el, left, top, right, bottom, inline});
  }
  const small = [];
  for (const t of targets) {
    const w = t.right - t.left, h = t.bottom - t.top;
    if (w >= minTarget - 0.5 && h >= minTarget - 0.5) continue;
    if (t.inline) continue;
    const cx = (t.left + t.right) / 2, cy = (t.top + t.bottom) / 2, radius = minTarget / 2;
    // Spacing exception: a 24 px circle on the target's centre touches no other target
    // (and no other small target's circle).
    const crowdedBy = targets.find((o) => {
      if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) return false;
      const ow = o.right - o.left, oh = o.bottom - o.top;
      if (ow < minTarget || oh < minTarget) {
        const ox = (o.left + o.right) / 2, oy = (o.top + o.bottom) / 2;
        return Math.hypot(ox - cx, oy - cy) < minTarget;
      }
      const dx = Math.max(o.left - cx, 0, cx - o.right);
      const dy = Math.max(o.top - cy, 0, cy - o.bottom);
      return Math.hypot(dx, dy) < radius;
    });
    if (crowdedBy) {
      small.push(`${describe(t.el)} is ${Math.round(w)}x${Math.round(h)} px, `
        + `beside ${describe(crowdedBy.el)}`);
    }
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: vw,
    over: over.slice(0, 8).map(
      (el) => `${describe(el)} (right edge ${Math.round(el.getBoundingClientRect().right)} px)`),
    small: small.slice(0, 12),
    header: Math.round(
      (document.querySelector('.site-header') || document.body).getBoundingClientRect().height),
  };
}
"""

OPEN_DETAILS = "() => document.querySelectorAll('main details').forEach((d) => { d.open = true; })"


@pytest.fixture
def morning():
    """The school's clock on MORNING (ticking; the live server's thread shares it)."""
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.fixture
def demo_school(transactional_db, morning):
    """The demo school, made on the fixed morning; the demo logins with an authenticator."""
    call_command("seed_demo", students=60, password=PASSWORD)
    users = {}
    for role, email in ROLES.items():
        user = User.objects.get(email=email)
        give_totp(user)
        users[role] = user
    return users


def sweep(page, base: str, check, done_once: set[str]) -> list[str]:
    """Open the role's pages, calling check(path) on each: its header's links first, then
    one page of each kind linked from them (and from those), up to MAX_PAGES_PER_ROLE.
    A person's own account pages (the same for every role) are checked for the first role
    only (done_once holds their kinds). Returns the paths checked."""
    page.goto(base + "/")
    links = [urlsplit(page.url).path]
    links += page.eval_on_selector_all(
        ".site-header a[href]", "els => els.map((a) => a.getAttribute('href'))"
    )
    queue, seen_kinds, pages = [], set(), []

    def add(href: str) -> None:
        parts = urlsplit(href)
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            return
        path = parts.path
        if not path.startswith("/") or SKIP.search(path):
            return
        kind = kind_of(path)
        if kind in seen_kinds or kind in done_once:
            return
        seen_kinds.add(kind)
        if kind.startswith(("/accounts/", "/notifications/preferences/")):
            done_once.add(kind)
        queue.append(path)

    for href in links:
        add(href)
    while queue and len(pages) < MAX_PAGES_PER_ROLE:
        path = queue.pop(0)
        response = page.goto(base + path)
        if response is None or response.status != 200:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        if not page.locator(".site-header").count():
            continue  # an htmx fragment, shown inside another page
        landed = urlsplit(page.url).path
        if landed != path:  # redirected: check where it lands, once
            if kind_of(landed) in seen_kinds and landed in pages:
                continue
            seen_kinds.add(kind_of(landed))
        pages.append(landed)
        for href in page.eval_on_selector_all(
            "main a[href]", "els => els.map((a) => a.getAttribute('href'))"
        ):
            add(href)
        check(landed)
    return pages


# One test, so that the demo school is made once (about half a minute) for all the roles.
@pytest.mark.timeout(1500)
def test_every_page_of_every_role_fits_every_screen(live_server, browser, demo_school, axe):
    """No page of any role's scrolls sideways at 390, 768, 1,024 or 1,366 px; no crowded
    target smaller than 24 x 24 px; no serious or critical axe finding (WCAG 2.2 AA)."""
    base = live_server.url
    wide, crowded, axe_failures, widths, done_once = [], [], [], [], set()
    for role, user in demo_school.items():
        # The CSP is bypassed so that axe's script can run: the site has no inline script
        # or style for the CSP to block, so the pages are laid out as they are for everyone
        # (tests/browser/test_journey.py and others check the CSP itself).
        context = browser.new_context(
            bypass_csp=True, viewport={"width": AXE_WIDTH, "height": 900}, locale="en-GB"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, base, user)
        check = check_page(page, role, wide, crowded, axe_failures, widths, axe)
        pages = sweep(page, base, check, done_once)
        assert len(pages) >= 5, f"Too few pages found to sweep for the {role}: {pages}"
        context.close()

    report = []
    if wide:
        report += ["Pages that scroll sideways:", *(f"  {line}" for line in wide)]
    if crowded:
        report += ["Targets under 24 x 24 px beside another:", *(f"  {line}" for line in crowded)]
    if axe_failures:
        report += ["Serious or critical axe findings (WCAG 2.2 AA):", *axe_failures]
    print("Widths (role, page, viewport, document):\n" + "\n".join(widths))
    assert not report, "\n".join(report)


def check_page(page, role, wide, crowded, axe_failures, widths, axe):
    """check(path): axe on the page open, then its width and targets at each width."""

    def check(path: str) -> None:
        page.evaluate(OPEN_DETAILS)
        results = axe.axe.run(
            page,
            options={
                "resultTypes": ["violations"],
                "runOnly": {"type": "tag", "values": AXE_TAGS},
            },
        )
        for violation in results.response.get("violations", []):
            if violation.get("impact") in AXE_FAILING_IMPACTS:
                axe_failures.append(f"{role}, {path}:")
                axe_failures.extend(f"    {line}" for line in format_violation(violation))
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            found = page.evaluate(MEASURE, MIN_TARGET)
            where = f"{role}, {path} at {width} px"
            widths.append(
                f"{role:14} {path:50} {width:5} {found['scrollWidth']:5} header {found['header']}"
            )
            if found["scrollWidth"] > found["viewport"]:
                wide.append(
                    f"{where}: the page is {found['scrollWidth']} px wide; "
                    + "; ".join(found["over"])
                )
            crowded.extend(f"{where}: {line}" for line in found["small"])
        page.set_viewport_size({"width": AXE_WIDTH, "height": 900})

    return check


def test_the_header_folds_behind_a_menu_on_a_phone(live_server, page, dee):
    """At 390 px the header is one short row (it was 240 px tall): the navigation, the
    privacy screen and the account menu open from Menu, by keyboard too; at 1,366 px
    everything shows and there is no Menu button."""
    sign_in(page, live_server.url, dee)
    page.set_viewport_size({"width": 390, "height": 800})
    header = page.locator(".site-header")
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    assert header.bounding_box()["height"] <= 64, header.bounding_box()
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Approvals")).to_be_visible()
    expect(page.get_by_role("button", name="Privacy screen")).to_be_visible()
    nav.get_by_role("link", name="Approvals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approvals")
    expect(nav).to_be_hidden()  # a new page starts folded

    page.set_viewport_size({"width": 1366, "height": 800})
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Approvals")).to_be_visible()
    assert header.bounding_box()["height"] <= 100, header.bounding_box()
    page.console_watch.assert_clean()
