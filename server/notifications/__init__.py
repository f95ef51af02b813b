"""In-app notifications of a profile (a new episode of a watchlisted show)."""
