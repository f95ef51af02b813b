"""The catalog: content, its availability rules, search, trending and the seed data."""

from server.catalog.availability import (
    PlayableItem,
    UpgradeRequired,
    allowed_ratings,
    playable_item,
    tier_allows,
    visibility_sql,
    visible_content,
)

__all__ = [
    "PlayableItem",
    "UpgradeRequired",
    "allowed_ratings",
    "playable_item",
    "tier_allows",
    "visibility_sql",
    "visible_content",
]
