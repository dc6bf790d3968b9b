from django.shortcuts import render

from enigma.capabilities import Capability
from enigma.forms.audit_log import AuditSearchForm
from enigma.permissions import requires
from enigma.selectors import audit_log as selectors


@requires(Capability.READ_AUDIT_LOG)
def audit_log(request):
    form = AuditSearchForm(request.GET or None)
    criteria = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = selectors.search_page(
        criteria, before=request.GET.get("before"), after=request.GET.get("after")
    )
    return render(
        request,
        "enigma/audit/log.html",
        {"form": form, "page": page, "query_string": form.query_string()},
    )
