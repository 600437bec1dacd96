"""Demo data for Ning Lai Shuo (idempotent; everything invented is marked demo).

Real: the 1+10 matrix of channels (the district platform, one channel per subdistrict from
``geo``, Hongqiao's national grassroots legislative liaison point) and the vTaiwan UberX
conversation (Polis openData, CC BY 4.0), imported as an example of an imported Polis
conversation.

Demo (``is_demo``, shown with a "demo" badge): a liaison-point staff account, five
suggestions at every stage of their life, one open consultation whose participants and
votes are synthetic (generated here with a fixed seed), and one draft law open for comment
with a few opinions recorded at a meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from district.accounts import services as accounts
from district.accounts.models import Department, User
from district.participation import services
from district.participation.models import (
    Consultation,
    DraftLaw,
    Participant,
    Statement,
    Suggestion,
    Vote,
)
from district.participation.services.channels import HONGQIAO_LIAISON_CODE, PLATFORM_CODE

DEMO_PASSWORD = "district-demo"
VTAIWAN = "polis/vtaiwan.uberx"
VTAIWAN_URL = "https://pol.is/3phdex2kjf"
DEMO_CONSULTATION_REF = "demo:community-garden"
DEMO_SEED = 20261128

# Each: where it came in, who wrote it (None: anonymous), the place, how far it got.
DEMO_SUGGESTIONS: list[dict[str, Any]] = [
    {
        "title": "虹桥路人行道增设休息座椅",
        "body": (
            "虹桥路靠近社区食堂一段人行道较长，老年人步行买菜中途没有地方歇脚，"
            "建议增设几处休息座椅。"
        ),
        "channel": "sub-310105009000",
        "author": "resident",
        "point": (121.405, 31.195),
        "department": "greening",
        "outcome": "adopted",
        "reply": "感谢您的建议。经现场踏勘，我局已在该路段增设休息座椅4处。",
        "action": "2026年增设座椅4处，纳入日常养护。",
        "days_ago": 40,
        "answered_after": 9,
    },
    {
        "title": "社区图书馆延长开放时间至晚上十点",
        "body": "上班族下班后到图书馆时间很紧，建议社区图书馆工作日开放到晚上十点。",
        "channel": PLATFORM_CODE,
        "author": None,
        "point": None,
        "department": "culture-tourism",
        "outcome": "not_adopted",
        "reply": "感谢关注公共文化服务。",
        "reason": "社区图书馆夜间人员与安保经费尚未落实；已在区图书馆试行周五延长开放至21:00。",
        "days_ago": 35,
        "answered_after": 26,
    },
    {
        "title": "新华路共享单车停放点规划",
        "body": "新华路梧桐树下共享单车停放混乱，占用盲道，建议划定停放区域并定期清理。",
        "channel": "sub-310105004000",
        "author": "resident",
        "point": (121.4245, 31.2055),
        "department": "city-management",
        "stage": "routed",
        "days_ago": 3,
    },
    {
        "title": "学校门口设置家长等候区",
        "body": "放学时段家长在校门口聚集，影响通行，建议设置家长等候区并施划标线。",
        "channel": PLATFORM_CODE,
        "author": None,
        "point": (121.415, 31.209),
        "stage": "submitted",
        "days_ago": 1,
    },
    {
        "title": "加密途经北新泾的公交线路班次",
        "body": "早高峰公交等候时间长，建议加密途经北新泾地区的公交线路班次。",
        "channel": "sub-310105011000",
        "author": "resident",
        "point": None,
        "outcome": "referred",
        "referred_to": "上海市交通委员会（公交线路由市级部门规划）",
        "reply": "公交线路和班次由市交通委统筹，您的建议已转交市交通委研究办理。",
        "days_ago": 20,
        "answered_after": 4,
    },
]

DEMO_STATEMENTS = [
    "口袋公园应保留大树，不要为了活动场地砍树。",
    "应增加儿童游乐设施。",
    "应设置老年人健身器材。",
    "晚上十点以后应关闭，以免扰民。",
    "广场舞应安排在固定时段。",
    "应允许居民认领花坛自己种植。",
    "不应增加停车位，公园就是公园。",
    "应增加夜间照明，保证安全。",
    "宠物应牵绳，并设置宠物便纸箱。",
    "改造方案应请居民投票决定。",
    "改造经费应优先用于无障碍通道。",
    "保持现状即可，不必改造。",
]

DEMO_DRAFT = """第一章 总则
第一条 为了规范社区花园的建设和管理，鼓励居民参与社区治理，制定本条例。
第二条 本条例适用于本市行政区域内社区花园的规划、建设、养护和使用。
第三条 社区花园的建设应当尊重居民意愿，坚持共建共治共享。
第二章 建设与养护
第四条 街道办事处、镇人民政府负责组织辖区内社区花园的建设，居民委员会协助实施。
第五条 居民可以认领社区花园的种植区域，认领期限一般为一年，期满可以续期。
第六条 社区花园内禁止使用化学农药，鼓励堆肥和雨水收集。
第三章 附则
第七条 本条例自公布之日起施行。
"""


def _ensure_liaison_user(log: Callable[[str], None]) -> User:
    office = Department.objects.filter(code="sub-310105009000").first()
    return accounts.ensure_user(
        username="liaison",
        roles=["dispatcher"],
        display_name="虹桥联系点 信息员 (demo)",
        department=office,
        password=DEMO_PASSWORD,
        is_demo=True,
    )


def _user(username: str | None) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def _load_suggestion(item: dict[str, Any], *, now: Any, staff: User | None) -> None:
    received = now - timedelta(days=item["days_ago"])
    point = item.get("point")
    suggestion = services.submit_suggestion(
        channel=item["channel"],
        title=item["title"],
        body=item["body"],
        author=_user(item["author"]),
        anonymous=item["author"] is None,
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        at=received,
        is_demo=True,
    )
    if item.get("stage") == "submitted":
        return
    answered = received + timedelta(days=item.get("answered_after", 1))
    if item.get("outcome") == "referred":
        services.refer_suggestion(
            number=suggestion.number,
            by=staff,
            referred_to=item["referred_to"],
            reply=item["reply"],
            at=answered,
        )
        return
    services.route_suggestion(
        number=suggestion.number,
        department=item["department"],
        by=staff,
        at=received + timedelta(hours=3),
    )
    if item.get("stage") == "routed":
        return
    services.answer_suggestion(
        number=suggestion.number,
        by=staff,
        reply=item["reply"],
        outcome=item["outcome"],
        reason=item.get("reason", ""),
        action_taken=item.get("action", ""),
        at=answered,
    )


def _load_suggestions(log: Callable[[str], None]) -> int:
    now = timezone.now()
    dispatcher = _user("dispatcher")
    admin = _user("admin")
    created = 0
    for item in DEMO_SUGGESTIONS:
        if Suggestion.objects.filter(title=item["title"], is_demo=True).exists():
            continue
        with transaction.atomic():  # the whole life of one suggestion, or nothing
            _load_suggestion(item, now=now, staff=admin or dispatcher)
        created += 1
    return created


def _synthetic_votes(n_participants: int, n_statements: int) -> list[tuple[int, int, int]]:
    """Two camps (a green, quiet park and a lively, equipped one) and some undecided.

    SYNTHETIC: generated with a fixed seed for the demo; no person cast these votes.
    """
    rng = np.random.default_rng(DEMO_SEED)
    # +1: the quiet-green camp agrees; −1: the lively camp agrees; 0: both lean agree.
    lean = np.array([1, -1, -1, 1, 0, 1, 1, 0, 0, 0, -1, 1])[:n_statements]
    votes = []
    for participant in range(n_participants):
        camp = 1 if participant % 5 < 2 else (-1 if participant % 5 < 4 else 0)
        seen = rng.choice(n_statements, size=int(rng.integers(6, n_statements + 1)), replace=False)
        for statement in sorted(seen.tolist()):
            if lean[statement] == 0:
                p_agree = 0.75
            elif camp == 0:
                p_agree = 0.5
            else:
                p_agree = 0.85 if lean[statement] == camp else 0.15
            draw = rng.random()
            value = 1 if draw < p_agree else (-1 if draw < 0.93 else 0)
            votes.append((participant, statement, value))
    return votes


@transaction.atomic
def _load_consultation(log: Callable[[str], None]) -> Consultation | None:
    if Consultation.objects.filter(origin_ref=DEMO_CONSULTATION_REF).exists():
        return None
    now = timezone.now()
    opened = now - timedelta(days=6)
    consultation = services.create_consultation_record(
        title="虹桥社区口袋公园怎么改？",
        question="街道计划改造社区内的口袋公园。您希望它成为什么样的地方？请对下列观点表态，也可以写下自己的观点。",
        description="演示议题：参与者和投票为程序生成的合成数据（demo / synthetic）。",
        channel=services.get_channel(HONGQIAO_LIAISON_CODE),
        scope=Consultation.Scope.SUBDISTRICT,
        subdistrict_code="310105009000",
        origin=Consultation.Origin.STAFF,
        origin_ref=DEMO_CONSULTATION_REF,
        created_by=_user("liaison"),
        at=opened,
        is_demo=True,
    )
    statements = [
        Statement(
            consultation=consultation,
            number=i,
            text=text,
            by_staff=True,
            status=Statement.Status.ACCEPTED,
            created_at=opened,
            moderated_at=opened,
        )
        for i, text in enumerate(DEMO_STATEMENTS)
    ]
    Statement.objects.bulk_create(statements)
    n_participants = 80
    Participant.objects.bulk_create(
        [
            Participant(consultation=consultation, number=i, external=True, created_at=opened)
            for i in range(n_participants)
        ]
    )
    participant_pk = dict(consultation.participants.values_list("number", "pk"))
    statement_pk = dict(consultation.statements.values_list("number", "pk"))
    votes = _synthetic_votes(n_participants, len(DEMO_STATEMENTS))
    Vote.objects.bulk_create(
        [
            Vote(
                consultation=consultation,
                participant_id=participant_pk[p],
                statement_id=statement_pk[s],
                value=v,
                voted_at=opened + timedelta(minutes=index),
            )
            for index, (p, s, v) in enumerate(votes)
        ]
    )
    consultation.votes_version = 1
    consultation.save(update_fields=["votes_version"])
    log(
        f"participation: demo consultation with {n_participants} synthetic participants and "
        f"{len(votes)} synthetic votes"
    )
    return consultation


def _load_draft(log: Callable[[str], None]) -> None:
    title = "社区花园条例（草案·演示）"
    if DraftLaw.objects.filter(title=title, is_demo=True).exists():
        return
    staff = _user("liaison") or _user("admin")
    now = timezone.now()
    draft = services.create_draft_law(
        by=staff,
        channel=HONGQIAO_LIAISON_CODE,
        title=title,
        legislature="市人大常委会法制工作委员会（演示）",
        summary="演示草案：条文为演示而写，不是真实的法规草案。",
        text=DEMO_DRAFT,
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(days=25),
        is_demo=True,
    )
    meeting = now - timedelta(days=2)
    for article, stance, text, wording in [
        (5, "propose", "认领期限一年太短，种植周期跟不上。", "认领期限一般为两年，期满可以续期。"),
        (5, "propose", "一年期太短，建议延长。", "认领期限一般为二年，期满可以续期。"),
        (6, "agree", "支持禁止化学农药，保护孩子和宠物。", ""),
        (4, "object", "居委会人手不足，应明确物业和志愿者的责任。", ""),
    ]:
        services.record_offline_comment(
            draft_id=draft.pk,
            article=article,
            by=staff,
            stance=stance,
            text=text,
            proposed_wording=wording,
            at=meeting,
        )
    log(f"participation: demo draft law with {draft.articles.count()} articles")


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    channels = services.ensure_channel_matrix()
    dispatcher = _user("dispatcher")
    liaison = _ensure_liaison_user(log)
    if dispatcher is not None:
        services.add_channel_staff(channel=PLATFORM_CODE, user=dispatcher)
    services.add_channel_staff(channel=HONGQIAO_LIAISON_CODE, user=liaison)
    services.add_channel_staff(channel="sub-310105009000", user=liaison)
    log(
        f"participation: {len(channels)} channels (1 platform + subdistricts + liaison point); "
        f"demo staff: dispatcher (platform), liaison (Hongqiao; password {DEMO_PASSWORD!r})"
    )
    created = _load_suggestions(log)
    if created:
        log(f"participation: {created} demo suggestions")
    _load_consultation(log)
    _load_draft(log)
    consultation, new = services.import_polis_folder(
        path=data_dir / VTAIWAN,
        source_url=VTAIWAN_URL,
        check_permission=False,
    )
    if new:
        notes = consultation.import_notes
        log(
            f"participation: imported Polis conversation {consultation.title!r} "
            f"({notes['comments']} statements, {notes['votes']:,} votes, "
            f"{notes['duplicate_votes_dropped']} superseded votes dropped; CC BY 4.0)"
        )
