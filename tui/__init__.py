"""OTT Lowband: tui."""
