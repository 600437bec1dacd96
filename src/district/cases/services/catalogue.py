"""The catalogue: categories (大类/小类) with Open311 codes and attributes, time limits per
stage, the routing table (派单目录) and booking slots.

Intake reads the catalogue on every report, so it is served from an in-process snapshot
(:func:`catalogue`) rebuilt when this process edits it and at most ``CACHE_SECONDS`` after
another process does.
"""

from __future__ import annotations

import csv
import json
import threading
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Sum
from django.utils import timezone

from district.accounts.models import Department, User
from district.cases.models import (
    Attribute,
    BookingSlot,
    Category,
    RoutingRule,
    Stage,
    TimeLimit,
)
from district.core.errors import ConflictError, DataFileError, InputError, NotFoundError

CACHE_SECONDS = 30.0
# Platform defaults where the catalogue gives no limit (working hours; 7 per working day):
# registration and dispatch within one working hour each, as the 12345 rule "响应 1 h";
# handling within 5 working days, as the 12345 rule for undertakers; verification within
# one working day.
DEFAULT_LIMITS: dict[str, float] = {
    Stage.REGISTER: 1.0,
    Stage.DISPATCH: 1.0,
    Stage.HANDLE: 35.0,
    Stage.VERIFY: 7.0,
}
FALLBACK_DEPARTMENT = "operations-centre"  # 区城市运行管理中心: takes what no rule routes
MAX_EXTENSION_HOURS = 70.0  # 10 working days, the cap of the 12345 rules (鲁 2020)


@dataclass(frozen=True)
class AttributeInfo:
    code: str
    order: int
    datatype: str
    variable: bool
    required: bool
    description: str
    description_en: str
    datatype_description: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CategoryInfo:
    pk: int
    code: str
    name: str
    name_en: str
    kind: str
    parent_code: str | None
    parent_name: str
    parent_name_en: str
    description: str
    keywords: str
    classifier_label: str
    default_department_id: int | None
    anonymous_allowed: bool
    requires_booking: bool
    duplicate_radius_m: float
    duplicate_window_hours: float
    active: bool
    limits: Mapping[str, float]
    attributes: tuple[AttributeInfo, ...] = ()

    @property
    def is_minor(self) -> bool:
        return self.parent_code is not None


@dataclass(frozen=True)
class Catalogue:
    by_code: Mapping[str, CategoryInfo]
    by_pk: Mapping[int, CategoryInfo]
    # (category pk, cell code, subdistrict code) → department pk
    routing: Mapping[tuple[int, str, str], int]
    fallback_department_id: int | None
    department_codes: Mapping[int, str] = field(default_factory=dict)

    def services(self) -> list[CategoryInfo]:
        """Active minor classes: the Open311 services."""
        return [c for c in self.by_code.values() if c.is_minor and c.active]


_lock = threading.Lock()
_snapshot: tuple[float, tuple[Any, ...], Catalogue] | None = None


def _version() -> tuple[Any, ...]:
    stats = Category.objects.aggregate(n=Count("id"), s=Sum("id"))
    rules = RoutingRule.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    limits = TimeLimit.objects.aggregate(n=Count("id"), h=Sum("working_hours"))
    attrs = Attribute.objects.aggregate(n=Count("id"), s=Sum("order"))
    return (
        stats["n"],
        stats["s"],
        rules["n"],
        str(rules["last"]),
        limits["n"],
        limits["h"],
        attrs["n"],
        attrs["s"],
    )


def _build() -> Catalogue:
    limits: dict[int, dict[str, float]] = {}
    for category_id, stage, hours in TimeLimit.objects.values_list(
        "category_id", "stage", "working_hours"
    ):
        limits.setdefault(category_id, {})[stage] = hours
    attributes: dict[int, list[AttributeInfo]] = {}
    for a in Attribute.objects.order_by("category_id", "order"):
        attributes.setdefault(a.category_id, []).append(
            AttributeInfo(
                code=a.code,
                order=a.order,
                datatype=a.datatype,
                variable=a.variable,
                required=a.required,
                description=a.description,
                description_en=a.description_en,
                datatype_description=a.datatype_description,
                values=tuple((str(v["key"]), str(v.get("name", v["key"]))) for v in a.values),
            )
        )
    rows = list(Category.objects.select_related("parent"))
    by_pk_row = {c.pk: c for c in rows}
    infos: dict[str, CategoryInfo] = {}
    for c in rows:
        parent = by_pk_row.get(c.parent_id) if c.parent_id else None
        merged = dict(DEFAULT_LIMITS)
        if parent is not None:
            merged.update(limits.get(parent.pk, {}))
        merged.update(limits.get(c.pk, {}))
        infos[c.code] = CategoryInfo(
            pk=c.pk,
            code=c.code,
            name=c.name,
            name_en=c.name_en,
            kind=c.kind,
            parent_code=parent.code if parent else None,
            parent_name=parent.name if parent else "",
            parent_name_en=parent.name_en if parent else "",
            description=c.description,
            keywords=c.keywords,
            classifier_label=c.classifier_label or (parent.classifier_label if parent else ""),
            default_department_id=c.default_department_id
            or (parent.default_department_id if parent else None),
            anonymous_allowed=c.anonymous_allowed,
            requires_booking=c.requires_booking,
            duplicate_radius_m=float(c.duplicate_radius_m),
            duplicate_window_hours=float(c.duplicate_window_hours),
            active=c.active and (parent.active if parent else True),
            limits=merged,
            attributes=tuple(attributes.get(c.pk, [])),
        )
    routing = {
        (category_id, cell, sub): dept
        for category_id, cell, sub, dept in RoutingRule.objects.values_list(
            "category_id", "cell_code", "subdistrict_code", "department_id"
        )
    }
    fallback = Department.objects.filter(code=FALLBACK_DEPARTMENT).values_list("pk", flat=True)
    return Catalogue(
        by_code=infos,
        by_pk={i.pk: i for i in infos.values()},
        routing=routing,
        fallback_department_id=fallback.first(),
        department_codes=dict(Department.objects.values_list("pk", "code")),
    )


def catalogue() -> Catalogue:
    """The current catalogue snapshot."""
    global _snapshot
    now = clock.monotonic()
    with _lock:
        current = _snapshot
    if current is not None and now - current[0] < CACHE_SECONDS:
        return current[2]
    version = _version()
    if current is not None and current[1] == version:
        with _lock:
            _snapshot = (now, version, current[2])
        return current[2]
    built = _build()
    with _lock:
        _snapshot = (now, version, built)
    return built


def invalidate_catalogue() -> None:
    global _snapshot
    with _lock:
        _snapshot = None


def get_service(code: str, *, field_name: str = "service_code") -> CategoryInfo:
    """The active minor class with Open311 service code ``code`` (NotFoundError otherwise)."""
    info = catalogue().by_code.get(code.strip()) if isinstance(code, str) else None
    if info is None or not info.is_minor or not info.active:
        raise NotFoundError(
            f"There is no service with code {code!r}.",
            field=field_name,
            value=code,
            fix="Ask GET /open311/v2/services.json for the list of service codes.",
        )
    return info


def stage_limit(info: CategoryInfo, stage: str) -> float:
    return float(info.limits.get(stage, DEFAULT_LIMITS[stage]))


def route(info: CategoryInfo, *, cell_code: str, subdistrict_code: str) -> int | None:
    """The responsible department's pk for a category at a place (the most specific rule)."""
    cat = catalogue()
    candidates = [info.pk]
    parent = cat.by_code.get(info.parent_code) if info.parent_code else None
    if parent is not None:
        candidates.append(parent.pk)
    for pk in candidates:
        keys = []
        if cell_code:
            keys.append((pk, cell_code, ""))
        if subdistrict_code:
            keys.append((pk, "", subdistrict_code))
        keys.append((pk, "", ""))
        for key in keys:
            department = cat.routing.get(key)
            if department is not None:
                return department
    return info.default_department_id or cat.fallback_department_id


# --- importing the catalogue ------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError("file not found.", path=path, fix="Check the path.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataFileError(f"is not UTF-8 JSON ({error}).", path=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise DataFileError(
            "has no 'groups' list.", path=path, field="groups", fix="See docs/cases.md."
        )
    return data


def _department(code: str | None, path: Path, where: str) -> Department | None:
    if not code:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise DataFileError(
            f"{where}: unknown department {code!r}.",
            path=path,
            field="department",
            value=code,
            fix="Use a department code from `district accounts` (e.g. greening, "
            "city-management) or load the departments first.",
        )
    return department


_KINDS = {k.value for k in Category.Kind}
_DATATYPES = {d.value for d in Attribute.Datatype}


@transaction.atomic
def import_catalogue(*, path: Path) -> dict[str, int]:
    """Create or update the categories, attributes and time limits of a catalogue JSON file.

    The whole file is checked before anything is written; running it again updates rows in
    place. Categories missing from the file are left as they are (deactivate them instead
    of deleting: cases refer to them).
    """
    path = Path(path)
    data = _read_json(path)
    counts = {"groups": 0, "categories": 0, "attributes": 0, "limits": 0}
    seen_codes: set[str] = set()
    plan: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for g_index, group in enumerate(data["groups"], start=1):
        where = f"group {g_index}"
        _check_category_entry(group, path, where, seen_codes)
        plan.append((group, None))
        for c_index, entry in enumerate(group.get("categories") or [], start=1):
            _check_category_entry(entry, path, f"{where}, category {c_index}", seen_codes)
            plan.append((entry, group))
    for order, (entry, group) in enumerate(plan, start=1):
        where = f"category {entry['code']}"
        parent = Category.objects.get(code=group["code"]) if group else None
        kind = entry.get("kind") or (group or {}).get("kind")
        category, _created = Category.objects.update_or_create(
            code=entry["code"],
            defaults={
                "parent": parent,
                "kind": kind,
                "name": entry["name"],
                "name_en": entry.get("name_en", ""),
                "description": entry.get("description", ""),
                "keywords": entry.get("keywords", ""),
                "classifier_label": entry.get("label", ""),
                "default_department": _department(entry.get("department"), path, where),
                "anonymous_allowed": bool(entry.get("anonymous_allowed", True)),
                "requires_booking": bool(entry.get("requires_booking", False)),
                "duplicate_radius_m": int(entry.get("duplicate_radius_m", 50)),
                "duplicate_window_hours": int(entry.get("duplicate_window_hours", 168)),
                "order": order,
                "active": bool(entry.get("active", True)),
            },
        )
        counts["categories" if group else "groups"] += 1
        for stage, hours in (entry.get("limits") or {}).items():
            TimeLimit.objects.update_or_create(
                category=category,
                stage=stage,
                defaults={"working_hours": float(hours), "source": entry.get("limit_source", "")},
            )
            counts["limits"] += 1
        wanted = []
        for a_order, attribute in enumerate(entry.get("attributes") or [], start=1):
            wanted.append(attribute["code"])
            Attribute.objects.filter(category=category, order=a_order).exclude(
                code=attribute["code"]
            ).delete()
            Attribute.objects.update_or_create(
                category=category,
                code=attribute["code"],
                defaults={
                    "order": a_order,
                    "datatype": attribute["datatype"],
                    "variable": bool(attribute.get("variable", True)),
                    "required": bool(attribute.get("required", False)),
                    "description": attribute["description"],
                    "description_en": attribute.get("description_en", ""),
                    "datatype_description": attribute.get("datatype_description", ""),
                    "values": attribute.get("values", []),
                },
            )
            counts["attributes"] += 1
        Attribute.objects.filter(category=category).exclude(code__in=wanted).delete()
    invalidate_catalogue()
    return counts


def _check_category_entry(entry: Any, path: Path, where: str, seen: set[str]) -> None:
    if not isinstance(entry, dict):
        raise DataFileError(f"{where} is not an object.", path=path)
    for key in ("code", "name"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise DataFileError(f"{where} lacks {key!r}.", path=path, field=key)
    code = entry["code"]
    if code in seen:
        raise DataFileError(f"{where}: code {code!r} appears twice.", path=path, field="code")
    seen.add(code)
    if len(code) > 20:
        raise DataFileError(f"{where}: code {code!r} is longer than 20 characters.", path=path)
    kind = entry.get("kind")
    if kind is not None and kind not in _KINDS:
        raise DataFileError(
            f"{where}: kind {kind!r} is not one of {', '.join(sorted(_KINDS))}.",
            path=path,
            field="kind",
        )
    for stage, hours in (entry.get("limits") or {}).items():
        if stage not in DEFAULT_LIMITS:
            raise DataFileError(
                f"{where}: unknown stage {stage!r} in limits.",
                path=path,
                field="limits",
                fix=f"Use {', '.join(DEFAULT_LIMITS)}.",
            )
        if not isinstance(hours, int | float) or not 0 < hours <= 2000:
            raise DataFileError(
                f"{where}: limit {stage}={hours!r} is not a number of working hours in (0, 2000].",
                path=path,
                field="limits",
            )
    orders: set[str] = set()
    for attribute in entry.get("attributes") or []:
        if (
            not isinstance(attribute, dict)
            or not attribute.get("code")
            or not attribute.get("description")
        ):
            raise DataFileError(
                f"{where}: an attribute lacks its code or description.",
                path=path,
                field="attributes",
            )
        if attribute["code"] in orders:
            raise DataFileError(
                f"{where}: attribute {attribute['code']!r} appears twice.",
                path=path,
                field="attributes",
            )
        orders.add(attribute["code"])
        if attribute.get("datatype") not in _DATATYPES:
            raise DataFileError(
                f"{where}: attribute {attribute['code']!r} has datatype "
                f"{attribute.get('datatype')!r}.",
                path=path,
                field="datatype",
                fix=f"Use one of {', '.join(sorted(_DATATYPES))} (Open311).",
            )
        if attribute["datatype"].endswith("valuelist") and not attribute.get("values"):
            raise DataFileError(
                f"{where}: list attribute {attribute['code']!r} has no values.",
                path=path,
                field="values",
            )


ROUTING_COLUMNS = ("category_code", "cell_code", "subdistrict_code", "department_code")


@transaction.atomic
def import_routing(*, path: Path, by: User | None = None) -> int:
    """Create or update routing rules from a CSV (category_code, cell_code, subdistrict_code,
    department_code[, note]); the whole file is checked first."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ROUTING_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise DataFileError(
                    f"the header lacks {', '.join(missing)}.",
                    path=path,
                    row=1,
                    field=missing[0],
                    fix=f"Columns: {', '.join(ROUTING_COLUMNS)}[, note].",
                )
            rows = list(reader)
    except FileNotFoundError:
        raise DataFileError("file not found.", path=path) from None
    planned = []
    for line, row in enumerate(rows, start=2):
        category = Category.objects.filter(code=row["category_code"].strip()).first()
        if category is None:
            raise DataFileError(
                f"unknown category {row['category_code']!r}.",
                path=path,
                row=line,
                field="category_code",
            )
        department = Department.objects.filter(code=row["department_code"].strip()).first()
        if department is None:
            raise DataFileError(
                f"unknown department {row['department_code']!r}.",
                path=path,
                row=line,
                field="department_code",
            )
        cell, sub = row["cell_code"].strip(), row["subdistrict_code"].strip()
        if cell and sub:
            raise DataFileError(
                "give a cell or a subdistrict, not both.", path=path, row=line, field="cell_code"
            )
        planned.append((category, cell, sub, department, (row.get("note") or "").strip()))
    for category, cell, sub, department, note in planned:
        RoutingRule.objects.update_or_create(
            category=category,
            cell_code=cell,
            subdistrict_code=sub,
            defaults={"department": department, "note": note[:200], "updated_by": by},
        )
    invalidate_catalogue()
    return len(planned)


@transaction.atomic
def set_routing_rule(
    *,
    category_code: str,
    department_code: str,
    cell_code: str = "",
    subdistrict_code: str = "",
    note: str = "",
    by: User | None,
) -> RoutingRule:
    """Staff edit the routing table: the department for a category in a cell, a subdistrict
    or everywhere."""
    category = Category.objects.filter(code=category_code).first()
    if category is None:
        raise InputError(
            f"Unknown category {category_code!r}.",
            field="category",
            value=category_code,
            fix="Pick a category from the catalogue.",
        )
    department = Department.objects.filter(code=department_code, active=True).first()
    if department is None:
        raise InputError(
            f"Unknown department {department_code!r}.",
            field="department",
            value=department_code,
            fix="Pick an active department.",
        )
    cell_code, subdistrict_code = cell_code.strip(), subdistrict_code.strip()
    if cell_code and subdistrict_code:
        raise InputError(
            "A rule applies to a grid cell or a subdistrict, not both.",
            field="cell_code",
            fix="Clear one of the two fields.",
        )
    if cell_code:
        from district.geo import services as geo

        geo.get_cell(cell_code)
    if subdistrict_code:
        from district.geo import services as geo

        known = {s.code for s in geo.list_subdistricts()}
        if subdistrict_code not in known:
            raise InputError(
                f"Unknown subdistrict {subdistrict_code!r}.",
                field="subdistrict_code",
                value=subdistrict_code,
                fix="Use a 12-digit subdistrict code from the district page.",
            )
    rule, _created = RoutingRule.objects.update_or_create(
        category=category,
        cell_code=cell_code,
        subdistrict_code=subdistrict_code,
        defaults={"department": department, "note": note[:200], "updated_by": by},
    )
    invalidate_catalogue()
    return rule


@transaction.atomic
def delete_routing_rule(*, rule_id: int, by: User | None) -> None:
    deleted, _ = RoutingRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFoundError(f"No routing rule {rule_id}.", field="rule", value=rule_id)
    invalidate_catalogue()


@transaction.atomic
def set_time_limit(*, category_code: str, stage: str, working_hours: float) -> TimeLimit:
    category = Category.objects.filter(code=category_code).first()
    if category is None:
        raise InputError(f"Unknown category {category_code!r}.", field="category")
    if stage not in DEFAULT_LIMITS:
        raise InputError(
            f"Unknown stage {stage!r}.", field="stage", fix=f"Use {', '.join(DEFAULT_LIMITS)}."
        )
    if not 0 < working_hours <= 2000:
        raise InputError(
            f"{working_hours!r} is not a number of working hours in (0, 2000].",
            field="working_hours",
        )
    limit, _created = TimeLimit.objects.update_or_create(
        category=category, stage=stage, defaults={"working_hours": working_hours}
    )
    invalidate_catalogue()
    return limit


# --- booking slots (bulky waste) ---------------------------------------------------------------


@transaction.atomic
def ensure_booking_slots(
    *,
    category_code: str,
    start: datetime,
    days: int = 14,
    hours: tuple[tuple[int, int], ...] = ((9, 12), (13, 17)),
    capacity: int = 20,
) -> int:
    """Create the pickup slots of the next ``days`` working days (idempotent)."""
    from district.cases.services.calendar import work_calendar

    category = Category.objects.filter(code=category_code, requires_booking=True).first()
    if category is None:
        raise InputError(
            f"{category_code!r} is not a service with booking slots.", field="category"
        )
    calendar = work_calendar()
    local = timezone.localtime(start)
    day = local.date()
    created = 0
    made = 0
    while made < days:
        day += timedelta(days=1)
        try:
            if not calendar.is_workday(day):
                continue
        except Exception:  # a missing year: skip, slots are made once the year is entered
            break
        made += 1
        for begin, end in hours:
            starts = timezone.make_aware(datetime(day.year, day.month, day.day, begin))
            ends = timezone.make_aware(datetime(day.year, day.month, day.day, end))
            _slot, was_created = BookingSlot.objects.get_or_create(
                category=category,
                starts_at=starts,
                subdistrict_code="",
                defaults={"ends_at": ends, "capacity": capacity},
            )
            created += int(was_created)
    return created


def open_slots(category_code: str, *, now: datetime | None = None) -> list[BookingSlot]:
    now = now or timezone.now()
    return list(
        BookingSlot.objects.filter(
            category__code=category_code, starts_at__gt=now, booked__lt=F("capacity")
        ).order_by("starts_at")[:40]
    )


def book_slot(*, slot_key: str, category: CategoryInfo, now: datetime) -> BookingSlot:
    """Take one place in a slot (inside the caller's transaction); refuses full or past slots."""
    raw = str(slot_key).removeprefix("slot-")
    if not raw.isdigit():
        raise InputError(
            f"Booking slot {slot_key!r} is not a slot.",
            field="slot",
            value=slot_key,
            fix="Pick one of the offered pickup times.",
        )
    slot = (
        BookingSlot.objects.select_for_update().filter(pk=int(raw), category_id=category.pk).first()
    )
    if slot is None:
        raise InputError(
            f"Booking slot {slot_key!r} does not exist for {category.name}.",
            field="slot",
            value=slot_key,
            fix="Pick one of the offered pickup times.",
        )
    if slot.starts_at <= now:
        raise InputError(
            f"The pickup time {timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M} has passed.",
            field="slot",
            value=slot_key,
            fix="Pick a later pickup time.",
        )
    taken = BookingSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise ConflictError(
            f"The pickup time {timezone.localtime(slot.starts_at):%Y-%m-%d %H:%M} is fully booked.",
            field="slot",
            value=slot_key,
            fix="Pick another pickup time.",
        )
    slot.refresh_from_db()
    return slot
