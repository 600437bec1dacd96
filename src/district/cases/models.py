"""Cases: the catalogue, the working-day calendar, cases and their timeline.

Every report (12345 hotline, web, Open311 app, grid worker, sensor, a suggestion from
participation) becomes one :class:`Case`, handled to the end through the stages of GB/T
30428 part 8: 受理 received → 立案 registered → 派遣 dispatched → 处置 handled → 核查
verified → 结案 closed. Every transition is a :class:`CaseEvent` (who, when, why, photos).

Cases refer to the geography by codes (grid cell, subdistrict) rather than by foreign keys:
apps talk through services, and a case keeps the cell it was located in even if the grid is
rebuilt. Writes go through ``district.cases.services`` only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from district.accounts.models import Department

# --- the catalogue ---------------------------------------------------------------------------


class Category(models.Model):
    """A category of the catalogue: a 大类 (major class, ``parent`` empty) or a 小类 (minor class).

    Minor classes are the Open311 services: ``code`` is the service code. ``kind`` follows
    GB/T 30428 part 2: 部件 components (objects with an owner: a manhole cover, a street
    light) and 事件 events (things that happen: dumped rubbish, street vending), plus 服务
    services that residents book or ask for (bulky-waste pickup 大件垃圾, the 12345 demands).
    """

    class Kind(models.TextChoices):
        COMPONENT = "component", _("component")  # 部件
        EVENT = "event", _("event")  # 事件
        SERVICE = "service", _("service")  # 服务

    code = models.CharField(_("service code"), max_length=20, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("major class"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    # One of the seven first-level labels the text classifier predicts (城乡建设 …).
    classifier_label = models.CharField(_("classifier label"), max_length=20, blank=True)
    default_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("default department"),
    )
    anonymous_allowed = models.BooleanField(_("anonymous reports allowed"), default=True)
    requires_booking = models.BooleanField(_("needs a booking slot"), default=False)
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate radius (m)"), default=50)
    duplicate_window_hours = models.PositiveIntegerField(_("duplicate window (hours)"), default=168)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["component", "event", "service"]),
                name="cases_category_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_radius_m__gt=0) & Q(duplicate_window_hours__gt=0),
                name="cases_category_duplicate_window_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_minor(self) -> bool:
        return self.parent_id is not None


class Stage(models.TextChoices):
    """The timed stages of a case; each has a limit in working hours per category."""

    REGISTER = "register", _("registration")  # 立案: received → registered
    DISPATCH = "dispatch", _("dispatch")  # 派遣: registered → dispatched
    HANDLE = "handle", _("handling")  # 处置: dispatched → handled
    VERIFY = "verify", _("verification")  # 核查: handled → closed


class TimeLimit(models.Model):
    """How many working hours (工作时) a stage may take for a category (table-driven SLA)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="time_limits")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    working_hours = models.FloatField(_("working hours"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["category", "stage"]
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(fields=["category", "stage"], name="cases_limit_unique"),
            models.CheckConstraint(
                condition=Q(working_hours__gt=0) & Q(working_hours__lte=2000),
                name="cases_limit_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=["register", "dispatch", "handle", "verify"]),
                name="cases_limit_stage_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.stage}: {self.working_hours:g} h"


class Attribute(models.Model):
    """An Open311 custom attribute of a service (a question the report form asks)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLE = "singlevaluelist", _("one of a list")
        MULTI = "multivaluelist", _("several of a list")

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    code = models.SlugField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"))
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype.choices)
    variable = models.BooleanField(_("asks for a value"), default=True)
    required = models.BooleanField(_("required"), default=False)
    description = models.CharField(_("question"), max_length=200)
    description_en = models.CharField(_("question (English)"), max_length=200, blank=True)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    # For list datatypes: [{"key": "sofa", "name": "沙发"}, ...]
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        ordering = ["category", "order"]
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="cases_attribute_code"),
            models.UniqueConstraint(fields=["category", "order"], name="cases_attribute_order"),
            models.CheckConstraint(condition=Q(order__gt=0), name="cases_attribute_order_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"


class RoutingRule(models.Model):
    """The responsible department for a category in a grid cell, a subdistrict or anywhere
    (派单目录). The most specific rule wins: cell, then subdistrict, then the category-wide rule,
    then the same for the major class, then the category's default department."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing")
    cell_code = models.CharField(_("grid cell"), max_length=20, blank=True)
    subdistrict_code = models.CharField(_("subdistrict"), max_length=12, blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "subdistrict_code", "cell_code"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "cell_code", "subdistrict_code"], name="cases_routing_unique"
            ),
            models.CheckConstraint(
                condition=Q(cell_code="") | Q(subdistrict_code=""),
                name="cases_routing_one_scope",
            ),
        ]

    def __str__(self) -> str:
        scope = self.cell_code or self.subdistrict_code or "*"
        return f"{self.category.code} @ {scope} → {self.department.code}"


class BookingSlot(models.Model):
    """A pickup slot for a booked service (bulky waste 大件垃圾): a time window with a capacity."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    subdistrict_code = models.CharField(_("subdistrict"), max_length=12, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.PositiveIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("booking slot")
        verbose_name_plural = _("booking slots")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "starts_at", "subdistrict_code"], name="cases_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="cases_slot_capacity"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="cases_slot_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def key(self) -> str:
        """The slot's Open311 attribute value."""
        return f"slot-{self.pk}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


# --- the working-day calendar ------------------------------------------------------------------


class CalendarYear(models.Model):
    """A year whose public holidays and adjusted working days (调休) are entered.

    Seeded from the ``chinese-calendar`` package; administrators enter later years when the
    State Council publishes them. A year without a row (and unknown to the package) is
    missing: deadlines that reach into it are provisional and staff are warned.
    """

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        ADMINISTRATOR = "administrator", _("entered by an administrator")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="cases_calendar_year_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A public holiday (休) or an adjusted working day (调休, a weekend day worked)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        WORKDAY = "workday", _("adjusted working day")

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]), name="cases_calendar_day_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


# --- cases -----------------------------------------------------------------------------------


class Status(models.TextChoices):
    RECEIVED = "received", _("received")  # 受理
    REGISTERED = "registered", _("registered")  # 立案
    DISPATCHED = "dispatched", _("dispatched")  # 派遣 (being handled 处置)
    HANDLED = "handled", _("handled, awaiting verification")  # 处置完毕, 待核查
    CLOSED = "closed", _("closed")  # 结案
    REJECTED = "rejected", _("not registered")  # 不予立案
    MERGED = "merged", _("merged into another case")  # 合并


OPEN_STATUSES = ("received", "registered", "dispatched", "handled")
FINAL_STATUSES = ("closed", "rejected", "merged")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345 hotline")
    WEB = "web", _("web")
    OPEN311 = "open311", _("Open311 app")
    GRID_WORKER = "grid_worker", _("grid worker patrol")
    SENSOR = "sensor", _("sensor alarm")
    PARTICIPATION = "participation", _("Ning Lai Shuo suggestion")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")  # 满意
    BASIC = "basic", _("basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("dissatisfied")  # 不满意


class DueState(models.TextChoices):
    OK = "ok", _("on time")
    DUE_SOON = "due_soon", _("due soon")
    OVERDUE = "overdue", _("overdue")


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self) -> CaseQuerySet:
        return self.open().filter(due_state=DueState.OVERDUE)

    def due_soon(self) -> CaseQuerySet:
        return self.open().filter(due_state=DueState.DUE_SOON)

    def of_reporter(self, user: Any) -> CaseQuerySet:
        return self.filter(reporter=user)

    def in_department(self, department: Department | None) -> CaseQuerySet:
        return self.filter(department=department) if department else self.none()

    def with_related(self) -> CaseQuerySet:
        return self.select_related("category", "category__parent", "department")

    def not_synthetic(self) -> CaseQuerySet:
        return self.filter(is_synthetic=False)


class Case(models.Model):
    """One reported problem, handled to the end."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    token = models.CharField(_("Open311 token"), max_length=32, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("category")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    title = models.CharField(_("subject"), max_length=100)
    description = models.TextField(_("description"))
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)

    # Where: WGS-84, located to a grid cell and subdistrict (codes from geo).
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    located_by = models.CharField(_("located by"), max_length=120, blank=True)
    cell_code = models.CharField(_("grid cell"), max_length=20, blank=True, db_index=True)
    subdistrict_code = models.CharField(_("subdistrict"), max_length=12, blank=True)
    subdistrict_name = models.CharField(_("subdistrict name"), max_length=40, blank=True)

    # Who reported it. Personal data: never in public output (Open311, tracking page).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        verbose_name=_("reporter"),
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter_name = models.CharField(_("reporter's name"), max_length=60, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=30, blank=True)
    reporter_email = models.CharField(_("reporter's e-mail"), max_length=120, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    access_key_hash = models.CharField(max_length=64, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    submitted_by = models.CharField(_("submitted by"), max_length=120, blank=True)

    # The party complained about (a merchant, a school), for consumer disputes.
    subject_name = models.CharField(_("party complained about"), max_length=100, blank=True)
    subject_licence = models.CharField(_("its licence number"), max_length=30, blank=True)

    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("department"),
    )
    routed_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("suggested department"),
    )
    booking_slot = models.ForeignKey(
        BookingSlot, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )

    # Deadlines in working time. stage_* is the current stage; due_at is the handling
    # deadline (Open311 expected_datetime), extended by approved extensions.
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due_at = models.DateTimeField(_("stage deadline"), null=True, blank=True)
    due_soon_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    due_state = models.CharField(
        _("deadline state"), max_length=10, choices=DueState.choices, default=DueState.OK
    )
    deadline_provisional = models.BooleanField(_("provisional deadline"), default=False)
    extension_hours = models.FloatField(_("approved extension (working hours)"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    supervision_count = models.PositiveSmallIntegerField(_("times supervised"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    received_at = models.DateTimeField(_("received"))
    received_week = models.DateField(_("week received"))  # Monday, Asia/Shanghai
    registered_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))

    # Outcome and figures (set when the case closes, so KPIs are plain SQL aggregates).
    outcome = models.TextField(_("outcome"), blank=True)
    on_time = models.BooleanField(_("handled on time"), null=True, blank=True)
    handling_working_hours = models.FloatField(null=True, blank=True)
    total_working_hours = models.FloatField(null=True, blank=True)
    is_repeat = models.BooleanField(_("repeat complaint"), default=False)
    rating = models.CharField(
        _("rating"), max_length=12, choices=Rating.choices, blank=True, default=""
    )
    rated_at = models.DateTimeField(null=True, blank=True)
    dissatisfied_reopen_used = models.BooleanField(default=False)

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    split_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="split_cases"
    )
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.PositiveIntegerField(default=1)
    is_demo = models.BooleanField(_("demo"), default=False)
    is_synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("view_console", "Can open the staff console and see cases"),
            ("register_case", "Can register (立案) or refuse cases"),
            ("dispatch_case", "Can dispatch (派遣) cases to departments"),
            ("handle_case", "Can handle (处置) cases of their department"),
            ("verify_case", "Can verify (核查) cases on site"),
            ("supervise_case", "Can supervise (督办) and escalate (提级) cases"),
            ("decide_extension", "Can approve or refuse extensions (延期)"),
            ("merge_case", "Can merge and split cases"),
            ("view_kpis", "Can see KPIs and hotspots"),
            ("edit_routing", "Can edit the routing table and initiatives"),
            ("edit_calendar", "Can enter holidays and adjusted working days"),
        ]
        indexes = [
            models.Index(fields=["status", "department"], name="cases_status_dept"),
            models.Index(fields=["received_at"], name="cases_received"),
            models.Index(fields=["closed_at"], name="cases_closed"),
            models.Index(fields=["received_week", "cell_code"], name="cases_week_cell"),
            models.Index(fields=["stage_due_at"], name="cases_stage_due"),
            models.Index(fields=["due_soon_at"], name="cases_due_soon"),
            models.Index(fields=["subject_licence"], name="cases_subject_licence"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="cases_case_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="cases_case_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating__in=["", *[r.value for r in Rating]]),
                name="cases_case_rating_valid",
            ),
            models.CheckConstraint(
                condition=Q(due_state__in=[d.value for d in DueState]),
                name="cases_case_due_state_valid",
            ),
            models.CheckConstraint(
                condition=(Q(lon__isnull=True) & Q(lat__isnull=True))
                | (Q(lon__gte=-180) & Q(lon__lte=180) & Q(lat__gte=-90) & Q(lat__lte=90)),
                name="cases_case_point_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="cases_case_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["dispatched", "handled"]) | Q(department__isnull=False),
                name="cases_case_dispatched_has_department",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="cases_case_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=2), name="cases_case_escalation_range"
            ),
            models.CheckConstraint(
                condition=Q(extension_hours__gte=0), name="cases_case_extension_nonnegative"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["registered", "dispatched", "handled", "closed"])
                | Q(cell_code__gt=""),
                name="cases_case_registered_is_located",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return "open" if self.status in OPEN_STATUSES else "closed"


class CaseEvent(models.Model):
    """One entry of a case's timeline: a transition or a note, with who, when and why."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("received")
        REGISTERED = "registered", _("registered")
        REJECTED = "rejected", _("not registered")
        DISPATCHED = "dispatched", _("dispatched")
        RETURNED = "returned", _("returned to the dispatcher")  # 回退
        HANDLED = "handled", _("handled")
        VERIFIED = "verified", _("verified on site and closed")  # 核查通过, 结案
        VERIFICATION_FAILED = "verification_failed", _("verification failed")
        EXTENSION_REQUESTED = "extension_requested", _("extension requested")  # 延期申请
        EXTENSION_APPROVED = "extension_approved", _("extension approved")
        EXTENSION_REFUSED = "extension_refused", _("extension refused")
        SUPERVISED = "supervised", _("supervised")  # 督办
        ESCALATED = "escalated", _("escalated")  # 提级
        DUE_SOON = "due_soon", _("deadline near")
        OVERDUE = "overdue", _("overdue")
        REOPENED = "reopened", _("reopened")
        RATED = "rated", _("rated")
        MERGED = "merged", _("merged")
        MERGED_IN = "merged_in", _("duplicate merged in")
        UNMERGED = "unmerged", _("separated")
        SPLIT = "split", _("split")
        LOCATED = "located", _("located")
        RECATEGORISED = "recategorised", _("category changed")
        CLOSED = "closed", _("closed")
        NOTE = "note", _("note")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who"), max_length=120, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    reason = models.TextField(_("why"), blank=True)
    public = models.BooleanField(_("shown to the public"), default=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Photo(models.Model):
    """A photo of a case: the reporter's (private) or staff's before/after (public)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    file = models.FileField(_("file"), upload_to="cases/photos/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveIntegerField()
    public = models.BooleanField(_("public"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return str(self.file.name)


class ExtensionRequest(models.Model):
    """A request for more handling time (延期申请), decided by a supervisor or dispatcher."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    hours = models.FloatField(_("working hours"))
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default="pending")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state="pending"), name="cases_one_pending_extension"
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=70), name="cases_extension_hours_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.hours:g} h ({self.state})"


class Notification(models.Model):
    """A message to a person about a case (the outcome to every reporter, a supervision
    notice to a department). Web notices show on "My cases"; SMS/e-mail are queued here for
    a gateway (none is connected in the demo)."""

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("e-mail")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_notifications",
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default="web")
    address = models.CharField(max_length=120, blank=True)  # phone or e-mail for SMS/e-mail
    kind = models.CharField(max_length=24)
    text = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Campaign(models.Model):
    """A targeted initiative (专项行动, e.g. one of the "six targeted initiatives"): cases of
    some categories in some area, counted before and after the campaign started."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(Category, related_name="campaigns")
    subdistrict_codes = models.JSONField(_("subdistricts"), default=list, blank=True)
    cell_codes = models.JSONField(_("grid cells"), default=list, blank=True)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    compare_weeks = models.PositiveSmallIntegerField(_("weeks compared"), default=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("targeted initiative")
        verbose_name_plural = _("targeted initiatives")
        constraints = [
            models.UniqueConstraint(fields=["name", "starts_on"], name="cases_campaign_unique"),
            models.CheckConstraint(
                condition=Q(compare_weeks__gte=1) & Q(compare_weeks__lte=52),
                name="cases_campaign_weeks_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
