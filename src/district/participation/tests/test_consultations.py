"""Consultations: statements, moderation, votes one at a time, bad votes, the opinion map,
reproducibility, the warm-start path and the hotspot seam for cases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from district.core.errors import ConflictError, InputError, NotFoundError, PermissionDeniedError
from district.participation import services
from district.participation.models import Consultation, Participant, Statement, Vote
from district.participation.services import opinion as opinion_service
from district.participation.tests.conftest import HONGQIAO, PLATFORM

CAMP_A = [1, 1, 1, -1, -1, -1, 1, 0]
CAMP_B = [-1, -1, -1, 1, 1, 1, 1, 0]


def open_consultation(cast: dict[str, Any], **kwargs: Any) -> Consultation:
    values: dict[str, Any] = {
        "by": cast["staff"],
        "title": "社区停车怎么管",
        "question": "小区停车难，怎么办？",
        "channel": PLATFORM,
        "statements": [f"观点{i}" for i in range(8)],
    }
    values.update(kwargs)
    return services.create_consultation(**values)


def vote_all(consultation: Consultation, users: list[Any], pattern: list[int]) -> None:
    for user in users:
        for number, value in enumerate(pattern):
            services.cast_vote(
                consultation_id=consultation.pk, statement=number, vote=value, by=user
            )


@pytest.fixture
def voters(make_user: Any) -> list[Any]:
    return [make_user(f"voter{i}", "resident") for i in range(8)]


def test_staff_open_a_scoped_consultation(cast: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        open_consultation(cast, by=cast["alice"])
    with pytest.raises(PermissionDeniedError):  # staff of no channel
        open_consultation(cast, by=cast["outsider"])
    with pytest.raises(InputError) as error:
        open_consultation(cast, scope="subdistrict", subdistrict_code="999")
    assert error.value.field == "subdistrict_code"
    with pytest.raises(NotFoundError):
        open_consultation(cast, scope="cells", cell_codes=["00000031010500099999"])
    sub = open_consultation(
        cast,
        scope="subdistrict",
        subdistrict_code="310105009000",
        channel=HONGQIAO,
        by=cast["liaison"],
    )
    assert sub.subdistrict_code == "310105009000"
    cells = open_consultation(cast, scope="cells", cell_codes=["00000031010500000324"])
    assert cells.cell_codes == ["00000031010500000324"] and cells.status == "open"
    assert list(cells.statements.values_list("number", "status").distinct()[:2]) == [
        (0, "accepted"),
        (1, "accepted"),
    ]


def test_participant_statements_wait_for_moderation(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast, statements=["已有观点"])
    statement = services.add_statement(
        consultation_id=consultation.pk, by=cast["alice"], text="应该建立体车库"
    )
    assert statement.status == "pending" and statement.number == 1
    with pytest.raises(InputError) as error:  # not shown yet
        services.cast_vote(consultation_id=consultation.pk, statement=1, vote=1, by=cast["bob"])
    assert error.value.field == "statement" and "not shown" in str(error.value)
    with pytest.raises(ConflictError):
        services.add_statement(
            consultation_id=consultation.pk, by=cast["bob"], text="应该建立体车库"
        )
    with pytest.raises(PermissionDeniedError):
        services.moderate_statement(
            consultation_id=consultation.pk, number=1, by=cast["alice"], accept=True
        )
    services.moderate_statement(
        consultation_id=consultation.pk, number=1, by=cast["staff"], accept=True
    )
    services.cast_vote(consultation_id=consultation.pk, statement=1, vote="agree", by=cast["bob"])
    services.moderate_statement(
        consultation_id=consultation.pk, number=1, by=cast["staff"], accept=False
    )
    with pytest.raises(InputError):
        services.cast_vote(consultation_id=consultation.pk, statement=1, vote=1, by=cast["bob"])
    # The author is participant 1 (the staff who wrote statement 0 is participant 0).
    assert Participant.objects.get(consultation=consultation, user=cast["alice"]).number == 1


def test_only_staff_write_when_participants_may_not(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast, participant_statements=False)
    with pytest.raises(PermissionDeniedError):
        services.add_statement(consultation_id=consultation.pk, by=cast["alice"], text="我的观点")
    with pytest.raises(PermissionDeniedError):
        services.add_statement(consultation_id=consultation.pk, by=None, text="我的观点")


@pytest.mark.parametrize("bad", [2, -2, "yes", None, 1.5, True])
def test_bad_vote_values_are_refused(cast: dict[str, Any], bad: Any) -> None:
    consultation = open_consultation(cast)
    with pytest.raises(InputError) as error:
        services.cast_vote(consultation_id=consultation.pk, statement=0, vote=bad, by=cast["alice"])
    assert error.value.field == "vote"
    assert not Vote.objects.exists()


def test_votes_the_last_counts_and_nobody_votes_for_another(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast)
    first = services.cast_vote(
        consultation_id=consultation.pk, statement=0, vote=1, by=cast["alice"]
    )
    again = services.cast_vote(
        consultation_id=consultation.pk, statement=0, vote=-1, by=cast["alice"]
    )
    assert first.pk == again.pk and again.value == -1 and again.replaced == 1
    assert Vote.objects.filter(consultation=consultation).count() == 1
    own = Participant.objects.get(consultation=consultation, user=cast["alice"]).number
    services.cast_vote(
        consultation_id=consultation.pk, statement=1, vote=0, by=cast["alice"], participant=own
    )
    with pytest.raises(PermissionDeniedError) as error:
        services.cast_vote(
            consultation_id=consultation.pk,
            statement=2,
            vote=1,
            by=cast["alice"],
            participant=own + 1,
        )
    assert error.value.field == "participant"
    with pytest.raises(NotFoundError):  # a statement of no consultation
        services.cast_vote(consultation_id=consultation.pk, statement=99, vote=1, by=cast["alice"])
    other = open_consultation(cast, title="另一个", statements=["别处的观点"])
    with pytest.raises(NotFoundError):
        services.cast_vote(consultation_id=other.pk, statement=5, vote=1, by=cast["alice"])
    with pytest.raises(PermissionDeniedError):
        services.cast_vote(consultation_id=consultation.pk, statement=0, vote=1, by=None)
    services.set_consultation_status(
        consultation_id=consultation.pk, by=cast["staff"], status="closed"
    )
    with pytest.raises(ConflictError):
        services.cast_vote(consultation_id=consultation.pk, statement=0, vote=1, by=cast["bob"])
    assert (
        Vote.objects.filter(consultation=consultation).count() == 2
    )  # nothing lost, nothing added


def test_statements_come_one_at_a_time_until_all_are_voted(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast, statements=["甲", "乙", "丙"])
    participant = services.participant_for(consultation, cast["alice"])
    seen = []
    while (statement := services.next_statement(consultation, participant)) is not None:
        seen.append(statement.number)
        services.cast_vote(
            consultation_id=consultation.pk, statement=statement.number, vote=0, by=cast["alice"]
        )
    assert sorted(seen) == [0, 1, 2]
    assert services.shown_statements_left(consultation, participant) == 0


def test_a_small_conversation_shows_raw_tallies(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast)
    vote_all(consultation, [cast["alice"], cast["bob"]], CAMP_A)
    result = services.current_opinion_map(consultation)
    assert result is not None and result.status == "too_small" and result.k == 0
    assert "at least 4" in result.payload["reason"]
    assert result.payload["statements"]["0"]["n_agree"] == 2


def test_the_opinion_map_finds_the_two_camps_and_is_reproducible(
    cast: dict[str, Any], voters: list[Any]
) -> None:
    consultation = open_consultation(cast)
    vote_all(consultation, voters[:4], CAMP_A)
    vote_all(consultation, voters[4:], CAMP_B)
    result = services.current_opinion_map(consultation)
    assert result is not None and result.status == "clustered" and result.k == 2
    groups = result.payload["groups"]
    participant = {
        v.pk: Participant.objects.get(consultation=consultation, user=v).number for v in voters
    }
    camp_a = {groups[str(participant[v.pk])] for v in voters[:4]}
    camp_b = {groups[str(participant[v.pk])] for v in voters[4:]}
    assert len(camp_a) == 1 and len(camp_b) == 1 and camp_a != camp_b
    # Statement 6 everyone agrees with: consensus; statements 0 and 3 split the camps.
    assert 6 in result.payload["consensus"]["agree"]
    represented = {s for ids in result.payload["repness"].values() for s in ids}
    assert {0, 3} <= represented
    # The stored map is current until a vote arrives.
    assert services.current_opinion_map(consultation).pk == result.pk  # type: ignore[union-attr]
    services.cast_vote(consultation_id=consultation.pk, statement=7, vote=1, by=voters[0])
    consultation.refresh_from_db()
    assert opinion_service.is_stale(consultation, result)
    updated = services.current_opinion_map(consultation)
    assert updated is not None and updated.votes_version == consultation.votes_version
    # Same votes, same groups: recomputed cold, and from an engine run on the same table.
    again = services.refresh_opinion_map(consultation_id=consultation.pk, cold=True)
    assert again.payload["groups"] == updated.payload["groups"]
    direct = opinion_service.compute_for(consultation)
    assert direct.to_report()["groups"] == updated.payload["groups"]


def test_closing_stores_a_cold_final_map(cast: dict[str, Any], voters: list[Any]) -> None:
    consultation = open_consultation(cast)
    vote_all(consultation, voters[:4], CAMP_A)
    vote_all(consultation, voters[4:], CAMP_B)
    with pytest.raises(PermissionDeniedError):
        services.set_consultation_status(
            consultation_id=consultation.pk, by=cast["liaison"], status="closed"
        )
    services.set_consultation_status(
        consultation_id=consultation.pk, by=cast["staff"], status="closed"
    )
    consultation.refresh_from_db()
    assert consultation.opinion_map.status == "clustered"
    assert not consultation.opinion_map.warm_start
    assert consultation.opinion_map.votes_version == consultation.votes_version
    with pytest.raises(ConflictError):
        services.set_consultation_status(
            consultation_id=consultation.pk, by=cast["staff"], status="draft"
        )


def test_the_warm_start_path_is_taken_for_large_conversations(
    cast: dict[str, Any], voters: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opinion_service, "WARM_START_MIN_VOTES", 10)
    consultation = open_consultation(cast)
    vote_all(consultation, voters[:4], CAMP_A)
    vote_all(consultation, voters[4:], CAMP_B)
    first = services.refresh_opinion_map(consultation_id=consultation.pk)
    assert not first.warm_start
    services.cast_vote(consultation_id=consultation.pk, statement=7, vote=-1, by=voters[1])
    second = services.refresh_opinion_map(consultation_id=consultation.pk)
    assert second.warm_start and second.k == 2
    assert sorted(second.payload["group_sizes"]) == [4, 4]


def test_outcome_is_published_to_participants(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast)
    services.cast_vote(consultation_id=consultation.pk, statement=0, vote=1, by=cast["alice"])
    services.publish_consultation_outcome(
        consultation_id=consultation.pk, by=cast["staff"], outcome="将施划夜间停车位。"
    )
    services.publish_consultation_outcome(
        consultation_id=consultation.pk, by=cast["staff"], outcome="将施划夜间停车位 (更正)。"
    )
    notices = cast["alice"].participation_notices.all()
    assert [n.kind for n in notices] == ["consultation_outcome"]  # told once


def test_a_hotspot_opens_one_consultation_for_its_cell(cast: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "cell_code": "00000031010500000324",
        "category": "暴露垃圾",
        "title": "这里的垃圾问题怎么解决？",
        "question": "本网格近四周暴露垃圾投诉明显增多。您怎么看？",
        "source_ref": "hotspot:00000031010500000324:暴露垃圾:2026-W47",
        "statements": ["应增加清运频次", "应设置监控"],
    }
    first = services.open_consultation_for_hotspot(**arguments)
    again = services.open_consultation_for_hotspot(**arguments)
    assert first.pk == again.pk
    assert first.origin == "hotspot" and first.scope == "cells" and first.status == "open"
    assert first.cell_codes == ["00000031010500000324"]
    assert first.statements.filter(status="accepted").count() == 2
    with pytest.raises(NotFoundError):
        services.open_consultation_for_hotspot(**{**arguments, "cell_code": "1", "source_ref": "x"})


def test_vote_table_uses_polis_ids_and_milliseconds(cast: dict[str, Any]) -> None:
    consultation = open_consultation(cast)
    services.cast_vote(consultation_id=consultation.pk, statement=3, vote=-1, by=cast["alice"])
    table = services.vote_table(consultation)
    participant = Participant.objects.get(consultation=consultation, user=cast["alice"])
    assert table.participant_ids.tolist() == [participant.number]
    assert table.statement_ids.tolist() == [3] and table.votes.tolist() == [-1]
    vote = Vote.objects.get()
    assert table.timestamps_ms[0] == opinion_service.to_ms(vote.voted_at)
    assert opinion_service.from_ms(int(table.timestamps_ms[0])) == vote.voted_at.replace(
        microsecond=vote.voted_at.microsecond // 1000 * 1000
    )
    assert np.issubdtype(table.timestamps_ms.dtype, np.integer)
    assert Statement.objects.filter(consultation=consultation).count() == 8
