"""A small custody world built through the services: merchants with staff, consumers and
contracts, shared by the drivers, the stateful test and the benchmark's ideas of "a sale".

Everything goes through :mod:`district.custody.services`; nothing writes tables directly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def licence_code(number: int) -> str:
    """A well-formed unified social credit code (统一社会信用代码, GB 32100-2015) for
    Changning (310105), with valid organisation-code and final check characters."""
    org = f"{number % 10**8:08d}"
    org_check = 11 - sum(int(c) * w for c, w in zip(org, _ORG_WEIGHTS, strict=True)) % 11
    org += {10: "X", 11: "0"}.get(org_check, str(org_check))
    body = "91310105" + org
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


@dataclass
class Party:
    """A merchant with its staff user, as primary keys (so forked workers can reload it)."""

    merchant_pk: int
    staff_pk: int


@dataclass
class World:
    admin_pk: int
    merchants: list[Party] = field(default_factory=list)
    consumer_user_pks: list[int] = field(default_factory=list)
    contract_pks: list[int] = field(default_factory=list)


def make_user(username: str, *roles: str, superuser: bool = False) -> Any:
    from django.contrib.auth.models import Group

    from district.accounts.roles import sync_roles
    from district.accounts.services import ensure_user

    if Group.objects.filter(name__in=roles).count() < len(set(roles)):
        sync_roles()  # a bare migrated database may not have the role groups yet
    return ensure_user(
        username=username, roles=list(roles), display_name=username, is_superuser=superuser
    )


def make_merchant(tag: str, number: int, admin: Any, *, sector: str = "fitness") -> Party:
    from district.custody import services

    staff = make_user(f"{tag}-staff-{number}", "merchant")
    merchant = services.register_merchant(
        name=f"{tag} 健身 {number} (test)",
        licence=licence_code(number),
        sector=sector,
        address="长宁区 (test)",
        registered_on=date(2020, 1, 1),
        is_demo=True,
        by=admin,
    )
    services.add_merchant_staff(merchant=merchant, user=staff, by=admin)
    return Party(merchant.pk, staff.pk)


def random_class_pack(rng: random.Random) -> tuple[int, int]:
    """(price_fen, sessions) for a fitness class pack well inside the legal limits, with
    prices that do not divide evenly so the rounding is exercised."""
    sessions = rng.randint(1, 30)
    price_fen = rng.randint(sessions, 300_000) + rng.choice((0, 1, 7, 99))
    return price_fen, sessions


def build_world(
    *,
    tag: str,
    merchants: int,
    consumers: int,
    contracts_per_consumer: int,
    seed: int,
    now: datetime,
) -> World:
    """Merchants, consumers and one round of signed class packs, all through the services."""
    from django.contrib.auth import get_user_model

    from district.custody import services

    rng = random.Random(seed)
    admin = make_user(f"{tag}-admin", "administrator", "notary", "regulator", superuser=True)
    world = World(admin_pk=admin.pk)
    for number in range(merchants):
        world.merchants.append(make_merchant(tag, seed * 1000 + number + 1, admin))
    user_model = get_user_model()
    for number in range(consumers):
        user = make_user(f"{tag}-consumer-{number}", "resident")
        services.consumer_for(user)
        world.consumer_user_pks.append(user.pk)
    for user_pk in world.consumer_user_pks:
        user = user_model.objects.get(pk=user_pk)
        consumer = services.consumer_for(user)
        for number in range(contracts_per_consumer):
            party = world.merchants[(user_pk + number) % len(world.merchants)]
            from district.custody.models import Merchant

            price_fen, sessions = random_class_pack(rng)
            contract = services.sign_contract(
                key=f"{tag}-setup-{user_pk}-{number}",
                merchant=Merchant.objects.get(pk=party.merchant_pk),
                consumer=consumer,
                product_type="class_pack",
                price_fen=price_fen,
                sessions=sessions,
                starts_on=now.date(),
                by=user,
                now=now,
            )
            world.contract_pks.append(contract.pk)
    return world
