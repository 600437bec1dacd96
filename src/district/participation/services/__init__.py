"""The participation app's write path and the reads other apps use.

Every change goes through these keyword-only functions (views, the API, commands and the
demo call them); they validate first, run in one transaction and raise
:mod:`district.core.errors` types. Other apps call:

* ``cases``: :func:`open_consultation_for_hotspot` (a hotspot opens a consultation for its
  grid cell), :func:`link_suggestion_to_case` and :func:`record_case_progress` (a case made
  from a suggestion reports back); participation calls ``cases.services.create_case``
  from :func:`convert_suggestion_to_case`.
* ``indicators``: :func:`suggestion_summary` (suggestions answered on time).
"""

from district.participation.services.calendar import (
    missing_calendar_years,
    reply_deadline,
)
from district.participation.services.channels import (
    ChannelFigures,
    SuggestionSummary,
    add_channel_staff,
    channel_dashboards,
    ensure_channel,
    ensure_channel_matrix,
    get_channel,
    suggestion_summary,
)
from district.participation.services.common import (
    is_channel_staff,
    is_overseer,
    mark_notices_read,
)
from district.participation.services.consultations import (
    add_statement,
    cast_vote,
    create_consultation,
    create_consultation_record,
    get_consultation,
    moderate_statement,
    next_statement,
    open_consultation_for_hotspot,
    participant_for,
    publish_consultation_outcome,
    set_consultation_status,
    shown_statements_left,
)
from district.participation.services.drafts import (
    close_comment,
    close_expired_drafts,
    comment_on_article,
    create_draft_law,
    get_draft,
    group_comments,
    publish_adoption,
    record_adoption,
    record_offline_comment,
    submission_snapshot,
    submit_to_legislature,
    suggest_groups,
    ungroup_comment,
)
from district.participation.services.opinion import (
    current_opinion_map,
    refresh_opinion_map,
    refresh_stale_opinion_maps,
    vote_table,
)
from district.participation.services.polis import (
    consultation_as_polis,
    export_polis_folder,
    import_polis_folder,
    polis_zip,
)
from district.participation.services.suggestions import (
    answer_suggestion,
    convert_suggestion_to_case,
    get_suggestion,
    link_suggestion_to_case,
    record_case_progress,
    refer_suggestion,
    route_suggestion,
    submit_suggestion,
    suggestion_source_ref,
)

__all__ = [
    "ChannelFigures",
    "SuggestionSummary",
    "add_channel_staff",
    "add_statement",
    "answer_suggestion",
    "cast_vote",
    "channel_dashboards",
    "close_comment",
    "close_expired_drafts",
    "comment_on_article",
    "consultation_as_polis",
    "convert_suggestion_to_case",
    "create_consultation",
    "create_consultation_record",
    "create_draft_law",
    "current_opinion_map",
    "ensure_channel",
    "ensure_channel_matrix",
    "export_polis_folder",
    "get_channel",
    "get_consultation",
    "get_draft",
    "get_suggestion",
    "group_comments",
    "import_polis_folder",
    "is_channel_staff",
    "is_overseer",
    "link_suggestion_to_case",
    "mark_notices_read",
    "missing_calendar_years",
    "moderate_statement",
    "next_statement",
    "open_consultation_for_hotspot",
    "participant_for",
    "polis_zip",
    "publish_adoption",
    "publish_consultation_outcome",
    "record_adoption",
    "record_case_progress",
    "record_offline_comment",
    "refer_suggestion",
    "refresh_opinion_map",
    "refresh_stale_opinion_maps",
    "reply_deadline",
    "route_suggestion",
    "set_consultation_status",
    "shown_statements_left",
    "submission_snapshot",
    "submit_suggestion",
    "submit_to_legislature",
    "suggest_groups",
    "suggestion_source_ref",
    "suggestion_summary",
    "ungroup_comment",
    "vote_table",
]
