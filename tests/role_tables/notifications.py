"""Role-matrix rows for the notifications app (url name -> the roles allowed).

Everyone with a role reads their own notifications and chooses how they come; only the
school admin sees the addresses mail could not reach. POST_ONLY: views that only accept POST.
"""

from enigma.roles import ALL_ROLES, Role

EXPECTED: dict = {
    "notifications:inbox": ALL_ROLES,
    "notifications:mark_read": ALL_ROLES,
    "notifications:mark_all_read": ALL_ROLES,
    "notifications:preferences": ALL_ROLES,
    "notifications:email_problems": frozenset({Role.SCHOOL_ADMIN}),
}
POST_ONLY: set[str] = {"notifications:mark_read", "notifications:mark_all_read"}
