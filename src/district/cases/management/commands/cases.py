"""``district cases <verb>``: the catalogue, the classifier, deadlines, figures, API keys."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from tqdm import tqdm

from district.accounts import services as accounts
from district.accounts.models import User
from district.cases import services
from district.cases.services.synthetic import generate_synthetic_cases
from district.core.cli import AppCommand, Verb, iso_date, json_flag
from district.core.errors import InputError


class Classify(Verb):
    name = "classify"
    help = (
        "Classify a UTF-8 CSV of messages (columns 留言主题 and 留言详情): write the same rows "
        "plus a column 'predicted' with one of the seven first-level labels. The model is "
        "trained first if its file is missing."
    )
    example = "district cases classify --input messages.csv --output classified.csv"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help="CSV to classify")
        parser.add_argument("--output", required=True, type=Path, help="CSV to write")
        parser.add_argument("--model", type=Path, help="model file (default: the data dir's)")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        result = services.classify_file(
            input_path=options["input"], output_path=options["output"], model=options["model"]
        )
        if options["json"]:
            self.emit_json(
                {
                    "rows": result.rows,
                    "output": str(result.output_path),
                    "labels": result.label_counts,
                }
            )
            return
        counts = ", ".join(f"{k} {v}" for k, v in result.label_counts.items())
        self.say(f"{result.rows} rows classified into {result.output_path} ({counts})")


class TrainClassifier(Verb):
    name = "train-classifier"
    help = (
        "Train the message classifier on the vendored labelled messages and write the model "
        "file; the same data and seed give a byte-identical file."
    )
    example = "district cases train-classifier --seed 0"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, help="model file (default: DATA_DIR/cases/classifier.json.gz)"
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--labelled", type=Path, help="labelled messages CSV")
        parser.add_argument(
            "--taxonomy", type=Path, help="taxonomy CSV (一级分类,二级分类,三级分类)"
        )
        json_flag(parser)

    def run(self, **options: Any) -> None:
        trained = services.train_model_file(
            output=options["output"],
            seed=options["seed"],
            labelled=options["labelled"],
            taxonomy=options["taxonomy"],
        )
        if options["json"]:
            self.emit_json(
                {
                    "path": str(trained.path),
                    "sha256": trained.sha256,
                    "messages": trained.messages,
                    "labels": list(trained.labels),
                    "features": trained.features,
                }
            )
            return
        self.say(
            f"{trained.path}: {trained.messages} messages, {len(trained.labels)} labels, "
            f"{trained.features} features, sha256 {trained.sha256}"
        )


class CreateApiKey(Verb):
    name = "create-api-key"
    help = "Create an API key for an Open311 client; the key is printed once, as the last line."
    example = "district cases create-api-key 'Ning Lai Shuo app'"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the client the key is for")
        parser.add_argument("--user", help="username the key acts for (optional)")

    def run(self, **options: Any) -> None:
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise InputError(f"No user {options['user']!r}.", field="user")
        key, raw = accounts.create_api_key(name=options["name"], user=user)
        self.say(f"API key {key.name!r} (prefix {key.prefix}) for Open311 POST requests:")
        self.say(raw)


class ImportCatalogue(Verb):
    name = "import-catalogue"
    help = "Create or update the categories, attributes and time limits from a catalogue JSON file."
    example = "district cases import-catalogue data/cases/catalogue.json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        counts = services.import_catalogue(path=options["file"])
        if options["json"]:
            self.emit_json(counts)
        else:
            self.say(", ".join(f"{v} {k}" for k, v in counts.items()))


class ImportRouting(Verb):
    name = "import-routing"
    help = (
        "Create or update routing rules from a CSV with category_code, cell_code, "
        "subdistrict_code, department_code[, note]."
    )
    example = "district cases import-routing data/cases/routing.csv"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def run(self, **options: Any) -> None:
        self.say(f"{services.import_routing(path=options['file'])} routing rules")


class Sweep(Verb):
    name = "sweep"
    help = (
        "Mark cases due soon and overdue and escalate them now (the worker does it every "
        "five minutes)."
    )
    example = "district cases sweep --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        report = services.sweep_deadlines()
        if options["json"]:
            self.emit_json(report.as_dict())
            return
        self.say(
            f"{report.due_soon} due soon, {report.overdue} overdue, {report.escalated} escalated"
        )
        if report.calendar_warning:
            self.warn(f"WARNING: {report.calendar_warning}")


class Calendar(Verb):
    name = "calendar"
    help = "Show which years the working-day calendar knows (and warn about a missing one)."
    example = "district cases calendar"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            action="store_true",
            help="copy the chinese-calendar years into the table first",
        )
        json_flag(parser)

    def run(self, **options: Any) -> None:
        if options["seed"]:
            services.seed_calendar_from_package()
        status = services.calendar_status()
        if options["json"]:
            self.emit_json(
                {
                    "known_years": list(status.known_years),
                    "table_years": list(status.table_years),
                    "missing_years": list(status.missing_years),
                    "warning": status.warning,
                }
            )
            return
        known = status.known_years
        self.say(f"Known years: {known[0]}–{known[-1]}" if known else "No years known.")
        if status.warning:
            self.warn(f"WARNING: {status.warning}")


class CalendarAddYear(Verb):
    name = "calendar-add-year"
    help = (
        "Enter a year's public holidays and adjusted working days (调休) from text files with "
        "one date or range per line (2027-02-06..2027-02-13 春节)."
    )
    example = "district cases calendar-add-year 2027 --holidays h2027.txt --workdays w2027.txt"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("--holidays", type=Path, required=True)
        parser.add_argument("--workdays", type=Path)
        parser.add_argument("--note", default="")

    def run(self, **options: Any) -> None:
        holidays = services.parse_calendar_lines(
            options["holidays"].read_text(encoding="utf-8"), field="holidays"
        )
        workdays = (
            services.parse_calendar_lines(
                options["workdays"].read_text(encoding="utf-8"), field="workdays"
            )
            if options["workdays"]
            else {}
        )
        services.enter_calendar_year(
            year=options["year"],
            holidays=holidays,
            workdays=workdays,
            by=None,
            note=options["note"],
        )
        self.say(
            f"{options['year']}: {len(holidays)} holidays, {len(workdays)} adjusted working days"
        )


class GenerateSynthetic(Verb):
    name = "generate-synthetic"
    help = (
        "Replace the synthetic cases (labelled synthetic, numbered SYN-…) with N new ones over "
        "the last WEEKS weeks, for benchmarks and scale tests."
    )
    example = "district cases generate-synthetic --cases 1000000 --seed 0"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--weeks", type=int, default=104)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        bar = tqdm(total=options["cases"], desc="synthetic cases", disable=not sys.stderr.isatty())
        done = {"n": 0}

        def progress(n: int) -> None:
            bar.update(n - done["n"])
            done["n"] = n

        report = generate_synthetic_cases(
            count=options["cases"], seed=options["seed"], weeks=options["weeks"], progress=progress
        )
        bar.close()
        payload = {
            "deleted": report.deleted,
            "created": report.created,
            "first": report.first.isoformat() if report.first else None,
            "last": report.last.isoformat() if report.last else None,
            "hotspots": report.hotspots,
        }
        if options["json"]:
            self.emit_json(payload)
        else:
            self.say(f"{report.created:,} synthetic cases created ({report.deleted:,} replaced)")


class Kpis(Verb):
    name = "kpis"
    help = "KPIs per department and subdistrict for a period (default: the last 90 days)."
    example = "district cases kpis --start 2026-09-01 --end 2026-11-30 --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", type=iso_date)
        parser.add_argument("--end", type=iso_date)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        end = options["end"] or timezone.localdate()
        start = options["start"] or end - timedelta(days=89)
        report = services.kpi_report(start=start, end=end)
        if options["json"]:
            self.emit_json(report.as_dict())
            return
        t = report.total

        def pct(v: float | None) -> str:
            return "—" if v is None else f"{v:.1%}"

        self.say(
            f"{start}–{end}: {t.received} received, {t.closed} closed; "
            f"on time {pct(t.on_time_rate)}, "
            f"satisfied {pct(t.satisfaction_rate)}, repeats {pct(t.repeat_rate)}, mean handling "
            f"{t.mean_handling_hours if t.mean_handling_hours is not None else '—'} working hours"
        )
        for r in report.by_department:
            self.say(
                f"  {r.name or '(not dispatched)':20} {r.closed:6} closed  on time "
                f"{pct(r.on_time_rate):>6}  satisfied {pct(r.satisfaction_rate):>6}"
            )


class Hotspots(Verb):
    name = "hotspots"
    help = "Hotspots of a week: reports per grid cell × category against their own history."
    example = "district cases hotspots --flagged --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week", type=iso_date, help="any day of the week (default: this week)"
        )
        parser.add_argument("--flagged", action="store_true", help="only flagged rows")
        json_flag(parser)

    def run(self, **options: Any) -> None:
        report = services.hotspots(week=options["week"], flagged_only=options["flagged"])
        rows = [
            {
                "cell_code": r.cell_code,
                "category": r.category_code,
                "week_start": r.week_start.isoformat(),
                "observed": r.observed,
                "expected": round(r.expected, 3),
                "p_value": r.p_value,
                "flag": r.flag,
            }
            for r in report.rows
        ]
        if options["json"]:
            self.emit_json(rows)
            return
        self.say(f"Week of {report.week_start}: {len(report.flagged)} flagged of {len(rows)}")
        for r in rows[:30]:
            mark = "⚑" if r["flag"] else " "
            self.say(
                f" {mark} {r['cell_code']} {r['category']:7} {r['observed']:4} (≈{r['expected']})"
            )


class Command(AppCommand):
    app_help = "Cases: catalogue, classifier, deadlines, KPIs, hotspots, Open311 keys."
    verbs = [
        Classify,
        TrainClassifier,
        CreateApiKey,
        ImportCatalogue,
        ImportRouting,
        Sweep,
        Calendar,
        CalendarAddYear,
        GenerateSynthetic,
        Kpis,
        Hotspots,
    ]
