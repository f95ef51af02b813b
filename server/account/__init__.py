"""The account holder's own data (spec §8.3): export, erasure with a grace period, preferences."""
