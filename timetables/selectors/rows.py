"""Model objects built straight from the rows of SQL compiled once a process (the pages
that read a few dozen rows on every view spent more building and compiling the query,
and matching its columns to fields, than running it).

Model.from_db reads the values in the model's order of fields, and leaves every field
not named deferred: reading one of those later costs a query of its own, so a page that
comes to need it shows in its query count instead of showing a wrong value.
"""

from __future__ import annotations

# The fields a student's name (Student.name, forename, surname) is made of.
STUDENT_NAME = (
    "id",
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "record_disposed_at",
)
# The fields a member of staff's name (str(user)) is made of.
USER_NAME = ("id", "username", "first_name", "last_name", "email", "display_name")


def fields(model, *names: str) -> tuple[str, ...]:
    """`names` (every field when none is named) in the model's order of fields, the order
    Model.from_db reads them in."""
    return tuple(f.attname for f in model._meta.concrete_fields if not names or f.attname in names)
