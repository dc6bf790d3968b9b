"""Who may do what, as the role matrix expects it: the capability x role table, written
out by hand. tests/test_role_matrix.py checks enigma.capabilities.ROLES_FOR against it
and every URL of tests/role_tables/ through it, so a change of who may do what is a
visible change to this file.
"""

from __future__ import annotations

from enigma.capabilities import Capability
from enigma.roles import Role

COLUMNS = {
    "coord": Role.COORDINATOR,
    "senco": Role.SENCO,
    "deputy": Role.DEPUTY_HEAD,
    "referrer": Role.REFERRER,
    "teacher": Role.CLASS_TEACHER,
    "dsl": Role.DSL,
    "admin": Role.SCHOOL_ADMIN,
}

# "x": the role holds the capability; ".": it does not.
TABLE = """
                            coord  senco  deputy  referrer  teacher  dsl  admin
view_students                 x      x      x        x         x      x     x
see_all_students              x      x      x        .         .      x     x
export_students               x      x      x        .         .      x     x
record_entry                  x      x      x        x         x      x     x
follow_up_actions             x      x      x        x         x      x     x
complete_any_action           x      x      x        .         .      x     x
read_restricted               .      .      .        .         .      x     .
share_restricted              .      .      .        .         .      x     .
oversee_safeguarding          .      .      .        .         .      x     .
read_force_records            x      .      x        .         .      x     .
record_force                  x      .      x        .         .      x     .
read_interventions            x      x      x        .         .      x     x
run_interventions             x      x      x        .         .      x     .
refer                         x      x      x        x         .      x     .
follow_own_referrals          .      x      .        x         .      .     .
read_all_referrals            x      x      x        .         .      x     .
read_approvals                x      x      x        .         .      .     .
decide_referral               .      .      x        .         .      .     .
read_placements               x      x      x        .         .      x     x
follow_placements             x      x      x        .         .      x     .
manage_placements             x      x      x        .         .      .     .
hold_review                   x      x      x        .         .      .     .
attend_review                 x      x      x        .         .      x     .
sign_off_review               .      x      .        .         .      .     .
oversee_room                  x      x      x        .         .      .     .
run_room                      x      .      .        .         .      .     .
plan_reintegration            x      x      .        .         .      .     .
allow_exit_without_subject    .      x      .        .         .      .     .
take_register                 x      x      .        .         .      .     .
export_attendance             x      x      x        .         .      .     x
manage_calendar_feeds         x      x      .        .         .      .     .
manage_timetables             x      .      .        .         .      .     x
set_work                      .      .      .        .         x      .     .
read_room_work                x      x      x        .         .      x     x
read_notifications            x      x      x        x         x      x     x
see_email_problems            .      .      .        .         .      .     x
manage_school                 .      .      .        .         .      .     x
manage_calendar               .      .      .        .         .      .     x
import_mis                    .      .      .        .         .      .     x
read_audit_log                .      .      .        .         .      .     x
review_disposal               .      .      x        .         .      x     x
propose_disposal              .      .      .        .         .      x     .
approve_disposal              .      .      x        .         .      .     x
place_legal_hold              .      .      x        .         .      x     x
export_subject_access         .      .      .        .         .      x     x
transfer_cp_file              .      .      .        .         .      x     .
view_oversight                .      x      x        .         .      .     .
"""


def _parse() -> dict[Capability, frozenset[Role]]:
    header, *rows = [line.split() for line in TABLE.strip().splitlines()]
    assert header == list(COLUMNS)
    table = {}
    for name, *marks in rows:
        assert set(marks) <= {"x", "."}, name
        marked = zip(header, marks, strict=True)
        table[Capability(name)] = frozenset(COLUMNS[col] for col, mark in marked if mark == "x")
    return table


HOLDERS: dict[Capability, frozenset[Role]] = _parse()


def needs(value) -> frozenset[Capability]:
    """A role table's value (a capability, or a tuple of them: any one) as a set."""
    return frozenset(value if isinstance(value, tuple) else (value,))


def roles_allowed(value) -> frozenset[Role]:
    """The roles that may use a URL needing `value`, by this table."""
    return frozenset().union(*(HOLDERS[c] for c in needs(value)))
