"""``district participation <verb>``: opinion maps of Polis folders, Polis in and out, figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from district.core.cli import AppCommand, Verb, iso_date, json_flag
from district.core.errors import InputError
from district.participation import services
from district.participation.polisdata import cluster_polis_folder


class Cluster(Verb):
    name = "cluster"
    help = (
        "Compute the opinion map of a Polis openData folder (comments.csv, votes.csv) and write "
        'it as JSON: {"k", "groups": {participant: group}, "consensus": {"agree": [...], '
        '"disagree": [...]}, "repness": {group: [comment ids]}}.'
    )
    example = "district participation cluster data/polis/vtaiwan.uberx --json map.json --seed 0"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, metavar="DIR", help="a Polis openData folder")
        parser.add_argument(
            "--json",
            dest="out",
            type=Path,
            required=True,
            metavar="OUT",
            help="where to write the JSON ('-' for stdout)",
        )
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--min-votes",
            type=int,
            default=7,
            help="votes a participant needs to be grouped (default 7)",
        )

    def run(self, **options: Any) -> None:
        report = cluster_polis_folder(
            options["folder"], seed=options["seed"], min_votes=options["min_votes"]
        )
        text = json.dumps(report, ensure_ascii=False, indent=1)
        out: Path = options["out"]
        if str(out) == "-":
            self.say(text)
            return
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
        sizes = {g: 0 for g in range(report["k"])}
        for group in report["groups"].values():
            sizes[group] += 1
        status = report.get("status", "clustered")
        self.warn(
            f"{out}: k={report['k']} ({status}), group sizes {list(sizes.values())}, "
            f"{len(report['consensus']['agree'])} agree and "
            f"{len(report['consensus']['disagree'])} disagree consensus statements"
        )


class ImportPolis(Verb):
    name = "import-polis"
    help = "Import a Polis openData folder as a closed consultation (idempotent)."
    example = (
        "district participation import-polis data/polis/vtaiwan.uberx "
        "--source-url https://pol.is/3phdex2kjf"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, metavar="DIR")
        parser.add_argument("--title", default="", help="title (default: the summary's topic)")
        parser.add_argument("--channel", default=None, help="channel code")
        parser.add_argument("--source-url", default="", help="where the conversation was held")
        parser.add_argument("--seed", type=int, default=0)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        consultation, created = services.import_polis_folder(
            path=options["folder"],
            title=options["title"],
            channel=options["channel"],
            source_url=options["source_url"],
            seed=options["seed"],
            check_permission=False,
        )
        result = {"consultation": consultation.pk, "created": created, **consultation.import_notes}
        if options["json"]:
            self.emit_json(result)
        else:
            verb = "imported as" if created else "already imported as"
            notes = consultation.import_notes
            self.say(
                f"{options['folder']}: {verb} consultation {consultation.pk} "
                f"({consultation.title}); "
                f"{notes.get('comments')} statements, {notes.get('votes')} votes, "
                f"{notes.get('duplicate_votes_dropped')} superseded votes dropped"
            )


class ExportPolis(Verb):
    name = "export-polis"
    help = (
        "Write a consultation as a Polis openData folder (comments.csv, votes.csv, "
        "participants-votes.csv with the opinion groups, summary.csv)."
    )
    example = "district participation export-polis 3 exports/consultation-3"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("consultation", type=int, metavar="ID")
        parser.add_argument("folder", type=Path, metavar="DIR")

    def run(self, **options: Any) -> None:
        files = services.export_polis_folder(
            consultation_id=options["consultation"], path=options["folder"]
        )
        for file in files:
            self.say(str(file))


class RefreshMaps(Verb):
    name = "refresh-maps"
    help = "Recompute stale opinion maps (or one consultation's, --cold for a cold start)."
    example = "district participation refresh-maps --consultation 3 --cold"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--consultation", type=int, default=None, metavar="ID")
        parser.add_argument("--cold", action="store_true", help="ignore the previous map")

    def run(self, **options: Any) -> None:
        if options["consultation"] is None:
            ids = services.refresh_stale_opinion_maps()
            self.say(f"refreshed {len(ids)} opinion map(s): {ids}")
            return
        result = services.refresh_opinion_map(
            consultation_id=options["consultation"], cold=options["cold"]
        )
        self.say(
            f"consultation {options['consultation']}: {result.status}, k={result.k}, "
            f"{result.n_participants} participants, {result.n_votes} votes, {result.duration_ms} ms"
        )


class Summary(Verb):
    name = "summary"
    help = "Suggestion figures (received, answered, on time, outcomes) for a period and channel."
    example = "district participation summary --from 2026-01-01 --to 2027-01-01 --json"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=iso_date, default=None, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, default=None, metavar="DATE")
        parser.add_argument("--channel", default=None)
        json_flag(parser)

    def run(self, **options: Any) -> None:
        summary = services.suggestion_summary(
            start=options["start"], end=options["end"], channel=options["channel"]
        )
        if options["json"]:
            self.emit_json(summary.as_dict())
            return
        rate = "—" if summary.on_time_percent is None else f"{summary.on_time_percent}%"
        self.say(
            f"received {summary.received}, answered {summary.answered}, on time "
            f"{summary.answered_on_time} ({rate}), adopted {summary.adopted} + partly "
            f"{summary.partly_adopted}, not adopted {summary.not_adopted}, referred "
            f"{summary.referred}, open past the deadline {summary.open_overdue}"
        )


class Channels(Verb):
    name = "channels"
    help = "The 1+10 matrix of channels with each channel's figures."
    example = "district participation channels --json"

    def add_arguments(self, parser: CommandParser) -> None:
        json_flag(parser)

    def run(self, **options: Any) -> None:
        figures = services.channel_dashboards()
        if options["json"]:
            self.emit_json(
                [
                    {
                        "code": f.channel.code,
                        "name": f.channel.name,
                        "staff": f.staff,
                        **f.summary.as_dict(),
                    }
                    for f in figures
                ]
            )
            return
        for f in figures:
            s = f.summary
            self.say(
                f"{f.channel.code:22} {f.channel.name:24} received {s.received:4} answered "
                f"{s.answered:4} on time {s.answered_on_time:4} adopted {s.adopted:4}"
            )


class AddStaff(Verb):
    name = "add-staff"
    help = "Make a user a member of a channel's staff (they route its suggestions)."
    example = "district participation add-staff liaison-hongqiao liaison"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel", help="channel code (see: district participation channels)")
        parser.add_argument("username")

    def run(self, **options: Any) -> None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise InputError(
                f"No user is called {options['username']!r}.",
                field="username",
                value=options["username"],
            )
        services.add_channel_staff(channel=options["channel"], user=user)
        self.say(f"{user.get_username()} is staff of {options['channel']}")


class Command(AppCommand):
    app_help = (
        "Ning Lai Shuo: opinion maps of Polis conversations, Polis folders in and out, "
        "suggestion figures."
    )
    verbs = [Cluster, ImportPolis, ExportPolis, RefreshMaps, Summary, Channels, AddStaff]
