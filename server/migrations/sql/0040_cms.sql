-- CMS (spec §3.5, §6.6): workflow bookkeeping on content, every change as a versioned snapshot,
-- upload/packaging jobs. Analytics: where and on which tier each playback started.

ALTER TABLE content
    ADD COLUMN version INT NOT NULL DEFAULT 0,                 -- number of the latest content_versions row
    ADD COLUMN publish_at TIMESTAMPTZ,                         -- scheduled publish (state stays approved until then)
    ADD COLUMN archived_from VARCHAR(20),                      -- the state unarchive returns to
    ADD COLUMN review_comments TEXT,                           -- the reviewer's last approve/reject comment
    ADD COLUMN submitted_at TIMESTAMPTZ,
    ADD COLUMN approved_at TIMESTAMPTZ;
CREATE INDEX idx_content_publish_due ON content (publish_at) WHERE workflow_state = 'approved' AND publish_at IS NOT NULL;
CREATE INDEX idx_content_created_by ON content (created_by);

-- One row per change: the full JSON snapshot after the change, who made it, when and why.
CREATE TABLE content_versions (
    id BIGSERIAL PRIMARY KEY,
    content_id UUID NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    version INT NOT NULL CHECK (version > 0),
    action VARCHAR(40) NOT NULL,
    author_id UUID,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    comment TEXT,
    snapshot JSONB NOT NULL,
    UNIQUE (content_id, version)
);

-- Upload + packaging jobs: queued → running → succeeded | failed.
CREATE TABLE cms_jobs (
    id UUID PRIMARY KEY,
    content_id UUID NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL DEFAULT 'package',
    state VARCHAR(20) NOT NULL DEFAULT 'queued',
    progress INT NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    phase VARCHAR(20),
    error TEXT,
    source_bytes BIGINT,
    source_content_type VARCHAR(100),
    asset_id TEXT,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    CONSTRAINT cms_jobs_state_chk CHECK (state IN ('queued', 'running', 'succeeded', 'failed'))
);
CREATE INDEX idx_cms_jobs_content ON cms_jobs (content_id, created_at DESC);

-- Playback starts as analytics sees them: the country and tier at start time (neither is kept by
-- the activity store, which may be MongoDB). Written by server.analytics.recorder.
CREATE TABLE analytics_playback_starts (
    session_id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    profile_id UUID NOT NULL,
    content_id UUID NOT NULL,
    episode_id UUID,
    device_type VARCHAR(32) NOT NULL DEFAULT 'unknown',
    country VARCHAR(2) NOT NULL,
    tier VARCHAR(20) NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_analytics_starts_content ON analytics_playback_starts (content_id, at);
CREATE INDEX idx_analytics_starts_at ON analytics_playback_starts (at);
