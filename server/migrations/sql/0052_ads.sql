-- Ads (spec §3.6, §5.1 "ads"): inventory with targeting, priority, flight dates and impression caps.
-- A creative is a packaged media asset (`asset_id` under the media dir), played like content.
CREATE TABLE ads (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    title VARCHAR(255) NOT NULL,
    advertiser VARCHAR(255),
    campaign VARCHAR(255),
    category VARCHAR(100),
    asset_id TEXT NOT NULL,
    duration_seconds INT NOT NULL,
    click_url VARCHAR(1000),
    priority INT NOT NULL DEFAULT 1,               -- higher first; 10 and above = sponsored
    skippable BOOLEAN NOT NULL DEFAULT TRUE,
    skip_after_seconds INT NOT NULL DEFAULT 5,
    start_date TIMESTAMPTZ,
    end_date TIMESTAMPTZ,
    max_impressions INT,
    current_impressions INT NOT NULL DEFAULT 0,
    target_genres TEXT[],                           -- lower-case genre slugs or names; NULL = any
    target_age_min INT,
    target_age_max INT,
    target_countries TEXT[],                        -- ISO codes; NULL = everywhere
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ads_duration_chk CHECK (duration_seconds BETWEEN 1 AND 120),
    CONSTRAINT ads_priority_chk CHECK (priority BETWEEN 1 AND 100),
    CONSTRAINT ads_flight_chk CHECK (start_date IS NULL OR end_date IS NULL OR start_date < end_date),
    CONSTRAINT ads_age_chk CHECK (target_age_min IS NULL OR target_age_max IS NULL OR target_age_min <= target_age_max),
    CONSTRAINT ads_caps_chk CHECK (max_impressions IS NULL OR max_impressions > 0)
);
CREATE INDEX ads_active_idx ON ads (active, priority DESC);
