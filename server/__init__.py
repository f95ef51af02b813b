"""OTT Lowband: server."""
