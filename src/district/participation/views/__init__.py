"""Ning Lai Shuo's pages. Views are thin: parse, check the role, call one service, render."""

from district.participation.views.consultations import (
    consultation,
    consultation_manage,
    consultation_new,
    consultations,
    opinion_map,
    polis_export,
    vote,
    write_statement,
)
from district.participation.views.drafts import (
    draft,
    draft_comment,
    draft_manage,
    draft_new,
    drafts,
    submission_html,
    submission_pdf,
)
from district.participation.views.pages import accountability, channel, channels, index, mine
from district.participation.views.suggestions import (
    staff_queue,
    staff_suggestion,
    suggest,
    suggestion,
    track,
)

__all__ = [
    "accountability",
    "channel",
    "channels",
    "consultation",
    "consultation_manage",
    "consultation_new",
    "consultations",
    "draft",
    "draft_comment",
    "draft_manage",
    "draft_new",
    "drafts",
    "index",
    "mine",
    "opinion_map",
    "polis_export",
    "staff_queue",
    "staff_suggestion",
    "submission_html",
    "submission_pdf",
    "suggest",
    "suggestion",
    "track",
    "vote",
    "write_statement",
]
