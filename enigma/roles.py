"""Staff roles. Each is a Django group of the same name, managed by the school admin."""

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Room coordinator"
    SENCO = "senco", "SENCO"
    DEPUTY_HEAD = "deputy_head", "Deputy head"
    REFERRER = "referrer", "Referrer"
    CLASS_TEACHER = "class_teacher", "Class teacher"
    DSL = "dsl", "Designated safeguarding lead"
    SCHOOL_ADMIN = "school_admin", "School admin"


ALL_ROLES = frozenset(Role)

# The people who run, review and oversee the room see every student's file.
ROOM_TEAM = frozenset({Role.COORDINATOR, Role.SENCO, Role.DEPUTY_HEAD, Role.DSL, Role.SCHOOL_ADMIN})
