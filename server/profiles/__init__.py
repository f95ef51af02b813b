"""Viewer profiles of an account (spec §6.2): models, the ``profiles`` table, the per-account rules."""
