"""Content management: workflow, versions, bulk edits, uploads with packaging jobs, CSV import."""

from server.cms.diff import diff_snapshots
from server.cms.workflow import STATES, TRANSITIONS, next_state

__all__ = ["STATES", "TRANSITIONS", "diff_snapshots", "next_state"]
