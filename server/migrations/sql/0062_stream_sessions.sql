-- Durable playback sessions (#16): PostgreSQL keeps what a manifest decided for a session, Redis keeps
-- the live steering state. A session missing from Redis (restart, flush) is restored from here, so
-- its signed URLs keep working until they expire.
CREATE TABLE stream_sessions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    data JSONB NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX stream_sessions_expires_idx ON stream_sessions (expires_at);
