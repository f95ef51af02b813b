"""OTT Lowband: loadtest."""
