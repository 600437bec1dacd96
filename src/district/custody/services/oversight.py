"""The regulator's and the custodian's view: risk warnings, bank reconciliation, checks.

**Risk warnings** (风险预警), one per merchant, kind and week (UNIQUE):

- ``balance``: the merchant's prepaid balance in custody is above what the 2019 Shanghai
  measures allowed outside full custody (``rules.custody_requirement`` asks for 100 %: above
  20 % of last year's revenue, or a merchant under one year old above RMB 200,000), or, at
  RMB 50,000 or more, above twice its own balance of 90 days before (its history);
- ``sales_burst``: sales of the last 7 days at least ``SALES_BURST_FACTOR`` times the weekly
  average of the 8 weeks before, and at least RMB 20,000 — the pattern before a run;
- ``complaints``: at least ``COMPLAINTS_MIN`` complaints about the merchant in the last 30
  days, or ``COMPLAINTS_OPEN_MIN`` still open (``cases.services.complaints_about_merchant``).

**Bank statements** (CSV, UTF-8, header row): ``date`` (YYYY-MM-DD), ``amount`` (yuan with
up to 2 decimals, negative when money left the custody account), ``reference`` (the
platform's reference written on the transfer: ``CT-…`` deposits, ``RF-…`` refunds, ``ST-…``
settlements), ``counterparty`` (optional) and ``balance`` (optional, the account balance after
the line). Each line is matched to the ledger movement of the custody bank account with that
reference; the report lists lines the ledger lacks, ledger movements of the statement's days
the bank lacks, amounts that differ, and the closing balance against the ledger's.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from district.cases import services as cases
from district.core.errors import DataFileError, InputError
from district.custody import money, rules
from district.custody.ledger import custody_bank, run_atomic
from district.custody.models import (
    Account,
    BankStatement,
    Contract,
    Merchant,
    RiskWarning,
    StatementLine,
    Transfer,
)
from district.custody.money import SHANGHAI

from .common import clock, local_day, require_permission

SALES_BURST_FACTOR = 3
SALES_BURST_MIN_FEN = 20_000 * 100
COMPLAINTS_DAYS = 30
COMPLAINTS_MIN = 3
COMPLAINTS_OPEN_MIN = 2
HISTORY_FACTOR = 2
HISTORY_DAYS = 90
HISTORY_MIN_FEN = 50_000 * 100


def merchant_balance_fen(merchant: Merchant, *, at: datetime | None = None) -> int:
    """Consumers' money in custody for ``merchant`` now, or at the moment ``at``."""
    if at is None:
        totals = Account.objects.filter(
            kind=Account.Kind.CONSUMER_HELD, contract__merchant=merchant
        ).aggregate(c=Sum("credits_posted"), d=Sum("debits_posted"))
        return int(totals["c"] or 0) - int(totals["d"] or 0)
    posted = Transfer.objects.filter(
        merchant=merchant, kind__in=["posted", "post"], created_at__lt=at
    )
    credits = posted.filter(credit_account__kind=Account.Kind.CONSUMER_HELD).aggregate(
        s=Sum("amount_fen")
    )["s"]
    debits = posted.filter(debit_account__kind=Account.Kind.CONSUMER_HELD).aggregate(
        s=Sum("amount_fen")
    )["s"]
    return int(credits or 0) - int(debits or 0)


def _sales_fen(merchant: Merchant, start: datetime, end: datetime) -> int:
    total = merchant.contracts.filter(signed_at__gte=start, signed_at__lt=end).aggregate(
        s=Sum("price_fen")
    )["s"]
    return int(total or 0)


def _warn(
    merchant: Merchant,
    kind: str,
    week_of: date,
    message: str,
    figures: dict[str, Any],
    moment: datetime,
) -> RiskWarning:
    warning, _created = RiskWarning.objects.get_or_create(
        merchant=merchant,
        kind=kind,
        week_of=week_of,
        defaults={"message": message, "figures": figures, "raised_at": moment},
    )
    return warning


def _signals(merchant: Merchant, moment: datetime) -> list[tuple[str, str, dict[str, Any]]]:
    today = local_day(moment)
    found: list[tuple[str, str, dict[str, Any]]] = []
    balance = merchant_balance_fen(merchant)
    requirement = rules.custody_requirement(
        balance,
        merchant.last_year_revenue_fen or 0,
        max(0, (today - merchant.registered_on).days),
        today,
    )
    if requirement.ratio_percent == 100:
        found.append(
            (
                RiskWarning.Kind.BALANCE,
                f"{merchant.name}: prepaid balance {money.format_yuan(balance)} yuan — "
                f"{requirement.reason}",
                {
                    "balance_fen": balance,
                    "required_fen": requirement.required_fen,
                    "ratio_percent": requirement.ratio_percent,
                    "rule_in_force": requirement.in_force,
                },
            )
        )
    else:
        earlier = merchant_balance_fen(merchant, at=moment - timedelta(days=HISTORY_DAYS))
        if balance >= HISTORY_MIN_FEN and balance > HISTORY_FACTOR * earlier:
            found.append(
                (
                    RiskWarning.Kind.BALANCE,
                    f"{merchant.name}: prepaid balance {money.format_yuan(balance)} yuan, "
                    f"more than {HISTORY_FACTOR}× the {money.format_yuan(earlier)} yuan of "
                    f"{HISTORY_DAYS} days ago",
                    {"balance_fen": balance, "balance_before_fen": earlier, "days": HISTORY_DAYS},
                )
            )
    start_recent = moment - timedelta(days=7)
    recent = _sales_fen(merchant, start_recent, moment)
    before = _sales_fen(merchant, start_recent - timedelta(weeks=8), start_recent)
    weekly = before // 8
    if recent >= SALES_BURST_MIN_FEN and recent >= SALES_BURST_FACTOR * max(weekly, 1):
        found.append(
            (
                RiskWarning.Kind.SALES_BURST,
                f"{merchant.name}: sales of {money.format_yuan(recent)} yuan in 7 days against "
                f"{money.format_yuan(weekly)} yuan a week before",
                {"last_7_days_fen": recent, "weekly_average_fen": weekly},
            )
        )
    complaints = cases.complaints_about_merchant(
        start=today - timedelta(days=COMPLAINTS_DAYS),
        end=today,
        licence=merchant.licence,
        name=merchant.name,
    )
    if complaints.count >= COMPLAINTS_MIN or complaints.open_count >= COMPLAINTS_OPEN_MIN:
        found.append(
            (
                RiskWarning.Kind.COMPLAINTS,
                f"{merchant.name}: {complaints.count} complaints in {COMPLAINTS_DAYS} days, "
                f"{complaints.open_count} open",
                {"complaints": complaints.count, "open": complaints.open_count},
            )
        )
    return found


def scan_risks(*, now: datetime | None = None) -> list[RiskWarning]:
    """Check every open merchant for the signals above; returns this week's warnings found."""
    moment = clock(now)
    today = local_day(moment)
    week_of = today - timedelta(days=today.weekday())
    warnings: list[RiskWarning] = []
    for merchant in Merchant.objects.exclude(status=Merchant.Status.CLOSED).order_by("pk"):
        for kind, message, figures in _signals(merchant, moment):

            def raise_warning(
                m: Merchant = merchant, k: str = kind, t: str = message, f: dict[str, Any] = figures
            ) -> RiskWarning:
                return _warn(m, k, week_of, t, f, moment)

            warnings.append(run_atomic(raise_warning))
    return warnings


def risk_warnings(*, open_only: bool = True) -> Any:
    """Warnings, newest first (a QuerySet)."""
    rows = RiskWarning.objects.select_related("merchant")
    return rows.filter(status=RiskWarning.Status.OPEN) if open_only else rows


def close_warning(*, warning: RiskWarning, by: Any, now: datetime | None = None) -> RiskWarning:
    """The regulator closes a warning it has dealt with."""
    require_permission(by, "custody.change_riskwarning", "close a risk warning")
    if warning.status != RiskWarning.Status.CLOSED:
        warning.status = RiskWarning.Status.CLOSED
        warning.closed_at = clock(now)
        warning.save(update_fields=["status", "closed_at"])
    return warning


# --- reconciliation ----------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One reconciliation difference."""

    kind: str  # not_in_ledger | not_on_statement | amount | balance
    reference: str
    bank_fen: int | None
    ledger_fen: int | None
    booked_on: date | None = None
    row: int | None = None


@dataclass(frozen=True)
class Reconciliation:
    """A bank statement matched against the ledger."""

    statement: BankStatement
    lines: int
    matched: int
    differences: tuple[Difference, ...] = field(default=())
    ledger_balance_fen: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement.file_name,
            "first_day": self.statement.first_day.isoformat(),
            "last_day": self.statement.last_day.isoformat(),
            "lines": self.lines,
            "matched": self.matched,
            "ok": self.ok,
            "ledger_balance_fen": self.ledger_balance_fen,
            "statement_balance_fen": self.statement.closing_balance_fen,
            "differences": [
                {
                    "kind": d.kind,
                    "reference": d.reference,
                    "bank_fen": d.bank_fen,
                    "ledger_fen": d.ledger_fen,
                    "booked_on": d.booked_on.isoformat() if d.booked_on else None,
                    "row": d.row,
                }
                for d in self.differences
            ],
        }


def _signed_amount(transfer: Transfer, bank: Account) -> int:
    return transfer.amount_fen if transfer.debit_account_id == bank.pk else -transfer.amount_fen


def _parse_amount(text: str, *, path: str, row: int, name: str) -> int:
    raw = (text or "").strip().replace(",", "")
    negative = raw.startswith("-")
    digits = raw.lstrip("+-")
    whole, _dot, cents = digits.partition(".")
    if not whole.isdigit() or (cents and (not cents.isdigit() or len(cents) > 2)):
        raise DataFileError(
            f"{text!r} 不是以元为单位的金额。{text!r} is not an amount in yuan",
            path=path,
            row=row,
            field=name,
            fix="金额请写作 1200.00 或 -35.5。Write amounts like 1200.00 or -35.5.",
        )
    fen = int(whole) * 100 + int((cents or "0").ljust(2, "0"))
    return -fen if negative else fen


def _read_statement(data: bytes, name: str) -> list[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataFileError(
            "不是 UTF-8 文本。not UTF-8 text",
            path=name,
            fix="请将对账单存为 UTF-8 CSV。Save the statement as UTF-8 CSV.",
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"date", "amount", "reference"} - set(reader.fieldnames or [])
    if missing:
        raise DataFileError(
            f"缺少列 {', '.join(sorted(missing))}。missing column(s) {', '.join(sorted(missing))}",
            path=name,
            row=1,
            fix="表头应为 The header is date,amount,reference,counterparty,balance.",
        )
    rows = []
    for number, record in enumerate(reader, start=2):
        try:
            booked = date.fromisoformat((record.get("date") or "").strip())
        except ValueError:
            raise DataFileError(
                f"{record.get('date')!r} 不是日期。{record.get('date')!r} is not a date",
                path=name,
                row=number,
                field="date",
                fix="日期请写作 2026-01-31。Write dates as 2026-01-31.",
            ) from None
        amount = _parse_amount(record.get("amount") or "", path=name, row=number, name="amount")
        if amount == 0:
            raise DataFileError(
                "金额为零。the amount is zero", path=name, row=number, field="amount"
            )
        balance_text = (record.get("balance") or "").strip()
        balance = (
            _parse_amount(balance_text, path=name, row=number, name="balance")
            if balance_text
            else None
        )
        rows.append(
            {
                "row": number,
                "booked_on": booked,
                "amount_fen": amount,
                "reference": (record.get("reference") or "").strip()[:40],
                "counterparty": (record.get("counterparty") or "").strip()[:120],
                "balance_fen": balance,
            }
        )
    if not rows:
        raise DataFileError(
            "表头之后没有数据行。no lines after the header",
            path=name,
            fix="请导出含明细的对账单。Export the statement with its lines.",
        )
    return rows


def import_bank_statement(
    *, path_or_file: str | Path | IO[bytes], by: Any, name: str = ""
) -> Reconciliation:
    """Import a custody-bank statement and reconcile it; importing a file again returns the
    report of the first import. Needs ``custody.add_bankstatement`` (the notary); ``by=None``
    is the operator's command line."""
    if by is not None:  # None: the operator's command line
        require_permission(by, "custody.add_bankstatement", "import a bank statement")
    if isinstance(path_or_file, str | Path):
        file_path = Path(path_or_file)
        if not file_path.is_file():
            raise InputError(
                f"文件 {file_path} 不存在。There is no file {file_path}",
                field="path",
                value=str(file_path),
            )
        data = file_path.read_bytes()
        file_name = name or file_path.name
    else:
        data = path_or_file.read()
        file_name = name or str(getattr(path_or_file, "name", "statement.csv"))
    digest = hashlib.sha256(data).hexdigest()
    existing = BankStatement.objects.filter(sha256=digest).first()
    if existing is not None:
        return reconciliation_report(existing)
    rows = _read_statement(data, file_name)

    def work() -> BankStatement:
        statement = BankStatement.objects.create(
            file_name=file_name[:255],
            sha256=digest,
            first_day=min(r["booked_on"] for r in rows),
            last_day=max(r["booked_on"] for r in rows),
            closing_balance_fen=rows[-1]["balance_fen"],
            imported_at=clock(None),
            imported_by=by,
        )
        bank = custody_bank()
        used: set[int] = set()
        for r in rows:
            candidates = (
                Transfer.objects.filter(
                    Q(debit_account=bank) | Q(credit_account=bank),
                    reference=r["reference"],
                    kind__in=["posted", "post"],
                )
                .exclude(pk__in=used)
                .order_by("pk")
                if r["reference"]
                else Transfer.objects.none()
            )
            match = next(
                (t for t in candidates if _signed_amount(t, bank) == r["amount_fen"]), None
            )
            if match is None:
                match = candidates.first()
            if match is not None:
                used.add(match.pk)
            StatementLine.objects.create(
                statement=statement,
                row=r["row"],
                booked_on=r["booked_on"],
                amount_fen=r["amount_fen"],
                reference=r["reference"],
                counterparty=r["counterparty"],
                transfer=match,
            )
        return statement

    try:
        statement = run_atomic(work)
    except IntegrityError:
        with transaction.atomic():
            statement = BankStatement.objects.get(sha256=digest)
    return reconciliation_report(statement)


def reconciliation_report(statement: BankStatement) -> Reconciliation:
    """Match ``statement`` against the ledger (see the module docstring)."""
    bank = custody_bank()
    differences: list[Difference] = []
    matched = 0
    seen: set[int] = set()
    lines = list(statement.lines.select_related("transfer").order_by("row"))
    for line in lines:
        if line.transfer is None:
            differences.append(
                Difference(
                    "not_in_ledger", line.reference, line.amount_fen, None, line.booked_on, line.row
                )
            )
            continue
        seen.add(line.transfer_id or 0)
        ledger_fen = _signed_amount(line.transfer, bank)
        if ledger_fen != line.amount_fen:
            differences.append(
                Difference(
                    "amount", line.reference, line.amount_fen, ledger_fen, line.booked_on, line.row
                )
            )
        else:
            matched += 1
    start = datetime.combine(statement.first_day, datetime.min.time(), SHANGHAI)
    end = datetime.combine(statement.last_day + timedelta(days=1), datetime.min.time(), SHANGHAI)
    missing = (
        Transfer.objects.filter(
            Q(debit_account=bank) | Q(credit_account=bank),
            kind__in=["posted", "post"],
            created_at__gte=start,
            created_at__lt=end,
        )
        .exclude(pk__in=seen)
        .exclude(statement_lines__isnull=False)
        .order_by("pk")
    )
    for transfer in missing:
        differences.append(
            Difference(
                "not_on_statement",
                transfer.reference,
                None,
                _signed_amount(transfer, bank),
                local_day(transfer.created_at),
            )
        )
    posted = Transfer.objects.filter(created_at__lt=end, kind__in=["posted", "post"])
    debits = posted.filter(debit_account=bank).aggregate(s=Sum("amount_fen"))["s"] or 0
    credits = posted.filter(credit_account=bank).aggregate(s=Sum("amount_fen"))["s"] or 0
    ledger_balance = int(debits) - int(credits)
    if (
        statement.closing_balance_fen is not None
        and statement.closing_balance_fen != ledger_balance
    ):
        differences.append(
            Difference(
                "balance",
                "closing balance",
                statement.closing_balance_fen,
                ledger_balance,
                statement.last_day,
            )
        )
    return Reconciliation(statement, len(lines), matched, tuple(differences), ledger_balance)


def statement_counts() -> dict[str, int]:
    return {
        "statements": BankStatement.objects.count(),
        "unmatched_lines": StatementLine.objects.filter(transfer__isnull=True).count(),
    }


def contracts_per_sector() -> dict[str, int]:
    return dict(
        Contract.objects.values_list("merchant__sector")
        .annotate(n=Count("id"))
        .values_list("merchant__sector", "n")
    )
