"""Account management for admins: listing accounts and setting their roles."""
