"""Connections to PostgreSQL and Redis, and the embedded servers used when none is configured."""
