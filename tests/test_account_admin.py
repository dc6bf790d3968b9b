"""No quiet takeover through the admin: the school admin never sees a secret, and what
they change about who someone is or what they may do is audited, naming whose account
and what changed, and the people concerned are told."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from enigma.models import AuditEvent, User
from enigma.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def role(name: Role) -> Group:
    return Group.objects.get(name=name.value)


def events(action: str, user: User):
    return AuditEvent.objects.filter(action=action, object_id=str(user.pk))


def user_form_data(client, user: User, **changes) -> dict:
    """What the admin's user form would post back unchanged, with changes applied."""
    form = client.get(reverse("admin:enigma_user_change", args=[user.pk])).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled or name == "password":
            continue
        value = form.initial.get(name)
        if name == "groups":
            value = [g.pk for g in user.groups.all()]
        data[name] = value
    data.update(changes)
    return {k: ("" if v is None else v) for k, v in data.items() if v is not False}


def mail_to(mailoutbox, address: str):
    return [m for m in mailoutbox if m.to == [address]]


# --- secrets ------------------------------------------------------------------------------


def test_the_sign_in_methods_admin_never_shows_a_secret(client_for, ada, tom):
    codes = RecoveryCodes.activate(tom).instance
    seed = codes.data["seed"]
    totp = Authenticator.objects.get(user=tom, type=Authenticator.Type.TOTP)
    client = client_for(ada)
    pages = [
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[totp.pk]),
        reverse("admin:mfa_authenticator_change", args=[codes.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert tom.totp_secret not in page, url
        assert seed not in page, url
    # What the school admin does see: whose, what kind, when.
    assert str(tom) in client.get(pages[1]).content.decode()


def test_nothing_can_be_added_or_edited_in_the_sign_in_methods_admin(client_for, ada, tom):
    totp = Authenticator.objects.get(user=tom, type=Authenticator.Type.TOTP)
    client = client_for(ada)
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    client.post(reverse("admin:mfa_authenticator_change", args=[totp.pk]), {"data": "{}"})
    totp.refresh_from_db()
    assert totp.data.get("secret")  # unchanged


# --- two-factor reset ---------------------------------------------------------------------


def test_the_school_admin_resets_a_colleagues_two_factor(
    client_for, ada, tom, mailoutbox, django_capture_on_commit_callbacks
):
    RecoveryCodes.activate(tom)
    totp = Authenticator.objects.get(user=tom, type=Authenticator.Type.TOTP)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ada).post(
            reverse("admin:mfa_authenticator_delete", args=[totp.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    # The recovery codes go too: otherwise they would still pass the second step.
    assert not Authenticator.objects.filter(user=tom).exists()
    event = events("auth.2fa_reset", tom).get()
    assert event.actor == ada and event.data["user"] == tom.email
    assert event.data["types"] == ["recovery_codes", "totp"]
    (notice,) = mail_to(mailoutbox, tom.email)
    assert "two-factor sign-in" in notice.subject.lower()
    assert "reset by" in notice.body and ada.email in notice.body
    # At the next sign-in Tom must set up an app again.
    client = Client()
    client.force_login(tom)
    assert client.get(reverse("student_directory"))["Location"] == reverse("mfa_activate_totp")


def test_two_factor_reset_from_the_user_list(client_for, ada, tom, cora, mailoutbox):
    response = client_for(ada).post(
        reverse("admin:enigma_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [tom.pk, cora.pk]},
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user__in=[tom, cora]).exists()
    assert events("auth.2fa_reset", tom).get().actor == ada
    assert events("auth.2fa_reset", cora).get().actor == ada


# --- passwords -----------------------------------------------------------------------------


def test_a_password_set_by_the_school_admin_is_audited_and_the_person_told(
    client_for, ada, tom, mailoutbox, django_capture_on_commit_callbacks
):
    new = "temporary-passphrase-77"
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ada).post(
            reverse("admin:auth_user_password_change", args=[tom.pk]),
            {"password1": new, "password2": new, "usable_password": "true"},
        )
    assert response.status_code == 302
    tom.refresh_from_db()
    assert tom.check_password(new)
    event = events("auth.password_set", tom).get()
    assert event.actor == ada and event.data["user"] == tom.email
    assert new not in str(event.data) and tom.password not in str(event.data)
    (notice,) = mail_to(mailoutbox, tom.email)
    assert ada.email in notice.body and new not in notice.body


def test_a_person_changing_their_own_password_is_not_told_it_was_someone_else(client_for, tom):
    tom.set_password("another-long-passphrase")
    tom.save()  # from the shell: recorded as no one signed in
    assert events("auth.password_set", tom).get().actor is None
    client = client_for(tom)
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "another-long-passphrase",
            "password1": "a-third-long-passphrase",
            "password2": "a-third-long-passphrase",
        },
    )
    assert events("auth.password_set", tom).count() == 1  # not a second one
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=tom).exists()


# --- roles -------------------------------------------------------------------------------


def test_joining_the_dsl_team_in_the_admin_names_the_role_and_tells_the_team(
    client_for, ada, dina, tom, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(ada)
    groups = [role(Role.SCHOOL_ADMIN).pk, role(Role.DSL).pk]
    data = user_form_data(client, ada, groups=groups)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:enigma_user_change", args=[ada.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = events("auth.roles_changed", ada).latest("id")  # after her own making
    assert event.actor == ada
    assert event.data["added"] == ["dsl"] and event.data["removed"] == []
    assert "Designated safeguarding lead" in event.data["kind"]
    (notice,) = mail_to(mailoutbox, dina.email)
    assert str(ada) in notice.subject and ada.email in notice.body
    assert not mail_to(mailoutbox, ada.email) and not mail_to(mailoutbox, tom.email)
    # The audit page says it in words.
    page = client.get(reverse("audit_log"), {"action": "auth."}).content.decode()
    assert "Roles changed (added Designated safeguarding lead)" in page


def test_role_changes_from_the_shell_are_audited_from_either_side(tom):
    dsl, teacher = role(Role.DSL), role(Role.CLASS_TEACHER)
    tom.groups.add(dsl)
    dsl.user_set.remove(tom)
    dsl.user_set.remove(tom)  # not a member any more: nothing to record
    tom.groups.clear()
    kinds = [e.data["kind"] for e in events("auth.roles_changed", tom).order_by("id")]
    assert kinds[-3:] == [
        "added Designated safeguarding lead",
        "removed Designated safeguarding lead",
        "removed Class teacher",
    ]
    assert not teacher.user_set.filter(pk=tom.pk).exists()
    last = events("auth.roles_changed", tom).latest("id")
    assert last.actor is None and last.actor_label == "No one signed in (a command or the shell)"


def test_newcomers_added_together_are_announced_to_the_team_already_there(
    dina, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        role(Role.DSL).user_set.add(first, second)
    told = mail_to(mailoutbox, dina.email)
    assert len(told) == 2
    assert {first.email, second.email} == {
        a for m in told for a in (first.email, second.email) if a in m.body
    }
    assert not mail_to(mailoutbox, first.email) and not mail_to(mailoutbox, second.email)


def test_a_dsl_added_by_the_mis_import_is_announced_to_the_team(
    dina, mailoutbox, django_capture_on_commit_callbacks
):
    from enigma.imports import services as imports

    newcomer = UserFactory(email="new.dsl@school.example.org", mis_id="T900")
    csv = b"MIS id,Email,First name,Last name,Roles\nT900,new.dsl@school.example.org,Ny,Ash,dsl\n"
    with django_capture_on_commit_callbacks(execute=True):
        result = imports.import_apply("staff", csv, "staff.csv", actor_label="test")
    assert result.applied, (result.errors, result.file_errors)
    assert newcomer.groups.filter(name=Role.DSL.value).exists()
    (notice,) = mail_to(mailoutbox, dina.email)
    assert newcomer.email in notice.body


# --- access, email ---------------------------------------------------------------------------


def test_deactivating_someone_and_admin_access_are_audited(client_for, ada, tom):
    client = client_for(ada)
    data = user_form_data(client, tom, is_active=False, is_staff=True)
    response = client.post(reverse("admin:enigma_user_change", args=[tom.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = events("auth.access_changed", tom).get()
    assert event.actor == ada
    assert event.data["changes"] == {"is_active": [True, False], "is_staff": [False, True]}
    assert event.data["kind"] == "deactivated; given the admin site"


@pytest.mark.django_db(transaction=True)
def test_the_audit_row_commits_with_the_change_or_not_at_all(monkeypatch):
    tom = UserFactory()

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr("enigma.audit.record", broken)
    tom.is_superuser = True
    with pytest.raises(RuntimeError):
        tom.save()  # as in the shell: no transaction around it but the save's own
    assert not User.objects.get(pk=tom.pk).is_superuser


def test_changing_someones_email_in_the_admin_tells_the_old_address(
    client_for, ada, tom, mailoutbox, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    old = tom.email
    EmailAddress.objects.create(user=tom, email=old, verified=True, primary=True)
    client = client_for(ada)
    data = user_form_data(client, tom, email="elsewhere@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:enigma_user_change", args=[tom.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = events("auth.email_changed", tom).get()
    assert event.actor == ada
    assert (event.data["from"], event.data["to"]) == (old, "elsewhere@example.org")
    (notice,) = mail_to(mailoutbox, old)
    assert "elsewhere@example.org" in notice.body and ada.email in notice.body
    # The old address no longer signs in or receives reset links for this account.
    assert not EmailAddress.objects.filter(user=tom, email=old).exists()


def test_the_school_admin_may_only_look_at_email_address_rows(client_for, ada, tom):
    client = client_for(ada)
    assert client.get(reverse("admin:account_emailaddress_changelist")).status_code == 200
    assert client.get(reverse("admin:account_emailaddress_add")).status_code == 403
