"""Capabilities: how the question is asked (user.can, has_capability, users_who_can, the
`can` of templates, @requires). Which roles hold which capability is the hand-written
table of tests/role_tables/capabilities.py, checked by tests/test_role_matrix.py.
"""

from __future__ import annotations

import pytest
from django.template import Context, Template

from enigma.capabilities import (
    ROLES_FOR,
    Can,
    Capability,
    UnknownCapability,
    capabilities_of,
    has_capability,
    roles_with,
    users_who_can,
)
from enigma.permissions import declared_capabilities, requires
from enigma.roles import Role
from tests.factories import UserFactory


def test_every_capability_says_what_it_means():
    for capability in Capability:
        assert capability.label and capability.label != capability.value.replace("_", " ")


def test_a_person_holds_the_capabilities_of_every_role_they_have(db):
    both = UserFactory(roles=[Role.SENCO, Role.DSL])
    assert both.can(Capability.SIGN_OFF_REVIEW) and both.can(Capability.READ_RESTRICTED)
    assert not both.can(Capability.DECIDE_REFERRAL)
    assert both.can(Capability.DECIDE_REFERRAL, Capability.READ_RESTRICTED)  # any one
    assert capabilities_of(both.roles) == capabilities_of({Role.SENCO}) | capabilities_of(
        {Role.DSL}
    )


def test_no_role_no_account_and_no_sign_in_hold_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    nobody = UserFactory(roles=[])
    gone = UserFactory(roles=[Role.DSL], is_active=False)
    for user in (nobody, gone, AnonymousUser(), None):
        assert not any(has_capability(user, c) for c in Capability), user


def test_users_who_can_lists_each_active_holder_once(db):
    senco_dsl = UserFactory(roles=[Role.SENCO, Role.DSL])
    dsl = UserFactory(roles=[Role.DSL])
    UserFactory(roles=[Role.DSL], is_active=False)
    UserFactory(roles=[Role.CLASS_TEACHER])
    assert list(users_who_can(Capability.READ_RESTRICTED).order_by("pk")) == [senco_dsl, dsl]
    both = users_who_can(Capability.READ_RESTRICTED, Capability.SIGN_OFF_REVIEW)
    assert sorted(u.pk for u in both) == [senco_dsl.pk, dsl.pk]


def test_roles_with_is_the_union_and_needs_a_capability():
    assert roles_with(Capability.SET_WORK, Capability.READ_ROOM_WORK) == (
        ROLES_FOR[Capability.SET_WORK] | ROLES_FOR[Capability.READ_ROOM_WORK]
    )
    with pytest.raises(ValueError):
        roles_with()


def test_templates_ask_the_same_question(db):
    deputy = UserFactory(roles=[Role.DEPUTY_HEAD])
    template = Template("{% if can.decide_referral %}decide{% endif %}")
    assert template.render(Context({"can": Can(deputy)})) == "decide"
    assert template.render(Context({"can": Can(UserFactory(roles=[Role.SENCO]))})) == ""


def test_a_misspelt_capability_in_a_template_fails_loudly(db):
    template = Template("{% if can.decide_referal %}decide{% endif %}")
    with pytest.raises(UnknownCapability):
        template.render(Context({"can": Can(UserFactory(roles=[Role.DEPUTY_HEAD]))}))


def test_a_view_declares_what_it_needs():
    @requires(Capability.SET_WORK, Capability.READ_ROOM_WORK)
    def view(request):
        raise AssertionError

    assert declared_capabilities(view) == {Capability.SET_WORK, Capability.READ_ROOM_WORK}
    with pytest.raises(ValueError):
        requires()
    with pytest.raises(ValueError):
        requires("set_wrok")
