-- Activity (PostgreSQL implementation of the ActivityStore): resume positions / watch history,
-- viewing sessions, engagement events, watchlist.
-- content_id / episode_id carry no foreign key: the activity store may live in MongoDB instead,
-- and history must survive a title being unpublished.

-- One row per (profile, content, episode): the latest position, completion and dismissal.
-- The catalog reads this table for trending: keep these column names.
CREATE TABLE watch_history (
    id BIGSERIAL PRIMARY KEY,
    profile_id UUID NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    content_id UUID NOT NULL,
    episode_id UUID,
    position_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    watch_duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    completed BOOLEAN NOT NULL DEFAULT FALSE,
    completion_rate DOUBLE PRECISION NOT NULL DEFAULT 0,   -- 0-100
    quality VARCHAR(16),
    device_type VARCHAR(32),
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_watched_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    dismissed BOOLEAN NOT NULL DEFAULT FALSE,
    -- Ordering key of the last applied update: (session_rank, seq). Older keys are ignored.
    session_rank BIGINT NOT NULL DEFAULT 0,
    seq BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT watch_history_rate_chk CHECK (completion_rate >= 0 AND completion_rate <= 100),
    CONSTRAINT watch_history_position_chk CHECK (position_seconds >= 0 AND duration_seconds >= 0),
    CONSTRAINT watch_history_item_uq UNIQUE NULLS NOT DISTINCT (profile_id, content_id, episode_id)
);
CREATE INDEX watch_history_profile_recent_idx ON watch_history (profile_id, last_watched_at DESC);
CREATE INDEX watch_history_content_recent_idx ON watch_history (content_id, last_watched_at DESC);

CREATE TABLE viewing_sessions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    profile_id UUID NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    content_id UUID NOT NULL,
    episode_id UUID,
    device_type VARCHAR(32) NOT NULL DEFAULT 'unknown',
    position_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    completed_percentage DOUBLE PRECISION NOT NULL DEFAULT 0,
    quality VARCHAR(16),
    rank BIGINT NOT NULL,           -- creation time in microseconds: newer sessions win
    seq BIGINT NOT NULL DEFAULT 0,  -- last applied client sequence number
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_updated TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at TIMESTAMPTZ
);
CREATE INDEX viewing_sessions_profile_idx ON viewing_sessions (user_id, profile_id);
CREATE INDEX viewing_sessions_content_idx ON viewing_sessions (content_id);
CREATE INDEX viewing_sessions_updated_idx ON viewing_sessions (last_updated DESC);

CREATE TABLE engagement_events (
    id BIGSERIAL PRIMARY KEY,
    type VARCHAR(32) NOT NULL,
    session_id UUID,
    profile_id UUID NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    content_id UUID NOT NULL,
    episode_id UUID,
    position_seconds DOUBLE PRECISION,
    client_ts TIMESTAMPTZ,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    payload JSONB NOT NULL DEFAULT '{}'::JSONB
);
CREATE INDEX engagement_events_content_idx ON engagement_events (content_id, at DESC);
CREATE INDEX engagement_events_profile_idx ON engagement_events (profile_id, at DESC);
CREATE INDEX engagement_events_session_idx ON engagement_events (session_id, at) WHERE session_id IS NOT NULL;

CREATE TABLE watchlist (
    profile_id UUID NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    content_id UUID NOT NULL,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, content_id)
);
CREATE INDEX watchlist_profile_added_idx ON watchlist (profile_id, added_at DESC);
