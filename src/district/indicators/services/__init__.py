"""The indicators app's write path, and the reads that turn its records into engine data.

- :func:`load_data` loads the versioned data folder (``data/indicators/``) into the
  database. It is idempotent: rows already loaded are left alone, and a row whose
  ``(id, revision)`` is loaded with other content is refused, because a revision never
  overwrites. Projects and milestones are updated from the file unless a user has changed
  their status since.
- :func:`record_value` and :func:`record_target` add a figure or its next revision.
- :func:`set_project_status`, :func:`set_milestone`, :func:`locate_project` change projects.
- :func:`refresh_live_figures` computes the live figures through the other apps' services.
- :func:`indicator_data` rebuilds the engine's :class:`~.loader.IndicatorData` from the
  database, so the checks, targets and report run on what is stored.
"""

from .figures import (
    LiveOutcome,
    assessments,
    engine_claim,
    findings,
    implied,
    indicator_data,
    land_area_reference,
    refresh_live_figures,
)
from .load import LoadReport, load_data
from .records import (
    locate_project,
    place_point,
    record_target,
    record_value,
    set_milestone,
    set_project_status,
)

__all__ = [
    "LiveOutcome",
    "LoadReport",
    "assessments",
    "engine_claim",
    "findings",
    "implied",
    "indicator_data",
    "land_area_reference",
    "load_data",
    "locate_project",
    "place_point",
    "record_target",
    "record_value",
    "refresh_live_figures",
    "set_milestone",
    "set_project_status",
]
