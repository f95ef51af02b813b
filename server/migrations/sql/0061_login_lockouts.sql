-- Durable account lockout (#16): a lock outlives a Redis restart or flush. Failure counting stays in
-- Redis (fast, short-lived); the lock itself is written here and read from here.
CREATE TABLE login_lockouts (
    email_key VARCHAR(255) PRIMARY KEY,          -- lower-cased email
    locked_until TIMESTAMPTZ NOT NULL
);
