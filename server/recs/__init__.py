"""Recommendations: content-based + co-occurrence scoring, per-profile cache, trending fallback."""

from server.recs.scoring import Pair, Scored, Title, personalize, similar

__all__ = ["Pair", "Scored", "Title", "personalize", "similar"]
