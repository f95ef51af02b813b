"""Analytics: viewing, quality-of-experience and revenue figures for admins and analysts."""

from server.analytics.queries import figures, top_titles
from server.analytics.recorder import playback_start_recorder

__all__ = ["figures", "playback_start_recorder", "top_titles"]
