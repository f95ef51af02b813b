"""Playback through libmpv: controller, ABR loop, stats model, fast-start prefetch, tracking."""
