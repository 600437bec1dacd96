"""Table-driven tests of the legal limits, at each boundary ±1 fen, ±1 session and ±1 day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from district.core.errors import InputError
from district.custody.rules import (
    FITNESS_SHANGHAI_2025,
    RULE_SETS,
    ProductType,
    ProposedContract,
    Sector,
    TrainingKind,
    add_months,
    check_closure_notice,
    check_contract,
    custody_requirement,
    rule_sets_in_force,
)

YUAN = 100
MARCH_1 = date(2025, 3, 1)

MEMBERSHIP = ProposedContract(
    Sector.FITNESS, ProductType.MEMBERSHIP, 5_000 * YUAN, MARCH_1, term_months=24
)
CLASS_PACK = ProposedContract(
    Sector.FITNESS, ProductType.CLASS_PACK, 20_000 * YUAN, MARCH_1, sessions=60
)
STORED = ProposedContract(Sector.FITNESS, ProductType.STORED_VALUE, 5_000 * YUAN, MARCH_1)


def codes(contract: ProposedContract) -> list[str]:
    return [violation.limit_code for violation in check_contract(contract).violations]


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        # Membership: RMB 5,000 and 24 months.
        (MEMBERSHIP, []),
        (replace(MEMBERSHIP, price_fen=5_000 * YUAN + 1), ["membership-amount"]),
        (replace(MEMBERSHIP, term_months=25), ["membership-term"]),
        (replace(MEMBERSHIP, term_months=None, term_days=730), []),  # to 2027-03-01
        (replace(MEMBERSHIP, term_months=None, term_days=731), ["membership-term"]),
        # Class packs: RMB 20,000 and 60 sessions.
        (CLASS_PACK, []),
        (replace(CLASS_PACK, price_fen=20_000 * YUAN + 1), ["class-pack-amount", "total-amount"]),
        (replace(CLASS_PACK, sessions=61), ["class-pack-sessions"]),
        # Stored value: RMB 5,000.
        (STORED, []),
        (replace(STORED, price_fen=5_000 * YUAN + 1), ["stored-value-amount"]),
        # All kinds together: RMB 20,000 per consumer and merchant.
        (replace(MEMBERSHIP, existing_prepaid_fen=15_000 * YUAN), []),
        (replace(MEMBERSHIP, existing_prepaid_fen=15_000 * YUAN + 1), ["total-amount"]),
        # Renewals count what remains of the renewed product.
        (
            replace(
                MEMBERSHIP,
                price_fen=3_000 * YUAN,
                term_months=12,
                existing_prepaid_fen=2_000 * YUAN,
                renewal_remaining_fen=2_000 * YUAN,
                renewal_remaining_days=365,
            ),
            [],
        ),
        (
            replace(
                MEMBERSHIP,
                price_fen=3_000 * YUAN + 1,
                term_months=12,
                existing_prepaid_fen=2_000 * YUAN,
                renewal_remaining_fen=2_000 * YUAN,
            ),
            ["membership-amount"],
        ),
        (
            replace(
                MEMBERSHIP,
                price_fen=1_000 * YUAN,
                term_months=12,
                existing_prepaid_fen=1_000 * YUAN,
                renewal_remaining_fen=1_000 * YUAN,
                renewal_remaining_days=366,
            ),
            ["membership-term"],
        ),
        (
            replace(
                CLASS_PACK,
                price_fen=8_000 * YUAN,
                sessions=41,
                existing_prepaid_fen=4_000 * YUAN,
                renewal_remaining_fen=4_000 * YUAN,
                renewal_remaining_sessions=20,
            ),
            ["class-pack-sessions"],
        ),
        (
            replace(
                CLASS_PACK,
                price_fen=8_000 * YUAN,
                sessions=40,
                existing_prepaid_fen=4_000 * YUAN,
                renewal_remaining_fen=4_000 * YUAN,
                renewal_remaining_sessions=20,
            ),
            [],
        ),
    ],
)
def test_fitness_three_limits(contract: ProposedContract, expected: list[str]) -> None:
    assert codes(contract) == expected


def test_fitness_limits_start_on_1_march_2025() -> None:
    too_big = replace(MEMBERSHIP, price_fen=8_000 * YUAN, term_months=36)
    before = check_contract(replace(too_big, signed_on=date(2025, 2, 28)))
    assert before.ok and before.rule_sets == ()
    assert "No fitness rule set was in force on 2025-02-28" in before.notes[0]
    on_the_day = check_contract(too_big)
    assert [v.limit_code for v in on_the_day.violations] == ["membership-amount", "membership-term"]
    assert on_the_day.rule_sets == ("fitness-shanghai-2025",)


def test_a_violation_cites_document_article_limit_and_value() -> None:
    check = check_contract(replace(CLASS_PACK, sessions=61))
    violation = check.violations[0]
    assert violation.document == FITNESS_SHANGHAI_2025.document
    assert "沪体规文〔2025〕1号" in violation.document
    assert violation.article == "art. 8"
    assert violation.message_zh.endswith("沪体规文〔2025〕1号)第八条）")
    assert (violation.maximum, violation.value, violation.field) == (60, 61, "sessions")
    assert violation.message.startswith("61 sessions is more than 60")
    assert "课时类预付款次数不得超过60次" in violation.message_zh
    error = check.as_error()
    assert error is not None and error.errors == {"sessions": [violation.message]}
    assert check_contract(CLASS_PACK).as_error() is None


def test_term_violation_names_the_dates() -> None:
    violation = check_contract(replace(MEMBERSHIP, term_months=None, term_days=731)).violations[0]
    assert violation.value == 731
    assert "to 2027-03-02" in violation.message and "(to 2027-03-01)" in violation.message


TRAINING = ProposedContract(
    Sector.TRAINING,
    ProductType.CLASS_PACK,
    4_800 * YUAN,
    date(2024, 9, 1),
    sessions=60,
    training_kind=TrainingKind.SUBJECT,
)


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        (TRAINING, []),
        (replace(TRAINING, sessions=61), ["training-class-hours"]),
        (replace(TRAINING, product_type=ProductType.MEMBERSHIP, sessions=None, term_months=3), []),
        (
            replace(TRAINING, product_type=ProductType.MEMBERSHIP, sessions=None, term_months=4),
            ["training-term"],
        ),
        # 3 months from 2024-09-01 end on 2024-12-01: 91 days fit, 92 do not.
        (replace(TRAINING, product_type=ProductType.MEMBERSHIP, sessions=None, term_days=91), []),
        (
            replace(TRAINING, product_type=ProductType.MEMBERSHIP, sessions=None, term_days=92),
            ["training-term"],
        ),
        # A class pack spanning a term: both limits apply.
        (replace(TRAINING, sessions=61, term_months=4), ["training-term", "training-class-hours"]),
        # Subject training has no amount cap in the rule sets; non-subject has RMB 5,000.
        (replace(TRAINING, price_fen=9_000 * YUAN), []),
        (replace(TRAINING, training_kind=TrainingKind.NON_SUBJECT, price_fen=5_000 * YUAN), []),
        (
            replace(TRAINING, training_kind=TrainingKind.NON_SUBJECT, price_fen=5_000 * YUAN + 1),
            ["non-subject-amount"],
        ),
    ],
)
def test_training_limits(contract: ProposedContract, expected: list[str]) -> None:
    assert codes(contract) == expected


def test_training_notes_and_dates() -> None:
    unknown_kind = check_contract(replace(TRAINING, training_kind=None, price_fen=9_000 * YUAN))
    assert unknown_kind.ok and "give training_kind" in unknown_kind.notes[0]
    flagged = check_contract(
        replace(TRAINING, training_kind=TrainingKind.NON_SUBJECT, price_fen=6_000 * YUAN)
    )
    assert flagged.violations[0].verified is False
    before_2022 = check_contract(
        replace(
            TRAINING,
            signed_on=date(2022, 6, 1),
            training_kind=TrainingKind.NON_SUBJECT,
            price_fen=9_000 * YUAN,
        )
    )
    assert before_2022.ok and before_2022.rule_sets == ("training-national-2021",)
    before_2021 = check_contract(replace(TRAINING, signed_on=date(2021, 11, 10), sessions=90))
    assert before_2021.ok and "nothing was checked" in before_2021.notes[0]
    top_up = check_contract(replace(TRAINING, product_type=ProductType.STORED_VALUE, sessions=None))
    assert top_up.ok and "top-up" in top_up.notes[0]


@pytest.mark.parametrize(
    ("named", "price_fen", "expected"),
    [
        (True, 5_000 * YUAN, []),
        (True, 5_000 * YUAN + 1, ["named-card-amount"]),
        (False, 1_000 * YUAN, []),
        (False, 1_000 * YUAN + 1, ["anonymous-card-amount"]),
    ],
)
def test_commerce_card_limits(named: bool, price_fen: int, expected: list[str]) -> None:
    card = ProposedContract(
        Sector.COMMERCE, ProductType.STORED_VALUE, price_fen, date(2024, 5, 1), named=named
    )
    assert codes(card) == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price_fen": -1}, "price_fen"),
        ({"price_fen": 0}, "price_fen"),
        ({"price_fen": 4999.5}, "price_fen"),
        ({"term_months": None}, "term_months"),
        ({"term_days": 30}, "term_days"),
        ({"existing_prepaid_fen": 10, "renewal_remaining_fen": 11}, "renewal_remaining_fen"),
    ],
)
def test_impossible_contracts_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as caught:
        check_contract(replace(MEMBERSHIP, **changes))  # type: ignore[arg-type]
    assert caught.value.field == field


def test_class_pack_needs_sessions() -> None:
    with pytest.raises(InputError, match="sessions"):
        check_contract(replace(CLASS_PACK, sessions=None))


def test_rule_sets_in_force_and_month_arithmetic() -> None:
    assert rule_sets_in_force(Sector.FITNESS, date(2025, 2, 28)) == []
    assert rule_sets_in_force(Sector.FITNESS, MARCH_1) == [FITNESS_SHANGHAI_2025]
    assert all(rules.sources for rules in RULE_SETS)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(MARCH_1, 24) == date(2027, 3, 1)


def test_closure_needs_thirty_days_notice() -> None:
    assert check_closure_notice(date(2025, 5, 1), date(2025, 5, 31)) is None
    late = check_closure_notice(date(2025, 5, 2), date(2025, 5, 31))
    assert late is not None and late.value == 29 and late.maximum == 30


@pytest.mark.parametrize(
    ("balance_yuan_fen", "revenue_fen", "age_days", "ratio", "required"),
    [
        (200_000 * YUAN, 0, 3_000, 0, 0),
        (200_000 * YUAN + 1, 0, 3_000, 40, 8_000_001),  # 40 % rounded up to the fen
        (200_000 * YUAN + 1, 0, 364, 100, 200_000 * YUAN + 1),  # under one year old
        (200_000 * YUAN + 1, 0, 365, 40, 8_000_001),
        # Revenue RMB 2 million: special threshold RMB 400,000.
        (400_000 * YUAN, 2_000_000 * YUAN, 3_000, 40, 160_000 * YUAN),
        (400_000 * YUAN + 1, 2_000_000 * YUAN, 3_000, 100, 400_000 * YUAN + 1),
        # Revenue RMB 1 billion: 20 % is 200 million, capped at RMB 50 million.
        (50_000_000 * YUAN, 1_000_000_000 * YUAN, 3_000, 40, 20_000_000 * YUAN),
        (50_000_000 * YUAN + 1, 1_000_000_000 * YUAN, 3_000, 100, 50_000_000 * YUAN + 1),
    ],
)
def test_custody_requirement_2019_thresholds(
    balance_yuan_fen: int, revenue_fen: int, age_days: int, ratio: int, required: int
) -> None:
    requirement = custody_requirement(balance_yuan_fen, revenue_fen, age_days, date(2020, 1, 1))
    assert (requirement.ratio_percent, requirement.required_fen) == (ratio, required)
    assert requirement.in_force


def test_custody_requirement_outside_the_2019_measures_is_advisory() -> None:
    assert not custody_requirement(300_000 * YUAN, 0, 3_000, date(2024, 5, 1)).in_force
    assert custody_requirement(300_000 * YUAN, 0, 3_000, date(2024, 4, 30)).in_force
    with pytest.raises(InputError, match="balance_fen"):
        custody_requirement(-1, 0, 0, date(2020, 1, 1))
