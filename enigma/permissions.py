"""Declarative, deny-by-default permissions.

Every view in this project names what it needs with @requires(Capability.X) (see
enigma.capabilities for who holds what). RolePermissionMiddleware refuses any project
view that declares nothing, and the role-matrix test (tests/test_role_matrix.py) fails
on one. Which *students* a person may see is decided by
Student.objects.visible_to(user), shared by lists and lookups.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404
from django.shortcuts import get_object_or_404

from enigma.capabilities import Capability

PROJECT_APPS = (
    "enigma.",
    "records.",
    "referrals.",
    "timetables.",
    "notifications.",
    "disclosure.",
    "oversight.",
)


def requires(*capabilities: Capability) -> Callable:
    """Declare what a view needs (any one of the capabilities suffices)."""
    needed = frozenset(Capability(c) for c in capabilities)
    if not needed:
        raise ValueError("A view must need at least one capability.")

    def decorator(view):
        view.enigma_capabilities = needed
        return view

    return decorator


def declared_capabilities(view_func) -> frozenset[Capability] | None:
    """What a view declared with @requires, or None if it declared nothing."""
    needed = getattr(view_func, "enigma_capabilities", None)
    if needed is None and hasattr(view_func, "view_class"):
        needed = getattr(view_func.view_class, "enigma_capabilities", None)
    return needed


def is_project_view(view_func) -> bool:
    module = getattr(view_func, "__module__", "") or ""
    return module.startswith(PROJECT_APPS)


def is_public(view_func) -> bool:
    """Views marked @login_not_required (sign-in pages, health check)."""
    return getattr(view_func, "login_required", True) is False


def get_student_for(user, pk, *, queryset=None, disposed_too=False):
    """A student `user` may see, or 404: never reveal that other students exist. A pupil
    whose record was disposed of is 404 here too: what is left of them (an anonymised row)
    has no tab to show; only their page (``disposed_too``) says what became of it."""
    from enigma.models import Student

    qs = queryset if queryset is not None else Student.objects.all()
    if not disposed_too:
        qs = qs.filter(record_disposed_at__isnull=True)
    try:
        return get_object_or_404(qs.visible_to(user), pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None
