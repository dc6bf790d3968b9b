"""Object permissions for the rules package (user.has_perm("enigma.view_student", s)).

Each predicate delegates to the queryset rule, so has_perm and list filtering agree.
"""

import rules

from enigma.roles import ROOM_TEAM, Role


@rules.predicate
def is_room_team(user) -> bool:
    return bool(getattr(user, "roles", frozenset()) & ROOM_TEAM)


@rules.predicate
def is_school_admin(user) -> bool:
    return Role.SCHOOL_ADMIN in getattr(user, "roles", frozenset())


@rules.predicate
def can_see_student(user, student) -> bool:
    from enigma.models import Student

    if student is None:
        return False
    return Student.objects.visible_to(user).filter(pk=student.pk).exists()


rules.add_perm("enigma.view_student", can_see_student)
rules.add_perm("enigma.export_students", is_room_team)
rules.add_perm("enigma.manage_school", is_school_admin)
