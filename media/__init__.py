"""OTT Lowband: media."""
