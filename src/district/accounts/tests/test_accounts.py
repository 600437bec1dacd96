"""Accounts: roles as groups, API keys, login and the user's page."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from district.accounts import services
from district.accounts.models import ApiKey, Department
from district.accounts.roles import ROLES, sync_roles
from district.core.errors import InputError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group():
    sync_roles()
    assert set(Group.objects.values_list("name", flat=True)) >= {r.code for r in ROLES}
    assert (
        Group.objects.get(name="administrator")
        .permissions.filter(codename="change_facility")
        .exists()
    )


def test_departments_include_bureaus_and_the_ten_subdistrict_offices():
    assert Department.objects.filter(kind="subdistrict").count() == 10
    office = Department.objects.get(subdistrict_code="310105102000")
    assert office.name == "新泾镇政府"
    assert Department.objects.filter(kind="bureau").count() >= 20


def test_api_key_round_trip():
    key, raw = services.create_api_key(name="Open311 app")
    assert raw.startswith("dk_") and key.prefix == raw[:12]
    assert not ApiKey.objects.filter(key_hash=raw).exists()  # only the hash is stored
    assert services.authenticate_api_key(raw).pk == key.pk
    services.revoke_api_key(prefix=key.prefix)
    with pytest.raises(PermissionDeniedError):
        services.authenticate_api_key(raw)
    with pytest.raises(PermissionDeniedError):
        services.authenticate_api_key("dk_wrong")


def test_api_key_needs_a_name():
    with pytest.raises(InputError, match="name"):
        services.create_api_key(name="  ")


def test_cli_prints_the_key_last(capsys):
    call_command("accounts", "create-api-key", "bench client")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert services.authenticate_api_key(last).name == "bench client"


def test_unknown_role_is_refused():
    with pytest.raises(InputError, match="Unknown role"):
        services.ensure_user(username="x", roles=["emperor"])


def test_login_and_me(client, make_user):
    make_user("alice", "planner", department="planning")
    assert client.get("/accounts/me/").status_code == 302  # anonymous: to the login page
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-alice"})
    assert response.status_code == 302
    page = client.get("/accounts/me/").content.decode()
    assert "Alice" in page and "区规划和自然资源局" in page


def test_logout_is_post_only(client, make_user):
    make_user("bob", "resident")
    client.login(username="bob", password="pw-bob")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/me/").status_code == 302
