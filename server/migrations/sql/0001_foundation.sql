-- Foundation: users with roles and email verification, profiles, refresh-token families,
-- one-time tokens (email verification, password reset), mail outbox, audit log.

CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    roles TEXT[] NOT NULL DEFAULT ARRAY['user']::TEXT[],
    email_verified_at TIMESTAMPTZ,
    language VARCHAR(10) NOT NULL DEFAULT 'en',
    subscription_tier VARCHAR(20) NOT NULL DEFAULT 'free',
    subscription_expires_at TIMESTAMPTZ,
    payment_method VARCHAR(50),
    status VARCHAR(20) NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at TIMESTAMPTZ,
    CONSTRAINT users_tier_chk CHECK (subscription_tier IN ('free', 'premium')),
    CONSTRAINT users_status_chk CHECK (status IN ('active', 'suspended')),
    CONSTRAINT users_roles_chk CHECK (roles <@ ARRAY['user','creator','reviewer','publisher','analyst','admin']::TEXT[])
);
CREATE UNIQUE INDEX users_email_lower_uq ON users (lower(email));

CREATE TABLE profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name VARCHAR(100) NOT NULL,
    avatar_url VARCHAR(500),
    maturity_rating VARCHAR(10) NOT NULL DEFAULT 'U/A',
    language_preference VARCHAR(10) NOT NULL DEFAULT 'en',
    is_kids_profile BOOLEAN NOT NULL DEFAULT FALSE,
    preferred_quality VARCHAR(10),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT profiles_rating_chk CHECK (maturity_rating IN ('U', 'U/A', 'A')),
    CONSTRAINT profiles_lang_chk CHECK (language_preference IN ('en', 'hi')),
    CONSTRAINT profiles_kids_chk CHECK (NOT is_kids_profile OR maturity_rating = 'U')
);
CREATE INDEX profiles_user_idx ON profiles (user_id, created_at);

-- One row per refresh token ever issued; a family is one login's chain of rotations.
CREATE TABLE refresh_tokens (
    jti UUID PRIMARY KEY,
    family_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    issued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    replaced_by UUID
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Email verification and password reset tokens; only a hash of the token is stored.
CREATE TABLE one_time_tokens (
    token_hash BYTEA PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose VARCHAR(20) NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT one_time_tokens_purpose_chk CHECK (purpose IN ('verify_email', 'password_reset'))
);
CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id, purpose);

CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    to_address VARCHAR(255) NOT NULL,
    subject VARCHAR(500) NOT NULL,
    body TEXT NOT NULL,
    kind VARCHAR(40) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at TIMESTAMPTZ,
    attempts INT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (created_at) WHERE sent_at IS NULL;

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id UUID,
    action VARCHAR(80) NOT NULL,
    target_type VARCHAR(40),
    target_id TEXT,
    details JSONB NOT NULL DEFAULT '{}'::JSONB,
    request_id VARCHAR(128)
);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
