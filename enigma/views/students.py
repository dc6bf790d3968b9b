from django.shortcuts import render
from django.utils import timezone

from enigma import audit
from enigma.actor import actor_from
from enigma.capabilities import Capability
from enigma.csv_export import csv_response
from enigma.forms.students import DirectoryFilterForm
from enigma.models import Student
from enigma.permissions import requires
from enigma.selectors import backups as backup_selectors
from enigma.selectors import students as selectors


@requires(Capability.VIEW_STUDENTS)
def directory(request):
    form = DirectoryFilterForm(request.GET or None, years=selectors.year_groups(request.user))
    filters = form.filters()
    page = selectors.student_directory_page(request.user, filters, request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "students": page.object_list,
        "query_string": form.query_string(),
        "can_export": request.user.can(Capability.EXPORT_STUDENTS),
    }
    template = "enigma/students/directory.html"
    if request.htmx and request.htmx.target == "directory-results":
        template = "enigma/students/_results.html"
    elif request.user.can(Capability.MANAGE_SCHOOL):
        # The school admin's home (no app gives them one): warn when backups have stopped.
        context["backups"] = backup_selectors.backup_status()
    return render(request, template, context)


@requires(Capability.VIEW_STUDENTS)
def student_detail(request, pk):
    student = selectors.student_file(request.user, pk)
    audit.read(audit.Action.STUDENT_VIEWED, actor_from(request), obj=student)
    if student.record_disposed_at is not None:  # anonymised: nothing but what became of it
        return render(request, "enigma/students/disposed.html", {"student": student})
    return render(request, "enigma/students/detail.html", {"student": student})


@requires(Capability.EXPORT_STUDENTS)
def directory_export(request):
    form = DirectoryFilterForm(request.GET or None, years=selectors.year_groups(request.user))
    filters = form.filters()
    students = selectors.student_directory(request.user, filters)
    audit.read(
        audit.Action.DIRECTORY_EXPORTED,
        actor_from(request),
        data={"filters": form.query_string(), "rows": students.count()},
    )
    header = [
        "UPN",
        "MIS id",
        "Legal surname",
        "Legal forename",
        "Preferred name",
        "Date of birth",
        "Year",
        "Tutor group",
        "SEN status",
        "Pupil premium",
        "FSM",
        "Looked after",
        "EAL",
        "On roll",
    ]

    def rows():
        s: Student
        for s in students.iterator(chunk_size=2000):
            yield (
                s.upn,
                s.mis_id,
                s.legal_surname,
                s.legal_forename,
                s.name if s.uses_preferred_name else "",
                s.date_of_birth.isoformat(),
                s.year_group,
                s.tutor_group,
                s.get_sen_status_display(),
                _yn(s.pupil_premium),
                _yn(s.free_school_meals),
                _yn(s.looked_after),
                _yn(s.eal),
                _yn(s.on_roll),
            )

    stamp = timezone.localdate().isoformat()
    return csv_response(f"students-{stamp}.csv", header, rows())


def _yn(value: bool) -> str:
    return "Yes" if value else "No"
