"""``district custody <verb>``: the journal export and offline check, settlement, risks,
confirmations, bank statements and the ledger's invariants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from district.core.cli import AppCommand, Verb, iso_date, json_flag
from district.custody import journal, services


class ExportJournal(Verb):
    name = "export-journal"
    help = (
        "Sign a tree head for the journal's current size and write the journal to the folder "
        "OUT: entries.jsonl (one canonical JSON entry a line), tree_heads.jsonl (signed tree "
        "heads), public_key.pem and manifest.json. `district custody verify OUT` checks it."
    )
    example = "district custody export-journal var/journal-2026-03"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, metavar="OUT", help="a new or empty folder")
        parser.add_argument("--force", action="store_true", help="overwrite a non-empty folder")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        summary = services.export_journal(out=options["out"], overwrite=options["force"])
        payload = {
            "path": str(summary.path),
            "entries": summary.entry_count,
            "tree_heads": summary.tree_head_count,
            "root_hash": summary.root_hash.hex(),
            "key_id": summary.key_id,
        }
        if options["json"]:
            self.emit_json(payload)
            return
        self.say(
            f"{summary.path}: {summary.entry_count} entries, {summary.tree_head_count} signed "
            f"tree heads, root {summary.root_hash.hex()}"
        )


class Verify(Verb):
    name = "verify"
    help = (
        "Check an exported journal offline: every entry's hash chain, the Merkle root of every "
        "signed tree head and its Ed25519 signature, and the manifest. Exits 0 when intact, 2 "
        "naming the first bad entry when anything was altered, removed, reordered or truncated. "
        "--key pins the operator's public key; --anchors adds tree heads published elsewhere."
    )
    example = "district custody verify var/journal-2026-03 --key notary-published.pem"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, metavar="OUT", help="an export folder")
        parser.add_argument("--key", type=Path, help="the trusted public key (PEM)")
        parser.add_argument("--anchors", type=Path, help="a tree_heads.jsonl of published heads")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        trusted = options["key"].read_bytes() if options["key"] else None
        anchors = journal.read_tree_heads(options["anchors"]) if options["anchors"] else ()
        report = journal.verify_export(
            options["folder"], trusted_public_key_pem=trusted, anchors=anchors
        )
        if options["json"]:
            self.emit_json(report.to_dict())
        else:
            self.say(report.summary())
        if not report.intact:
            first = report.first_bad or report.problems[0]
            where = f" (entry {first.seq}, line {first.line})" if first.seq is not None else ""
            raise CommandError(f"journal NOT intact{where}: {first.message}", returncode=2)


class Settle(Verb):
    name = "settle"
    help = (
        "Settle with every merchant: pay what was released to it through the end of "
        "--period-end (default: the last complete month) and not yet paid. Idempotent."
    )
    example = "district custody settle --period-end 2026-02-28 --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period-end", type=iso_date, help="last day of the period")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        done = services.settle_all(period_end=options["period_end"])
        rows = [
            {
                "settlement": str(s),
                "merchant": s.merchant.name,
                "licence": s.merchant.licence,
                "period_end": s.period_end.isoformat(),
                "amount_fen": s.amount_fen,
                "fee_fen": s.fee_fen,
            }
            for s in done
        ]
        if options["json"]:
            self.emit_json({"settlements": rows})
            return
        for row in rows:
            self.say(f"{row['settlement']} {row['merchant']}: {row['amount_fen']} fen")
        self.say(f"{len(rows)} settlements")


class ScanRisks(Verb):
    name = "scan-risks"
    help = (
        "Raise this week's risk warnings: prepaid balance high against the 2019 custody "
        "thresholds or the merchant's own history, a burst of sales, complaints from cases."
    )
    example = "district custody scan-risks --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        warnings = services.scan_risks()
        rows = [
            {
                "merchant": w.merchant.name,
                "licence": w.merchant.licence,
                "kind": w.kind,
                "week_of": w.week_of.isoformat(),
                "message": w.message,
                "figures": w.figures,
            }
            for w in warnings
        ]
        if options["json"]:
            self.emit_json({"warnings": rows})
            return
        for row in rows:
            self.say(f"[{row['kind']}] {row['message']}")
        self.say(f"{len(rows)} warnings")


class ConfirmDue(Verb):
    name = "confirm-due"
    help = (
        "Post the release of every merchant-recorded check-in whose dispute window "
        "(CUSTODY_CONFIRM_HOURS) has passed without a dispute."
    )
    example = "district custody confirm-due --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        count = services.confirm_due_check_ins()
        if options["json"]:
            self.emit_json({"confirmed": count})
        else:
            self.say(f"{count} check-ins confirmed")


class ImportStatement(Verb):
    name = "import-statement"
    help = (
        "Import a custody-bank statement (CSV with the columns date, amount, reference, "
        "counterparty, balance; amounts in yuan, negative for money out) and reconcile it with "
        "the ledger. Exits 3 when there are differences."
    )
    example = "district custody import-statement data/bank/custody-2026-03.csv --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv", type=Path, metavar="CSV", help="the statement file")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        report = services.import_bank_statement(path_or_file=options["csv"], by=None)
        if options["json"]:
            self.emit_json(report.to_dict())
        else:
            self.say(
                f"{report.statement.file_name}: {report.lines} lines, {report.matched} matched, "
                f"{len(report.differences)} differences"
            )
            for difference in report.differences:
                self.say(
                    f"  {difference.kind}: {difference.reference} bank={difference.bank_fen} "
                    f"ledger={difference.ledger_fen}"
                )
        if not report.ok:
            raise CommandError(
                f"{len(report.differences)} differences between the statement and the ledger",
                returncode=3,
            )


class Check(Verb):
    name = "check"
    help = (
        "Check the ledger's invariants (each account's cached balance equals its transfers, "
        "debits equal credits, the custody bank backs every balance) and the journal's hash "
        "chain and signed heads. Exits 0 when intact, 2 listing the problems otherwise."
    )
    example = "district custody check --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        ledger_problems = services.account_balances_check()
        journal_problems = services.verify_journal_chain()
        if options["json"]:
            self.emit_json(
                {
                    "ok": not ledger_problems and not journal_problems,
                    "ledger": ledger_problems,
                    "journal": journal_problems,
                    "summary": services.custody_summary(),
                }
            )
        else:
            for problem in ledger_problems + journal_problems:
                self.say(f"  {problem}")
            summary = services.custody_summary()
            self.say(
                f"{summary['journal_entries']} journal entries, {summary['contracts']} "
                f"contracts, {summary['balance_fen']} fen in custody"
            )
        if ledger_problems or journal_problems:
            raise CommandError(
                f"{len(ledger_problems)} ledger and {len(journal_problems)} journal problems",
                returncode=2,
            )
        if not options["json"]:
            self.say("ledger and journal intact")


class SignHead(Verb):
    name = "sign-head"
    help = "Sign a tree head for the journal's current size (the hourly job does this too)."
    example = "district custody sign-head --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        head = services.sign_tree_head()
        if options["json"]:
            self.emit_json(head.to_dict())
        else:
            self.say(f"tree size {head.tree_size}, root {head.root_hash.hex()}")


class Command(AppCommand):
    app_help = (
        "Prepaid custody: export and verify the journal, settle with merchants, scan for "
        "risks, confirm due check-ins, reconcile bank statements, check the ledger."
    )
    verbs = [
        ExportJournal,
        Verify,
        Settle,
        ScanRisks,
        ConfirmDue,
        ImportStatement,
        Check,
        SignHead,
    ]
