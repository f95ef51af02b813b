"""Authentication: password policy and hashing, JWTs, refresh families, lockout, rate limits."""
