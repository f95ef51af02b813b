"""Schema migrations: numbered SQL files applied in order, each once, under an advisory lock."""

from server.migrations.runner import Migration, applied_versions, discover, migrate

__all__ = ["Migration", "applied_versions", "discover", "migrate"]
