-- GDPR (spec §8.3): erasure with a 90-day grace period (status 'deleting' + when it was asked) and the
-- right to object to personalised recommendations.
ALTER TABLE users DROP CONSTRAINT users_status_chk;
ALTER TABLE users ADD CONSTRAINT users_status_chk CHECK (status IN ('active', 'suspended', 'deleting'));
ALTER TABLE users ADD COLUMN deletion_requested_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN recs_opt_out BOOLEAN NOT NULL DEFAULT false;
