"""Pages of the oversight app. Thin: the selectors count, suppression hides small numbers.

- The overview: a period chooser, the tables (this period beside a year earlier) and three
  charts drawn as SVG, each with its numbers in a table beside it.
- Each table as CSV, with the same suppression.
- The governors' report: the same figures on A4, anonymous unless the reader ticks to
  include names (the per-placement list then names pupils).
- A placement's case summary ("one pupil's story").
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.csv_export import csv_response
from enigma.permissions import requires
from oversight import charts, periods
from oversight.audit_actions import OversightAction
from oversight.case import case_summary as build_case_summary
from oversight.forms import PeriodForm
from oversight.selectors import figures_for
from records.access import second_factor_is_fresh

overseers = requires(Capability.VIEW_OVERSIGHT)

# The order the tables appear in on the page and in the report.
SECTIONS = [
    ("Referrals", ["referrals_source", "referrals_purpose", "referrals_need", "decisions"]),
    ("Placements", ["waiting", "placements", "repeats", "trend"]),
    ("Outcomes", ["outcomes", "follow_ups"]),
    ("Reintegration", ["reintegration", "subjects_behind"]),
    ("Work from class teachers", ["work_department", "work_teacher"]),
    ("Who is placed", ["disproportionality"]),
    ("Safeguarding and restrictive practice", ["force", "cp_transfers"]),
]


def _figures(request):
    today = timezone.localdate()
    form = PeriodForm(request.GET or None, today=today)
    now = form.span()
    before = periods.last_year(now, form.years)
    return form, figures_for(request.user, now, before, today=today)


def _charts(result) -> dict:
    trend = charts.columns(
        "chart-trend",
        "Referrals each month",
        f"Referrals received each month of {result.now}, beside the same month a year earlier.",
        [
            {
                "label": p["month"].strftime("%b"),
                "now": p["referred"],
                "before": p["referred_before"],
            }
            for p in result.trend
        ],
        [
            ("now", "chart__bar--now", str(result.now)),
            ("before", "chart__bar--before", str(result.before)),
        ],
    )
    outcomes = charts.horizontal(
        "chart-outcomes",
        "Outcome at exit",
        "Placements that ended in each period, by their outcome at exit.",
        result.outcomes_chart,
        [
            ("now", "chart__bar--now", str(result.now)),
            ("before", "chart__bar--before", str(result.before)),
        ],
    )
    ratios = charts.horizontal(
        "chart-ratios",
        "How often each group is placed, against all pupils",
        "For each group, its rate of placement per 100 pupils on roll divided by the rate for all "
        "pupils: 1 is the same as all pupils, 2 twice as often.",
        [{"label": f"{row['label']}", "ratio": row["ratio"]} for row in result.ratios_chart],
        [("ratio", "chart__bar--ratio", "Ratio to all pupils")],
        reference=1.0,
        places=2,
    )
    return {"trend": trend, "outcomes": outcomes, "ratios": ratios}


def _sections(result):
    return [(title, [result.tables[key] for key in keys]) for title, keys in SECTIONS]


@overseers
@require_safe
def overview(request):
    form, result = _figures(request)
    return render(
        request,
        "oversight/overview.html",
        {
            "form": form,
            "result": result,
            "sections": _sections(result),
            "charts": _charts(result),
            "query": request.GET.urlencode(),
            # The chosen period, carried to the report's form: the form's own fields only
            # (a template cannot loop over a QueryDict safely: ?items=x shadows .items).
            "period_fields": [
                (name, form.data.get(name)) for name in form.fields if form.data.get(name)
            ],
        },
    )


@overseers
@require_safe
def export(request, table: str):
    _form, result = _figures(request)
    if table not in result.tables:
        raise Http404("No such table.")
    chosen = result.tables[table]
    audit.read(
        OversightAction.EXPORTED,
        actor_from(request),
        data={"table": table, "from": str(result.now.start), "to": str(result.now.end)},
    )
    stamp = f"{result.now.start.isoformat()}-{result.now.end.isoformat()}"
    return csv_response(f"oversight-{table}-{stamp}.csv", chosen.columns, chosen.csv_rows())


@overseers
@require_safe
def report(request):
    form, result = _figures(request)
    names = bool(form.is_bound and form.is_valid() and form.cleaned_data.get("names"))
    audit.read(
        OversightAction.REPORT_PRINTED,
        actor_from(request),
        data={"from": str(result.now.start), "to": str(result.now.end), "names": names},
    )
    return render(
        request,
        "oversight/report.html",
        {
            "result": result,
            "sections": _sections(result),
            "charts": _charts(result),
            "names": names,
            "printed_at": timezone.localtime(),
        },
    )


@overseers
@require_safe
def case_summary(request, placement_pk: int):
    summary = build_case_summary(
        request.user,
        placement_pk,
        today=timezone.localdate(),
        restricted_fresh=second_factor_is_fresh(request),
    )
    student = summary.placement.student
    audit.read(
        OversightAction.CASE_SUMMARY_VIEWED,
        actor_from(request),
        obj=summary.placement,
        student=student,
        data={
            "restricted_shown": sum(
                1 for e in summary.entries if getattr(e, "is_restricted", False)
            )
        },
    )
    return render(
        request,
        "oversight/case_summary.html",
        {"summary": summary, "student": student, "printed_at": timezone.localtime()},
    )
