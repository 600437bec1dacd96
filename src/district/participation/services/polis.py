"""Polis openData folders in and out: an existing conversation as a consultation, and back.

:func:`import_polis_folder` reads the folder with :mod:`district.participation.polisdata`
(which checks every file and names the file, row and field of a bad cell, and keeps the
last vote of each participant on each comment), then writes one closed consultation: the
comments as statements with their Polis ids and moderation (1 shown, 0 awaiting, −1
moderated out), the voters and authors as participants with their Polis ids, and the votes.
Nothing is written unless the whole folder reads; an import names the rows it dropped.

:func:`export_polis_folder` writes a consultation as the same four files (``comments.csv``,
``votes.csv``, ``participants-votes.csv`` with the opinion groups, ``summary.csv``), which
Polis tools, red-dwarf and ``district participation cluster`` read. Exports carry no
personal data: participants are numbers.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from district.core.errors import InputError
from district.participation.models import (
    Channel,
    Consultation,
    Participant,
    Statement,
    Vote,
)
from district.participation.polisdata import (
    COMMENTS_COLUMNS,
    POLIS_DATETIME_FORMAT,
    PolisConversation,
    participants_votes_frame,
    read_polis_folder,
    votes_frame,
    write_polis_folder,
)
from district.participation.services.common import require_channel_staff
from district.participation.services.consultations import create_consultation_record
from district.participation.services.opinion import current_opinion_map, from_ms, to_ms, vote_table

POLIS_ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is "
    "sub-licensed under CC BY 4.0 with Attribution to The Computational Democracy Project."
)
_MODERATION = {
    1: Statement.Status.ACCEPTED,
    0: Statement.Status.PENDING,
    -1: Statement.Status.REJECTED,
}
_MODERATED = {status: value for value, status in _MODERATION.items()}
BATCH = 5000


def folder_digest(folder: Path) -> str:
    """SHA-256 over the folder's Polis files: the same export imports once."""
    digest = hashlib.sha256()
    for name in ("comments.csv", "votes.csv"):
        path = folder / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@transaction.atomic
def import_polis_folder(
    *,
    path: str | Path,
    by: Any = None,
    title: str = "",
    question: str = "",
    channel: str | None = None,
    attribution: str = POLIS_ATTRIBUTION,
    source_url: str = "",
    seed: int = 0,
    is_demo: bool = False,
    check_permission: bool = True,
) -> tuple[Consultation, bool]:
    """Import a Polis openData folder as a closed consultation.

    Returns ``(consultation, created)``; the same folder imported again returns the
    consultation made the first time. ``check_permission`` is off only for the demo loader.
    """
    folder = Path(path)
    target = Channel.objects.filter(code=channel).first() if channel else None
    if channel and target is None:
        raise InputError(f"There is no channel {channel!r}.", field="channel", value=channel)
    if check_permission:
        require_channel_staff(
            by, target, "participation.manage_consultation", "import Polis conversations"
        )
    conversation = read_polis_folder(folder)
    origin_ref = "polis:" + folder_digest(folder)[:40]
    existing = Consultation.objects.filter(origin_ref=origin_ref).first()
    if existing is not None:
        return existing, False
    summary = conversation.summary
    votes = conversation.votes
    comments = conversation.comments
    unknown = sorted(set(votes["comment-id"].tolist()) - set(comments["comment-id"].tolist()))
    if unknown:
        raise InputError(
            f"votes.csv has votes on comment(s) {unknown[:5]} that comments.csv does not list.",
            field="comment-id",
            value=unknown[0],
            fix="Export the folder again: votes.csv and comments.csv must be one conversation.",
        )
    stamps = pd.concat([votes["timestamp"], comments["timestamp"]])
    first = from_ms(int(stamps.min())) if len(stamps) else timezone.now()
    last = from_ms(int(stamps.max())) if len(stamps) else timezone.now()
    consultation = create_consultation_record(
        title=(title or summary.get("topic") or folder.name)[:200],
        question=(
            question
            or summary.get("conversation-description")
            or summary.get("topic")
            or folder.name
        )[:2000],
        channel=target,
        status=Consultation.Status.CLOSED,
        origin=Consultation.Origin.POLIS,
        origin_ref=origin_ref,
        participant_statements=False,
        seed=seed,
        created_by=by,
        attribution=attribution,
        source_url=source_url or summary.get("url", ""),
        at=first,
        is_demo=is_demo,
    )
    consultation.opened_at = first
    consultation.closed_at = last
    consultation.import_notes = {
        "folder": folder.name,
        "summary": summary,
        "comments": len(comments),
        "votes": len(votes),
        "duplicate_votes_dropped": conversation.duplicate_votes,
        "imported_at": timezone.now().isoformat(),
    }
    consultation.save(update_fields=["opened_at", "closed_at", "import_notes"])

    numbers = sorted(set(votes["voter-id"].tolist()) | set(comments["author-id"].tolist()))
    first_seen: dict[int, int] = {}
    for frame, column in ((votes, "voter-id"), (comments, "author-id")):
        for pid, stamp in frame.groupby(column)["timestamp"].min().items():
            first_seen[int(pid)] = min(first_seen.get(int(pid), int(stamp)), int(stamp))
    Participant.objects.bulk_create(
        [
            Participant(
                consultation=consultation,
                number=int(n),
                external=True,
                created_at=from_ms(first_seen[int(n)]),
            )
            for n in numbers
        ],
        batch_size=BATCH,
    )
    participant_pk = dict(
        Participant.objects.filter(consultation=consultation).values_list("number", "pk")
    )
    Statement.objects.bulk_create(
        [
            Statement(
                consultation=consultation,
                number=int(row["comment-id"]),
                text=str(row["comment-body"]),
                author_id=participant_pk[int(row["author-id"])],
                status=_MODERATION[int(row["moderated"])],
                created_at=from_ms(int(row["timestamp"])),
            )
            for row in comments.to_dict("records")
        ],
        batch_size=BATCH,
    )
    statement_pk = dict(
        Statement.objects.filter(consultation=consultation).values_list("number", "pk")
    )
    Vote.objects.bulk_create(
        [
            Vote(
                consultation=consultation,
                participant_id=participant_pk[voter],
                statement_id=statement_pk[comment],
                value=value,
                voted_at=from_ms(stamp),
            )
            for stamp, comment, voter, value in zip(
                votes["timestamp"].tolist(),
                votes["comment-id"].tolist(),
                votes["voter-id"].tolist(),
                votes["vote"].tolist(),
                strict=True,
            )
        ],
        batch_size=BATCH,
    )
    consultation.votes_version = 1
    consultation.save(update_fields=["votes_version"])
    return consultation, True


def _polis_datetime(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime(POLIS_DATETIME_FORMAT)


def consultation_as_polis(consultation: Consultation, *, base_url: str = "") -> PolisConversation:
    """The consultation as a Polis conversation (DataFrames with the Polis columns)."""
    votes = votes_frame(vote_table(consultation))
    statements = (
        Statement.objects.filter(consultation=consultation)
        .select_related("author")
        .annotate(
            agrees=Count("votes", filter=Q(votes__value=1)),
            disagrees=Count("votes", filter=Q(votes__value=-1)),
        )
        .order_by("number")
    )
    rows = [
        {
            "timestamp": to_ms(s.created_at),
            "datetime": _polis_datetime(s.created_at),
            "comment-id": s.number,
            "author-id": s.author.number if s.author else 0,
            "agrees": s.agrees,
            "disagrees": s.disagrees,
            "moderated": _MODERATED[Statement.Status(s.status)],
            "comment-body": s.text,
        }
        for s in statements
    ]
    comments = pd.DataFrame(rows, columns=list(COMMENTS_COLUMNS))
    for column in ("timestamp", "comment-id", "author-id", "agrees", "disagrees", "moderated"):
        comments[column] = comments[column].astype(np.int64)
    result = current_opinion_map(consultation)
    groups: dict[int, int] = {}
    k = 0
    if result is not None:
        groups = {int(p): int(g) for p, g in result.payload.get("groups", {}).items()}
        k = result.k
    participants = participants_votes_frame(votes, comments, groups=groups)
    summary = {
        "topic": consultation.title,
        "url": consultation.source_url or f"{base_url}/participation/c/{consultation.pk}/",
        "voters": str(int(votes["voter-id"].nunique())),
        "voters-in-conv": str(int(votes["voter-id"].nunique())),
        "commenters": str(int(comments["author-id"].nunique())),
        "comments": str(len(comments)),
        "groups": str(k),
        "conversation-description": consultation.question,
    }
    if consultation.attribution:
        summary["attribution"] = consultation.attribution
    return PolisConversation(
        comments=comments, votes=votes, participants_votes=participants, summary=summary
    )


def export_polis_folder(
    *, consultation_id: int, path: str | Path, base_url: str = ""
) -> list[Path]:
    """Write the consultation as a Polis openData folder; returns the files written."""
    from district.participation.services.consultations import get_consultation

    consultation = get_consultation(consultation_id, include_drafts=False)
    return write_polis_folder(consultation_as_polis(consultation, base_url=base_url), path)


def polis_zip(consultation: Consultation, *, base_url: str = "") -> bytes:
    """The Polis folder as a zip archive, for download."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_polis_folder(consultation_as_polis(consultation, base_url=base_url), tmp)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in files:
                archive.write(file, f"consultation-{consultation.pk}/{file.name}")
    return buffer.getvalue()
