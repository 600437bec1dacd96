"""The cases demo: the catalogue, the calendar, pickup slots, a handful of realistic demo
cases at real places of Changning (each marked 演示 / demo), one targeted initiative, and a
synthetic history (labelled synthetic) so the KPI and hotspot pages have something to show.

Idempotent: every demo case has a fixed submission key, so a second run finds it and
changes nothing; the synthetic history is generated only when there is none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from district.accounts.models import User
from district.cases import services
from district.cases.models import Case
from district.cases.services.synthetic import generate_synthetic_cases

DEMO_TAG = "【演示 demo】"
SYNTHETIC_HISTORY = 2000  # cases over 16 weeks, for the KPI and hotspot pages

# Real places (Amap POIs, WGS-84) near which the demo cases are reported.
ZHONGSHAN_PARK = (121.4170, 31.2205)
JIANGSU_ROAD_METRO = (121.4262, 31.2221)
LOUSHANGUAN_ROAD_METRO = (121.3995, 31.2131)
HONGQIAO_ROAD_METRO = (121.4160, 31.1995)
WEINING_ROAD_METRO = (121.3827, 31.2168)
XIANXIA_ROAD = (121.3870, 31.2080)


def load_catalogue(*, data_dir: Path) -> dict[str, int]:
    counts = services.import_catalogue(path=data_dir / "cases" / "catalogue.json")
    counts["routing"] = services.import_routing(path=data_dir / "cases" / "routing.csv")
    return counts


def _user(name: str) -> User | None:
    return User.objects.filter(username=name).first()


def load_demo(*, data_dir: Path, log: Callable[[str], None]) -> None:
    counts = load_catalogue(data_dir=data_dir)
    log(
        f"cases: catalogue of {counts['groups']} major and {counts['categories']} minor classes, "
        f"{counts['attributes']} attributes, {counts['limits']} time limits, "
        f"{counts['routing']} routing rules"
    )
    services.seed_calendar_from_package()
    status = services.calendar_status()
    years = status.table_years
    log(f"cases: working-day calendar {years[0]}–{years[-1]} (seeded from chinese-calendar)")
    if status.warning:
        log(f"cases: WARNING {status.warning}")
    if not services.model_path().exists():
        trained = services.train_model_file()
        log(
            f"cases: classifier trained on {trained.messages} messages → {trained.path} "
            f"(sha256 {trained.sha256[:12]}…)"
        )
    now = timezone.now()
    slots = services.ensure_booking_slots(category_code="FW0101", start=now)
    log(f"cases: {slots} new bulky-waste pickup slots")
    created = _demo_cases(now)
    log(f"cases: {created} new demo cases ({Case.objects.filter(is_demo=True).count()} in all)")
    if not Case.objects.filter(is_synthetic=True).exists():
        report = generate_synthetic_cases(count=SYNTHETIC_HISTORY, seed=2026, weeks=16, end=now)
        log(f"cases: {report.created} synthetic cases (labelled synthetic) over 16 weeks")
    campaign = services.create_campaign(
        name="共享单车乱停放专项整治（演示）",
        description="六个专项行动之一（演示）：地铁站周边非机动车乱停放集中整治。",
        category_codes=["SJ0202"],
        starts_on=(now - timedelta(weeks=4)).date(),
        compare_weeks=6,
        by=None,
        is_demo=True,
    )
    log(f"cases: targeted initiative {campaign.name}")


def _report(key: str, **kwargs: Any) -> tuple[Case, bool]:
    kwargs["description"] = DEMO_TAG + kwargs["description"]
    result = services.create_case(idempotency_key=f"demo:{key}", is_demo=True, **kwargs)
    return result.case, result.created


def _demo_cases(now: Any) -> int:
    resident = _user("resident")
    dispatcher = _user("dispatcher")
    greening = _user("greening")
    citymgmt = _user("citymgmt")
    gridworker = _user("gridworker")
    supervisor = _user("supervisor")
    if not all((resident, dispatcher, greening, citymgmt, gridworker, supervisor)):
        return 0
    assert resident and dispatcher and greening and citymgmt and gridworker and supervisor
    created = 0

    # 1. A resident reports exposed rubbish; handled, verified by the grid worker, rated.
    case, new = _report(
        "rubbish-zhongshan-park",
        category_code="SJ0101",
        channel="web",
        title="中山公园北门外绿化带有暴露垃圾",
        description="中山公园北门外的绿化带里有一堆装修垃圾和生活垃圾，已经放了两三天，"
        "天气热有异味，希望尽快清理。",
        lon=ZHONGSHAN_PARK[0],
        lat=ZHONGSHAN_PARK[1],
        reporter=resident,
        received_at=now - timedelta(hours=30),
    )
    if new:
        created += 1
        services.register_case(case=case, by=dispatcher, reason="属实，立案。")
        services.dispatch_case(case=case, by=dispatcher, department_code="greening")
        services.handle_case(case=case, by=greening, note="已安排环卫作业组清运垃圾并冲洗绿化带。")
        services.verify_case(
            case=case, by=gridworker, passed=True, note="现场核查：垃圾已清运，绿化带整洁。"
        )
        services.rate_case(case=case, by=resident, rating="satisfied", comment="处理很及时，谢谢。")

    # 2. Hotline: a missing manhole cover near Jiangsu Road station; dispatched, in handling.
    cover, new = _report(
        "manhole-jiangsu-road",
        category_code="BJ0101",
        channel="hotline",
        title="江苏路地铁站出口旁井盖缺失",
        description="江苏路地铁站3号口旁人行道上一个井盖不见了，晚上很危险。",
        lon=JIANGSU_ROAD_METRO[0],
        lat=JIANGSU_ROAD_METRO[1],
        attributes={"cover_type": "drainage", "danger": "yes"},
        reporter_name="李先生",
        reporter_phone="13800138000",
        submitted_by="12345 热线 话务员 (demo)",
        received_at=now - timedelta(hours=3),
    )
    if new:
        created += 1
        services.register_case(case=cover, by=dispatcher)
        services.dispatch_case(case=cover, by=dispatcher, note="紧急：先设置围挡。")

    # 3. The same manhole reported again through the hotline: merged into case 2.
    duplicate, new = _report(
        "manhole-jiangsu-road-again",
        category_code="BJ0101",
        channel="hotline",
        description="江苏路地铁站旁边人行道井盖没有了，有人差点踩空。",
        lon=JIANGSU_ROAD_METRO[0] + 0.0001,
        lat=JIANGSU_ROAD_METRO[1],
        attributes={"danger": "yes"},
        reporter_name="周女士",
        reporter_phone="13900139000",
        submitted_by="12345 热线 话务员 (demo)",
        received_at=now - timedelta(hours=2),
    )
    if new:
        created += 1
        services.merge_case(case=duplicate, into=cover, by=dispatcher)

    # 4. Open311 app: bicycles blocking the pavement at Loushanguan Road; awaiting registration.
    _case, new = _report(
        "bikes-loushanguan",
        category_code="SJ0202",
        channel="open311",
        description="娄山关路地铁站2号口共享单车堆满人行道和盲道，行人只能走机动车道。",
        lon=LOUSHANGUAN_ROAD_METRO[0],
        lat=LOUSHANGUAN_ROAD_METRO[1],
        submitted_by="Open311: 随手拍 app (demo)",
        received_at=now - timedelta(minutes=40),
    )
    created += int(new)

    # 5. A grid worker finds street vending; handled by city management, awaiting verification.
    vending, new = _report(
        "vending-hongqiao-road",
        category_code="SJ0201",
        channel="grid_worker",
        description="虹桥路地铁站出口有流动摊贩占道卖水果，影响通行。",
        lon=HONGQIAO_ROAD_METRO[0],
        lat=HONGQIAO_ROAD_METRO[1],
        by=gridworker,
        submitted_by=str(gridworker),
        received_at=now - timedelta(hours=5),
    )
    if new:
        created += 1
        services.register_case(case=vending, by=dispatcher)
        services.dispatch_case(case=vending, by=dispatcher, department_code="city-management")
        services.handle_case(case=vending, by=citymgmt, note="已劝离摊贩并告知禁止占道经营。")

    # 6. A smart litter bin reports itself full.
    _case, new = _report(
        "sensor-bin-weining",
        category_code="BJ0301",
        channel="sensor",
        description="智能垃圾箱满溢告警。",
        lon=WEINING_ROAD_METRO[0],
        lat=WEINING_ROAD_METRO[1],
        attributes={"sensor_id": "CN-BIN-0427", "fill_percent": "96"},
        submitted_by="智能垃圾箱 CN-BIN-0427 (demo)",
        source_ref="sensor:CN-BIN-0427",
        received_at=now - timedelta(minutes=15),
    )
    created += int(new)

    # 7. A suggestion from Ning Lai Shuo becomes a case.
    _case, new = _report(
        "suggestion-green-xianxia",
        category_code="BJ0402",
        channel="participation",
        description="仙霞路沿线绿化带黄土裸露，建议补种并加装护栏（来自宁来说建议）。",
        lon=XIANXIA_ROAD[0],
        lat=XIANXIA_ROAD[1],
        source_ref="participation:demo-suggestion-1",
        submitted_by="宁来说 (demo)",
        received_at=now - timedelta(days=1),
    )
    created += int(new)

    # 8. Noise from a restaurant: dispatched to ecology, extension requested.
    noise, new = _report(
        "noise-weining",
        category_code="SJ0401",
        channel="web",
        description="威宁路一家烧烤店每天营业到凌晨两点，排风机噪声很大，影响休息。",
        lon=WEINING_ROAD_METRO[0] + 0.001,
        lat=WEINING_ROAD_METRO[1] + 0.0005,
        attributes={"source": "restaurant"},
        reporter=resident,
        anonymous=True,
        received_at=now - timedelta(days=2),
    )
    if new:
        created += 1
        services.register_case(case=noise, by=dispatcher)
        services.dispatch_case(case=noise, by=dispatcher, department_code="ecology")

    # 9. A prepaid-card dispute about a (demo) gym: the custody app's risk signal.
    gym, new = _report(
        "prepaid-gym",
        category_code="FW0401",
        channel="hotline",
        description="某某健身（演示商户）突然闭店，会员卡内还有4800元余额无法退还。",
        lon=ZHONGSHAN_PARK[0] + 0.002,
        lat=ZHONGSHAN_PARK[1] - 0.001,
        attributes={
            "merchant_name": "某某健身（演示商户）",
            "merchant_licence": "91310105DEMO00001X",
            "amount_yuan": "4800",
        },
        reporter_name="陈女士",
        reporter_phone="13700137000",
        submitted_by="12345 热线 话务员 (demo)",
        received_at=now - timedelta(days=1, hours=2),
    )
    if new:
        created += 1
        services.register_case(case=gym, by=dispatcher)
        services.dispatch_case(case=gym, by=dispatcher, department_code="market-supervision")

    # 10. The resident books a bulky-waste pickup.
    slot = services.open_slots("FW0101")
    if slot and not Case.objects.filter(idempotency_key="demo:bulky-waste").exists():
        _case, new = _report(
            "bulky-waste",
            category_code="FW0101",
            channel="web",
            description="旧沙发一张、床垫一个，需要上门清运。",
            lon=ZHONGSHAN_PARK[0] - 0.003,
            lat=ZHONGSHAN_PARK[1] + 0.002,
            attributes={"items": ["sofa", "mattress"], "item_count": "2", "slot": slot[0].key},
            reporter=resident,
            reporter_phone="13600136000",
        )
        created += int(new)
    return created
