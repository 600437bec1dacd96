"""The merchant systems' API: authentication by a merchant's API key, per-merchant scope,
idempotent writes (same key same body → same answer; different body → 409 naming the field),
errors in the platform's JSON shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from district.accounts.services import create_api_key
from district.custody.models import CheckIn, Contract
from district.custody.tests.test_views import build_cast

API = "/api/custody"


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(make_user: Callable[..., Any]) -> dict[str, Any]:
    return build_cast(make_user)


def key_for(user: Any) -> str:
    return create_api_key(name=f"pos-{user.username}", user=user)[1]


def call(method: str, path: str, key: str | None = None, **kwargs: Any) -> Any:
    headers = {"X-API-Key": key} if key else {}
    if "idem" in kwargs:
        headers["Idempotency-Key"] = kwargs.pop("idem")
    client = Client()
    if method == "get":
        return client.get(API + path, kwargs.get("data"), headers=headers)
    return client.post(
        API + path, kwargs.get("json", {}), content_type="application/json", headers=headers
    )


def sale(**overrides: Any) -> dict[str, Any]:
    body = {
        "consumer": "alice",
        "product_type": "class_pack",
        "price_fen": 240000,
        "sessions": 24,
        "starts_on": timezone.localdate().isoformat(),
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_a_sale_is_idempotent_by_key(cast: dict[str, Any]) -> None:
    key = key_for(cast["m1staff"])
    first = call("post", "/contracts", key, json=sale(), idem="sale-1")
    assert first.status_code == 201, first.content
    again = call("post", "/contracts", key, json=sale(), idem="sale-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert first.json()["position"]["remaining_fen"] == 240000
    assert Contract.objects.filter(merchant=cast["m1"]).count() == 2
    # the key in the body works the same
    by_field = call("post", "/contracts", key, json=sale(key="sale-1"))
    assert by_field.json()["id"] == first.json()["id"]
    clash = call("post", "/contracts", key, json=sale(price_fen=250000), idem="sale-1")
    assert clash.status_code == 409
    body = clash.json()
    assert body["ok"] is False and body["status"] == 409
    assert "price_fen" in body["error"] or "price_fen" in body["errors"]
    assert body["error"].startswith("幂等键 ")  # Chinese first, then English
    assert "was already used for a contract with price_fen=240000" in body["error"]


@pytest.mark.django_db
def test_a_write_without_a_key_is_refused(cast: dict[str, Any]) -> None:
    response = call("post", "/contracts", key_for(cast["m1staff"]), json=sale())
    assert response.status_code == 400
    assert "key" in response.json()["errors"]


@pytest.mark.django_db
def test_a_sale_over_the_limit_is_refused_citing_the_rule(cast: dict[str, Any]) -> None:
    response = call(
        "post",
        "/contracts",
        key_for(cast["m1staff"]),
        json=sale(price_fen=2_500_000, sessions=80),
        idem="too-big",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["errors"]


@pytest.mark.django_db
def test_check_in_and_position(cast: dict[str, Any]) -> None:
    key = key_for(cast["m1staff"])
    pk = cast["contract_a"].pk
    first = call("post", f"/contracts/{pk}/check-ins", key, idem="ci-1")
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "awaiting"
    again = call("post", f"/contracts/{pk}/check-ins", key, idem="ci-1")
    assert again.json() == first.json()
    assert CheckIn.objects.filter(contract_id=pk).count() == 1
    position = call("get", f"/contracts/{pk}", key).json()["position"]
    assert position["pending_fen"] == 10000 and position["sessions_used"] >= 0


@pytest.mark.django_db
def test_a_merchant_cannot_touch_another_merchants_contracts(cast: dict[str, Any]) -> None:
    m2key = key_for(cast["m2staff"])
    pk = cast["contract_a"].pk  # M1's
    assert call("get", f"/contracts/{pk}", m2key).status_code == 404
    assert call("post", f"/contracts/{pk}/check-ins", m2key, idem="x").status_code == 404
    listed = call("get", "/contracts", m2key).json()
    assert [c["id"] for c in listed] == [cast["contract_b"].pk]
    assert not CheckIn.objects.filter(contract_id=pk).exists()
    # naming another merchant's licence is refused
    response = call("get", "/contracts", m2key, data={"merchant": cast["m1"].licence})
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["alice", "regulator", "notary"])
def test_keys_of_non_merchants_are_refused(cast: dict[str, Any], who: str) -> None:
    key = key_for(cast[who])
    assert call("get", "/contracts", key).status_code == 403
    assert call("post", "/contracts", key, json=sale(), idem="k").status_code == 403


@pytest.mark.django_db
def test_anonymous_and_bad_keys_get_401(cast: dict[str, Any]) -> None:
    assert call("get", "/contracts").status_code == 401
    response = call("get", "/contracts", "dk_not-a-key")
    assert response.status_code == 401
    assert response.json()["ok"] is False


@pytest.mark.django_db
def test_settlements_list(cast: dict[str, Any]) -> None:
    response = call("get", "/settlements", key_for(cast["m1staff"]))
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.django_db
def test_openapi_documents_the_custody_endpoints() -> None:
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/custody/contracts" in paths
    assert "/api/custody/contracts/{contract_id}/check-ins" in paths
    assert "/api/custody/settlements" in paths


@pytest.mark.django_db
def test_a_stored_value_spend_through_the_api(cast: dict[str, Any]) -> None:
    key = key_for(cast["m1staff"])
    card = call(
        "post",
        "/contracts",
        key,
        json=sale(product_type="stored_value", price_fen=100000, sessions=None),
        idem="card-1",
    )
    assert card.status_code == 201, card.content
    pk = card.json()["id"]
    spend = call("post", f"/contracts/{pk}/check-ins", key, json={"amount_fen": 2550}, idem="s1")
    assert spend.status_code == 201, spend.content
    assert spend.json()["release_fen"] == 2550
    again = call("post", f"/contracts/{pk}/check-ins", key, json={"amount_fen": 2550}, idem="s1")
    assert again.json() == spend.json()


@pytest.mark.django_db
def test_a_stored_value_spend_with_another_amount_under_the_same_key_is_409(
    cast: dict[str, Any],
) -> None:
    key = key_for(cast["m1staff"])
    body = sale(product_type="stored_value", price_fen=100000, sessions=None)
    pk = call("post", "/contracts", key, json=body, idem="card-2").json()["id"]
    call("post", f"/contracts/{pk}/check-ins", key, json={"amount_fen": 2550}, idem="s2")
    clash = call("post", f"/contracts/{pk}/check-ins", key, json={"amount_fen": 3000}, idem="s2")
    assert clash.status_code == 409
    assert "amount_fen" in clash.json()["errors"]


@pytest.mark.django_db
def test_anyone_checks_that_the_journal_only_grows(cast: dict[str, Any]) -> None:
    from district.custody import services
    from district.custody.journal.merkle import verify_consistency

    services.sign_tree_head()
    call("post", "/contracts", key_for(cast["m1staff"]), json=sale(), idem="grow-1")
    services.sign_tree_head()
    heads = call("get", "/tree-heads").json()  # no key: public
    assert len(heads) >= 2
    new, old = heads[0], heads[1]
    assert new["tree_size"] > old["tree_size"]
    body = call(
        "get",
        "/consistency",
        data={"old_size": old["tree_size"], "new_size": new["tree_size"]},
    ).json()
    proof = [bytes.fromhex(p) for p in body["proof"]]
    assert verify_consistency(
        old["tree_size"],
        new["tree_size"],
        bytes.fromhex(old["root_hash"]),
        bytes.fromhex(new["root_hash"]),
        proof,
    )
    too_big = call("get", "/consistency", data={"old_size": 1, "new_size": 10**6})
    assert too_big.status_code == 404 and too_big.json()["ok"] is False
