"""The legal limits on prepaid contracts, as versioned rule sets with effective dates.

A custody platform must refuse a contract the law forbids at the moment it is signed, so each
limit is data: the document, the article, the number, the product types it covers, and the
dates the document is in force. :func:`check_contract` picks the rule sets in force for the
contract's sector on its signing date and lists every limit the contract breaks, each citing
its rule. Amounts are integer fen (分) everywhere; RMB 1 = 100 fen.

What the rule sets hold, and where each number comes from (the research brief
``custody-anchors.md`` §1, plus the sources named in each rule set):

Fitness, Shanghai, from 2025-03-01 — 《上海市体育健身行业预付式消费经营活动监管实施办法(试行)》
(沪体规文〔2025〕1号), art. 8, the "三限" (limits on amount, term and count). Per consumer, for a
one-off or disguised collection: membership (会籍类) at most RMB 5,000 and 24 months; class
packs (课时类) at most RMB 20,000 and 60 sessions; stored value and other (储值类等) at most
RMB 5,000; all kinds together at most RMB 20,000. After a renewal (续约) the balance held and
the term and count it pays for must still respect these limits, so a renewal adds the
remaining balance, sessions and days of the renewed product. Single classes, single venue
visits and sports training for school pupils are outside its scope (art. 2); pupils' sports
training falls under the off-campus training rules. Before 2025-03-01 no fitness-specific
limit was found: contracts signed earlier are checked against nothing and the result says so.

Off-campus training (校外培训) for school pupils, national, from 2021 — 教育部等六部门
《关于加强校外培训机构预收费监管工作的通知》(教监管函〔2021〕2号), part 1(2): no collection, at once
or disguised as top-ups or multi-class cards, of fees covering more than 3 months or 60 class
hours (课时); all fees into the institution's one dedicated training-fee account; no training
loans. Local rules elsewhere (Chengdu, Hainan: no collection earlier than one month before a
new course, or before 20 class hours remain) are not Shanghai's and are not encoded.

Non-subject training (非学科类), national, from the end of 2022 — 教育部等十三部门
《关于规范面向中小学生的非学科类校外培训的意见》: the 3 months / 60 class hours limit and, in
addition, at most RMB 5,000. This one comes from a press report of the text (see the rule set);
it is marked ``verified=False`` until checked against the official text.

Commerce (retail, lodging and catering, residential services such as beauty and hairdressing),
national, from 2012-11-01 — MOFCOM 《单用途商业预付卡管理办法(试行)》(商务部令2012年第9号):
a named card (记名卡) holds at most RMB 5,000, an anonymous card at most RMB 1,000.

Two merchant-level rules sit beside the contract check: the 30 days' notice before closing
(:func:`check_closure_notice`) and the Shanghai 2019 custody thresholds
(:func:`custody_requirement`).

Dates marked in ``effective_from_note`` are the earliest dates a public copy shows, not a
verified date of the document: they never make a contract signed earlier look illegal.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from district.core.errors import InputError

from .money import format_yuan

YUAN = 100
"""Fen in one yuan (RMB 1 = 100 fen)."""


class Sector(StrEnum):
    """The business sector of the merchant, which decides the rule sets."""

    FITNESS = "fitness"  # 体育健身
    TRAINING = "training"  # 校外培训 (for school pupils, including sports training for pupils)
    COMMERCE = "commerce"  # 零售、住宿餐饮、居民服务 (beauty, hairdressing …)


class ProductType(StrEnum):
    """What the consumer prepays for."""

    MEMBERSHIP = "membership"  # 会籍类: a period of service (training: 按培训周期 by period)
    CLASS_PACK = "class_pack"  # 课时类: a number of sessions (training: 按课时 by class hours)
    STORED_VALUE = "stored_value"  # 储值类: a balance to spend


class TrainingKind(StrEnum):
    """Subject training (学科类, school subjects) or non-subject (非学科类, sport and arts)."""

    SUBJECT = "subject"
    NON_SUBJECT = "non_subject"


class Measure(StrEnum):
    """The quantity a limit bounds."""

    PRICE_FEN = "price_fen"  # the amount collected for this product (plus its remainder on renewal)
    TOTAL_FEN = "total_fen"  # all prepaid balances of this consumer with this merchant
    TERM_MONTHS = "term_months"  # the period of service paid for
    SESSIONS = "sessions"  # sessions or class hours paid for
    NOTICE_DAYS = "notice_days"  # days between an announcement and the event announced


@dataclass(frozen=True)
class Limit:
    """One numeric limit of a rule set.

    ``product_types`` empty means every product; ``named`` None means named and anonymous
    cards alike; ``with_renewal`` adds what remains of the renewed product to the measure.
    """

    code: str
    measure: Measure
    maximum: int
    article: str
    article_zh: str
    summary: str
    summary_zh: str
    product_types: frozenset[ProductType] = frozenset()
    named: bool | None = None
    with_renewal: bool = False
    verified: bool = True

    def applies_to(self, contract: ProposedContract) -> bool:
        """True if this limit covers the contract's product and card type."""
        if self.product_types and contract.product_type not in self.product_types:
            return False
        return self.named is None or self.named == contract.named


@dataclass(frozen=True)
class RuleSet:
    """A legal document's limits for one sector, with the dates it is in force."""

    code: str
    sector: Sector
    document: str
    document_en: str
    effective_from: date
    limits: tuple[Limit, ...]
    sources: tuple[str, ...]
    effective_until: date | None = None
    effective_from_note: str = ""
    training_kinds: frozenset[TrainingKind] = frozenset()
    notes: tuple[str, ...] = ()

    def in_force_on(self, day: date) -> bool:
        """True if the document applies to a contract signed on ``day``."""
        if day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until


_ALL_PRODUCTS = frozenset(ProductType)
_FITNESS_DOC = "《上海市体育健身行业预付式消费经营活动监管实施办法(试行)》(沪体规文〔2025〕1号)"
_TRAINING_DOC = "《教育部等六部门关于加强校外培训机构预收费监管工作的通知》(教监管函〔2021〕2号)"
_NON_SUBJECT_DOC = "《关于规范面向中小学生的非学科类校外培训的意见》(教育部等十三部门, 2022)"
_MOFCOM_DOC = "《单用途商业预付卡管理办法(试行)》(商务部令2012年第9号)"

FITNESS_SHANGHAI_2025 = RuleSet(
    code="fitness-shanghai-2025",
    sector=Sector.FITNESS,
    document=_FITNESS_DOC,
    document_en="Shanghai measures on prepaid consumption in the sports and fitness sector (trial)",
    effective_from=date(2025, 3, 1),
    limits=(
        Limit(
            "membership-amount",
            Measure.PRICE_FEN,
            5_000 * YUAN,
            "art. 8",
            "第八条",
            "a membership collects at most RMB 5,000, renewals included",
            "会籍类预付款金额不得超过5000元(续约后余额亦然)",
            frozenset({ProductType.MEMBERSHIP}),
            with_renewal=True,
        ),
        Limit(
            "membership-term",
            Measure.TERM_MONTHS,
            24,
            "art. 8",
            "第八条",
            "a membership pays for at most 24 months, renewals included",
            "会籍类预付款时长不得超过24个月(续约后剩余期限亦然)",
            frozenset({ProductType.MEMBERSHIP}),
            with_renewal=True,
        ),
        Limit(
            "class-pack-amount",
            Measure.PRICE_FEN,
            20_000 * YUAN,
            "art. 8",
            "第八条",
            "a class pack collects at most RMB 20,000, renewals included",
            "课时类预付款金额不得超过20000元(续约后余额亦然)",
            frozenset({ProductType.CLASS_PACK}),
            with_renewal=True,
        ),
        Limit(
            "class-pack-sessions",
            Measure.SESSIONS,
            60,
            "art. 8",
            "第八条",
            "a class pack pays for at most 60 sessions, renewals included",
            "课时类预付款次数不得超过60次(续约后剩余次数亦然)",
            frozenset({ProductType.CLASS_PACK}),
            with_renewal=True,
        ),
        Limit(
            "stored-value-amount",
            Measure.PRICE_FEN,
            5_000 * YUAN,
            "art. 8",
            "第八条",
            "stored value and other prepayments collect at most RMB 5,000, renewals included",
            "储值类等预付款金额不得超过5000元(续约后余额亦然)",
            frozenset({ProductType.STORED_VALUE}),
            with_renewal=True,
        ),
        Limit(
            "total-amount",
            Measure.TOTAL_FEN,
            20_000 * YUAN,
            "art. 8",
            "第八条",
            "all prepayments of one consumer with one merchant total at most RMB 20,000",
            "经营者对同一消费者收取各类预付凭证预付款总计不得超过20000元",
            _ALL_PRODUCTS,
        ),
    ),
    sources=(
        "https://tyj.sh.gov.cn/zcfg/20250116/da9c2903a724427dae94a7515c8bdd9c.html",
        "https://m.phsb.com/html/703/702846.html",
    ),
    notes=(
        "Issued 2025-01-13 by the Shanghai sports bureau with five other bodies; in force "
        "2025-03-01. Single classes and single venue visits are outside its scope, and so is "
        "sports training for school pupils (off-campus training rules apply).",
    ),
)

TRAINING_NATIONAL_2021 = RuleSet(
    code="training-national-2021",
    sector=Sector.TRAINING,
    document=_TRAINING_DOC,
    document_en="Notice of six ministries on supervising prepaid fees of off-campus training",
    effective_from=date(2021, 11, 11),
    effective_from_note=(
        "2021-11-11 is the date of the earliest public copy found (yxsjw.org.cn); the notice "
        "was issued in October or November 2021 and its own date is not verified."
    ),
    limits=(
        Limit(
            "training-term",
            Measure.TERM_MONTHS,
            3,
            "part 1(2)",
            "一(二)",
            "no fee may cover more than 3 months, whether collected at once or disguised as "
            "top-ups or multi-class cards",
            "不得一次性或以充值、次卡等形式变相收取时间跨度超过3个月的费用",
            _ALL_PRODUCTS,
        ),
        Limit(
            "training-class-hours",
            Measure.SESSIONS,
            60,
            "part 1(2)",
            "一(二)",
            "no fee may cover more than 60 class hours",
            "不得一次性或以充值、次卡等形式变相收取超过60课时的费用",
            _ALL_PRODUCTS,
        ),
    ),
    sources=(
        "http://yxsjw.org.cn/curriculum/show/227.html",
        "https://www.163.com/money/article/GNFDSUU700259DLP.html",
    ),
    notes=(
        "All prepaid fees go into the institution's single dedicated training-fee account; "
        "funds are supervised by bank custody or a risk reserve; no training loans.",
    ),
)

TRAINING_NON_SUBJECT_2022 = RuleSet(
    code="training-non-subject-2022",
    sector=Sector.TRAINING,
    document=_NON_SUBJECT_DOC,
    document_en="Opinion of thirteen ministries on non-subject off-campus training for pupils",
    effective_from=date(2022, 12, 29),
    effective_from_note=(
        "2022-12-29 is the date of the press report that quotes the text (Securities Times via "
        "hexun.com); the opinion's own date is not verified."
    ),
    training_kinds=frozenset({TrainingKind.NON_SUBJECT}),
    limits=(
        Limit(
            "non-subject-amount",
            Measure.PRICE_FEN,
            5_000 * YUAN,
            "fee rules",
            "收费管理",
            "non-subject training collects at most RMB 5,000 at once",
            "非学科类培训一次性收取或变相收取的费用不得超过5000元",
            _ALL_PRODUCTS,
            verified=False,
        ),
    ),
    sources=("http://news.hexun.com/2022-12-29/207561740.html",),
    notes=(
        "Not in the research brief; found in a press report quoting the opinion. Check the "
        "official text before relying on it.",
    ),
)

COMMERCE_MOFCOM_2012 = RuleSet(
    code="commerce-mofcom-2012",
    sector=Sector.COMMERCE,
    document=_MOFCOM_DOC,
    document_en="MOFCOM measures on single-purpose commercial prepaid cards (trial), revised 2016",
    effective_from=date(2012, 11, 1),
    limits=(
        Limit(
            "named-card-amount",
            Measure.PRICE_FEN,
            5_000 * YUAN,
            "card limits (article number not verified)",
            "限额发行(条号未核)",
            "a named card holds at most RMB 5,000",
            "单张记名卡限额不得超过5000元",
            _ALL_PRODUCTS,
            named=True,
        ),
        Limit(
            "anonymous-card-amount",
            Measure.PRICE_FEN,
            1_000 * YUAN,
            "card limits (article number not verified)",
            "限额发行(条号未核)",
            "an anonymous card holds at most RMB 1,000",
            "单张不记名卡限额不得超过1000元",
            _ALL_PRODUCTS,
            named=False,
        ),
    ),
    sources=(
        "https://business.sohu.com/20120928/n354094226.shtml",
        "http://m.yujjsks.com/content/2011-11/23/content_9020396.htm",
    ),
    notes=(
        "Covers retail, lodging and catering, and residential services (beauty, hairdressing). "
        "Named cards have no expiry; anonymous cards are valid at least 3 years.",
    ),
)

RULE_SETS: tuple[RuleSet, ...] = (
    FITNESS_SHANGHAI_2025,
    TRAINING_NATIONAL_2021,
    TRAINING_NON_SUBJECT_2022,
    COMMERCE_MOFCOM_2012,
)
"""Every rule set the platform knows, oldest documents last within a sector."""


@dataclass(frozen=True)
class ProposedContract:
    """A prepaid contract about to be signed, as the limit check needs it.

    - ``price_fen``: what the consumer pays now for this product;
    - ``sessions``: sessions bought (class hours for training), for class packs;
    - ``term_months`` or ``term_days``: the period of service bought;
    - ``existing_prepaid_fen``: the consumer's unconsumed prepaid balance with this merchant
      before this contract, all products together (it includes ``renewal_remaining_fen``);
    - ``renewal_remaining_*``: for a renewal (续约), what is left of the product renewed;
    - ``named``: a named (记名) card rather than an anonymous one;
    - ``training_kind``: for training, subject or non-subject.
    """

    sector: Sector
    product_type: ProductType
    price_fen: int
    signed_on: date
    sessions: int | None = None
    term_months: int | None = None
    term_days: int | None = None
    existing_prepaid_fen: int = 0
    renewal_remaining_fen: int = 0
    renewal_remaining_sessions: int = 0
    renewal_remaining_days: int = 0
    named: bool = True
    training_kind: TrainingKind | None = None


@dataclass(frozen=True)
class Violation:
    """A limit the contract breaks, citing the rule and the value given."""

    rule_set: str
    document: str
    article: str
    limit_code: str
    measure: Measure
    maximum: int
    value: int
    field: str
    message: str
    message_zh: str
    verified: bool = True
    article_zh: str = ""  # 第八条: the article as the Chinese page names it


@dataclass(frozen=True)
class ContractCheck:
    """The outcome of :func:`check_contract`."""

    violations: tuple[Violation, ...]
    rule_sets: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True if no limit is broken."""
        return not self.violations

    def as_error(self) -> InputError | None:
        """An :class:`InputError` listing every violation by field, or None when ``ok``."""
        if self.ok:
            return None
        errors: dict[str, list[str]] = {}
        for violation in self.violations:
            errors.setdefault(violation.field, []).append(violation.message)
        first = self.violations[0]
        return InputError(
            f"The contract breaks {len(self.violations)} legal limit(s); first: {first.message}",
            field=first.field,
            value=first.value,
            errors=errors,
            fix="Lower the amount, term or sessions, or sell a shorter product.",
        )


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _format_fen(amount_fen: int) -> str:
    return f"RMB {format_yuan(amount_fen)}"


def _validate(contract: ProposedContract) -> None:
    integers = {
        "price_fen": contract.price_fen,
        "existing_prepaid_fen": contract.existing_prepaid_fen,
        "renewal_remaining_fen": contract.renewal_remaining_fen,
        "renewal_remaining_sessions": contract.renewal_remaining_sessions,
        "renewal_remaining_days": contract.renewal_remaining_days,
        "sessions": contract.sessions,
        "term_months": contract.term_months,
        "term_days": contract.term_days,
    }
    for name, value in integers.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(
                f"{name} is {value!r}; it must be a whole number",
                field=name,
                value=value,
                fix="Give money in integer fen (RMB 1 = 100 fen).",
            )
        if value < 0:
            raise InputError(f"{name} is {value}; it cannot be negative", field=name, value=value)
    if contract.price_fen == 0:
        raise InputError("price_fen is 0; a prepaid contract collects money", field="price_fen")
    if contract.renewal_remaining_fen > contract.existing_prepaid_fen:
        raise InputError(
            f"renewal_remaining_fen ({contract.renewal_remaining_fen}) exceeds "
            f"existing_prepaid_fen ({contract.existing_prepaid_fen})",
            field="renewal_remaining_fen",
            value=contract.renewal_remaining_fen,
            fix="existing_prepaid_fen is the whole unconsumed balance, the renewed product's "
            "remainder included.",
        )
    if contract.term_months is not None and contract.term_days is not None:
        raise InputError(
            "Give term_months or term_days, not both",
            field="term_days",
            value=contract.term_days,
        )
    if contract.product_type is ProductType.MEMBERSHIP and (
        contract.term_months is None and contract.term_days is None
    ):
        raise InputError(
            "A membership needs its term",
            field="term_months",
            fix="Give term_months (or term_days) of the period bought.",
        )
    if contract.product_type is ProductType.CLASS_PACK and not contract.sessions:
        raise InputError(
            "A class pack needs its number of sessions",
            field="sessions",
            value=contract.sessions,
            fix="Give sessions (class hours for training) >= 1.",
        )


def _term_end(contract: ProposedContract, with_renewal: bool) -> date | None:
    """The last day (exclusive) of the service paid for, counted from the signing date."""
    start = contract.signed_on
    if with_renewal:
        start += timedelta(days=contract.renewal_remaining_days)
    if contract.term_months is not None:
        return add_months(start, contract.term_months)
    if contract.term_days is not None:
        return start + timedelta(days=contract.term_days)
    if with_renewal and contract.renewal_remaining_days:
        return start
    return None


def _check_limit(rule_set: RuleSet, limit: Limit, contract: ProposedContract) -> Violation | None:
    renewal = limit.with_renewal
    value: int
    where: str
    if limit.measure is Measure.PRICE_FEN:
        value = contract.price_fen + (contract.renewal_remaining_fen if renewal else 0)
        if value <= limit.maximum:
            return None
        where, shown = "price_fen", _format_fen(value)
        allowed = _format_fen(limit.maximum)
        extra = " with the renewed balance" if renewal and contract.renewal_remaining_fen else ""
    elif limit.measure is Measure.TOTAL_FEN:
        value = contract.existing_prepaid_fen + contract.price_fen
        if value <= limit.maximum:
            return None
        where, shown, allowed = "price_fen", _format_fen(value), _format_fen(limit.maximum)
        extra = f" (existing balance {_format_fen(contract.existing_prepaid_fen)} plus this one)"
    elif limit.measure is Measure.SESSIONS:
        if contract.sessions is None:
            return None
        value = contract.sessions + (contract.renewal_remaining_sessions if renewal else 0)
        if value <= limit.maximum:
            return None
        where, shown, allowed = "sessions", f"{value} sessions", f"{limit.maximum}"
        extra = (
            " with the renewed sessions" if renewal and contract.renewal_remaining_sessions else ""
        )
    elif limit.measure is Measure.TERM_MONTHS:
        end = _term_end(contract, renewal)
        if end is None:
            return None
        latest = add_months(contract.signed_on, limit.maximum)
        if end <= latest:
            return None
        value = (end - contract.signed_on).days
        where = "term_months" if contract.term_months is not None else "term_days"
        shown = f"{value} days (to {end.isoformat()})"
        allowed = f"{limit.maximum} months (to {latest.isoformat()})"
        extra = " with the renewed period" if renewal and contract.renewal_remaining_days else ""
    else:
        return None
    message = (
        f"{shown}{extra} is more than {allowed}: {limit.summary} "
        f"({rule_set.document_en}, {limit.article})"
    )
    message_zh = f"{limit.summary_zh}（{rule_set.document}{limit.article_zh}）"
    return Violation(
        rule_set.code,
        rule_set.document,
        limit.article,
        limit.code,
        limit.measure,
        limit.maximum,
        value,
        where,
        message,
        message_zh,
        limit.verified,
        limit.article_zh,
    )


def rule_sets_in_force(
    sector: Sector, on: date, rule_sets: Sequence[RuleSet] = RULE_SETS
) -> list[RuleSet]:
    """The rule sets for ``sector`` in force on ``on``."""
    return [rules for rules in rule_sets if rules.sector is sector and rules.in_force_on(on)]


def check_contract(
    contract: ProposedContract, rule_sets: Sequence[RuleSet] = RULE_SETS
) -> ContractCheck:
    """Every legal limit ``contract`` breaks on its signing date, each citing its rule.

    Raises :class:`InputError` for an impossible contract (negative money, a membership
    without a term, a class pack without sessions). An empty ``violations`` means no limit in
    the rule sets is broken, not that the contract is legal in every respect: ``notes`` say
    what could not be checked.
    """
    _validate(contract)
    notes: list[str] = []
    violations: list[Violation] = []
    applied: list[str] = []
    in_force = rule_sets_in_force(contract.sector, contract.signed_on, rule_sets)
    if not in_force:
        notes.append(
            f"No {contract.sector.value} rule set was in force on "
            f"{contract.signed_on.isoformat()}; nothing was checked."
        )
    for rules in in_force:
        if rules.training_kinds:
            if contract.training_kind is None:
                notes.append(
                    f"{rules.document_en} applies only to "
                    f"{', '.join(sorted(kind.value for kind in rules.training_kinds))} training; "
                    "give training_kind to check it."
                )
                continue
            if contract.training_kind not in rules.training_kinds:
                continue
        applied.append(rules.code)
        for limit in rules.limits:
            if not limit.applies_to(contract):
                continue
            violation = _check_limit(rules, limit, contract)
            if violation is not None:
                violations.append(violation)
    if (
        contract.sector is Sector.TRAINING
        and contract.product_type is ProductType.STORED_VALUE
        and contract.sessions is None
        and contract.term_months is None
        and contract.term_days is None
    ):
        notes.append(
            "A training top-up without sessions or term cannot be checked against 3 months / "
            "60 class hours; the notice forbids top-ups that cover more."
        )
    return ContractCheck(tuple(violations), tuple(applied), tuple(notes))


CLOSURE_NOTICE_DAYS = 30
_REGULATION_DOC = "《上海市单用途预付消费卡管理规定》"


def check_closure_notice(published_on: date, closes_on: date) -> Violation | None:
    """A violation if a closure, suspension or move is announced less than 30 days ahead.

    《上海市单用途预付消费卡管理规定》 (in force 2019-01-01): the merchant announces 30 days before
    closing, suspending or moving and tells named-card holders by phone, SMS or e-mail; the
    copy found numbers it art. 13 (the article number is not verified).
    """
    notice_days = (closes_on - published_on).days
    if notice_days >= CLOSURE_NOTICE_DAYS:
        return None
    return Violation(
        "prepaid-card-regulation-shanghai-2019",
        _REGULATION_DOC,
        "art. 13 (not verified)",
        "closure-notice",
        Measure.NOTICE_DAYS,
        CLOSURE_NOTICE_DAYS,
        notice_days,
        "closes_on",
        f"The closure on {closes_on.isoformat()} was announced on {published_on.isoformat()}, "
        f"{notice_days} days ahead; the Shanghai prepaid-card regulation requires "
        f"{CLOSURE_NOTICE_DAYS} days' notice",
        "经营者决定停业、歇业或迁移经营场所的,应当提前三十日发布告示",
        verified=False,
    )


@dataclass(frozen=True)
class CustodyRequirement:
    """How much of a merchant's prepaid balance the 2019 Shanghai measures put in custody."""

    required_fen: int
    ratio_percent: int
    reason: str
    in_force: bool


GENERAL_THRESHOLD_FEN = 200_000 * YUAN
SPECIAL_CAP_FEN = 50_000_000 * YUAN
MEASURES_2019_FROM = date(2019, 5, 1)
MEASURES_2019_UNTIL = date(2024, 4, 30)


def custody_requirement(
    balance_fen: int,
    last_year_revenue_fen: int,
    merchant_age_days: int,
    on: date,
) -> CustodyRequirement:
    """The custody amount under the 2019 Shanghai measures, arts. 10–11.

    《上海市单用途预付消费卡管理实施办法》(in force 2019-05-01, expired 2024-04-30):
    - a balance above RMB 200,000 (general threshold) puts 40 % of the whole balance in the
      dedicated deposit account;
    - a balance above the special threshold, 20 % of last year's main-business revenue when
      that exceeds RMB 200,000, capped at RMB 50 million, puts 100 % in custody;
    - a merchant less than one year old with a balance above RMB 200,000 puts 100 %.
    Insurance or guarantees may replace part of it (not modelled). The reading of the special
    threshold is the research brief's and is **not verified**; no successor thresholds were
    found, so ``in_force`` is False outside the measures' dates and the figure is advisory.
    Amounts round up to the fen (custody never falls short by a rounding).
    """
    for name, value in (
        ("balance_fen", balance_fen),
        ("last_year_revenue_fen", last_year_revenue_fen),
        ("merchant_age_days", merchant_age_days),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InputError(f"{name} is {value!r}; give a whole number >= 0", field=name)
    in_force = MEASURES_2019_FROM <= on <= MEASURES_2019_UNTIL
    if balance_fen <= GENERAL_THRESHOLD_FEN:
        return CustodyRequirement(0, 0, "balance at or below RMB 200,000", in_force)
    special_fen = -(-last_year_revenue_fen * 20 // 100)
    if merchant_age_days < 365:
        return CustodyRequirement(
            balance_fen, 100, "merchant under one year old, balance above RMB 200,000", in_force
        )
    if special_fen > GENERAL_THRESHOLD_FEN and balance_fen > min(special_fen, SPECIAL_CAP_FEN):
        return CustodyRequirement(
            balance_fen,
            100,
            "balance above 20 % of last year's revenue (capped at RMB 50 million)",
            in_force,
        )
    return CustodyRequirement(
        -(-balance_fen * 40 // 100), 40, "balance above RMB 200,000", in_force
    )
