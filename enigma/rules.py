"""Object permissions for the rules package (user.has_perm("enigma.view_student", s)).

Each predicate delegates to the queryset rule, so has_perm and list filtering agree.
What a person may do, without an object, is a capability (enigma.capabilities).
"""

import rules


@rules.predicate
def can_see_student(user, student) -> bool:
    from enigma.models import Student

    if student is None:
        return False
    return Student.objects.visible_to(user).filter(pk=student.pk).exists()


rules.add_perm("enigma.view_student", can_see_student)
