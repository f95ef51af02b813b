-- Catalog (spec §5.1): genres, people, content (movie / tv_show / sports), seasons, episodes,
-- per-item media (video variants, audio tracks, subtitles) and the search support.
--
-- Availability: only `published` rows inside [available_from, available_until) are visible;
-- `geo_restriction` lists the allowed ISO country codes (NULL = everywhere).
-- Playable items (a movie, a sports replay, an episode) point at a packaged asset directory
-- `<media_dir>/<asset_id>/` through `asset_id`.

CREATE TABLE genres (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(100) UNIQUE NOT NULL,
    name_hi VARCHAR(100),
    slug VARCHAR(100) UNIQUE NOT NULL,
    icon_url VARCHAR(500),
    sort_order INT NOT NULL DEFAULT 0
);

CREATE TABLE people (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(200) NOT NULL,
    name_hi VARCHAR(200),
    name_trigrams TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[]                  -- of name + name_hi
);
CREATE INDEX people_name_idx ON people (lower(name));

CREATE TABLE content (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    type VARCHAR(20) NOT NULL,
    title VARCHAR(500) NOT NULL,
    title_hi VARCHAR(500),
    description TEXT,
    description_hi TEXT,
    original_language VARCHAR(10) NOT NULL DEFAULT 'hi',
    languages TEXT[] NOT NULL DEFAULT ARRAY['en', 'hi']::TEXT[],          -- audio languages
    subtitle_languages TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    release_date DATE,
    year INT,
    duration_minutes INT,
    maturity_rating VARCHAR(10) NOT NULL DEFAULT 'U/A',
    poster_url VARCHAR(500),
    thumbnail_url VARCHAR(500),
    trailer_url VARCHAR(500),
    workflow_state VARCHAR(20) NOT NULL DEFAULT 'draft',
    tier_requirement VARCHAR(20) NOT NULL DEFAULT 'free',
    geo_restriction TEXT[],                                                -- allowed countries; NULL = all
    available_from TIMESTAMPTZ,
    available_until TIMESTAMPTZ,
    asset_id TEXT,                                                         -- movies and sports replays
    asset_duration_s DOUBLE PRECISION,
    view_count BIGINT NOT NULL DEFAULT 0,
    popularity DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ,
    search_names TEXT NOT NULL DEFAULT '',                                 -- cast, crew and genre names
    search_vector TSVECTOR,
    title_trigrams TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],                -- of title + title_hi
    CONSTRAINT content_type_chk CHECK (type IN ('movie', 'tv_show', 'sports')),
    CONSTRAINT content_rating_chk CHECK (maturity_rating IN ('U', 'U/A', 'A')),
    CONSTRAINT content_tier_chk CHECK (tier_requirement IN ('free', 'premium')),
    CONSTRAINT content_state_chk CHECK (workflow_state IN ('draft', 'pending_review', 'approved', 'published',
                                                           'archived')),
    CONSTRAINT content_window_chk CHECK (available_until IS NULL OR available_from IS NULL
                                         OR available_from < available_until),
    CONSTRAINT content_year_chk CHECK (year IS NULL OR year BETWEEN 1880 AND 2200),
    CONSTRAINT content_geo_chk CHECK (geo_restriction IS NULL OR cardinality(geo_restriction) > 0)
);
CREATE INDEX idx_content_type ON content (type);
CREATE INDEX idx_content_workflow_state ON content (workflow_state);
CREATE INDEX idx_content_release_date ON content (release_date DESC);
CREATE INDEX idx_content_tier ON content (tier_requirement);
CREATE INDEX idx_content_year ON content (year);
CREATE INDEX idx_content_created ON content (created_at DESC);
CREATE INDEX idx_content_popularity ON content (popularity DESC);
CREATE INDEX idx_content_title ON content (lower(title));
CREATE INDEX idx_content_search ON content USING GIN (search_vector);
CREATE INDEX idx_content_languages ON content USING GIN (languages);

CREATE TABLE seasons (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    content_id UUID NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    season_number INT NOT NULL CHECK (season_number > 0),
    title VARCHAR(255),
    title_hi VARCHAR(255),
    release_date DATE,
    UNIQUE (content_id, season_number)
);

CREATE TABLE episodes (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    season_id UUID NOT NULL REFERENCES seasons(id) ON DELETE CASCADE,
    content_id UUID NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    episode_number INT NOT NULL CHECK (episode_number > 0),
    title VARCHAR(255) NOT NULL,
    title_hi VARCHAR(255),
    description TEXT,
    description_hi TEXT,
    duration_minutes INT,
    thumbnail_url VARCHAR(500),
    air_date DATE,
    asset_id TEXT NOT NULL,
    asset_duration_s DOUBLE PRECISION,
    UNIQUE (season_id, episode_number)
);
CREATE INDEX idx_episodes_content ON episodes (content_id);

CREATE TABLE video_variants (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    content_id UUID REFERENCES content(id) ON DELETE CASCADE,
    episode_id UUID REFERENCES episodes(id) ON DELETE CASCADE,
    quality VARCHAR(10) NOT NULL,
    hls_url VARCHAR(1000) NOT NULL,
    dash_url VARCHAR(1000),
    bitrate_kbps INT,
    file_size_mb DECIMAL(10, 2),
    CHECK (content_id IS NOT NULL OR episode_id IS NOT NULL),
    UNIQUE (content_id, quality)
);
CREATE INDEX idx_video_variants_content ON video_variants (content_id);
CREATE INDEX idx_video_variants_episode ON video_variants (episode_id);

CREATE TABLE audio_tracks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    content_id UUID REFERENCES content(id) ON DELETE CASCADE,
    episode_id UUID REFERENCES episodes(id) ON DELETE CASCADE,
    language VARCHAR(10) NOT NULL,
    label VARCHAR(50),
    url VARCHAR(1000) NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (content_id IS NOT NULL OR episode_id IS NOT NULL)
);
CREATE INDEX idx_audio_tracks_content ON audio_tracks (content_id);

CREATE TABLE subtitles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    content_id UUID REFERENCES content(id) ON DELETE CASCADE,
    episode_id UUID REFERENCES episodes(id) ON DELETE CASCADE,
    language VARCHAR(10) NOT NULL,
    label VARCHAR(50),
    url VARCHAR(1000) NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK (content_id IS NOT NULL OR episode_id IS NOT NULL)
);
CREATE INDEX idx_subtitles_content ON subtitles (content_id);

CREATE TABLE content_genres (
    content_id UUID NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    genre_id UUID NOT NULL REFERENCES genres(id) ON DELETE CASCADE,
    PRIMARY KEY (content_id, genre_id)
);
CREATE INDEX idx_content_genres_genre ON content_genres (genre_id);

CREATE TABLE content_people (
    content_id UUID NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    person_id UUID NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role VARCHAR(20) NOT NULL,
    billing INT NOT NULL DEFAULT 0,
    character_name VARCHAR(200),
    PRIMARY KEY (content_id, person_id, role),
    CONSTRAINT content_people_role_chk CHECK (role IN ('actor', 'director', 'writer', 'producer', 'music'))
);
CREATE INDEX idx_content_people_person ON content_people (person_id);

-- Trigram similarity. With pg_trgm (system PostgreSQL) ott_similarity/ott_word_similarity are
-- thin wrappers over similarity()/word_similarity() and titles get trigram indexes. Without it
-- (the embedded pgserver build ships only plpgsql) the same functions are implemented here:
-- pg_trgm's trigram sets (lower-cased words padded with two blanks before and one after) and
-- their Jaccard similarity; word similarity takes the best window of as many words as the query
-- (or one more, so a filler word in the title does not sink a match).
CREATE FUNCTION ott_words(t TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT coalesce(array_agg(w), ARRAY[]::TEXT[])
    FROM regexp_split_to_table(lower(coalesce(t, '')), '[^[:alnum:]ऀ-ॿ]+') AS w WHERE w <> ''
$fn$;

DO $migration$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE FUNCTION ott_similarity(a TEXT, b TEXT) RETURNS REAL
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT similarity(a, b)';
        CREATE FUNCTION ott_word_similarity(a TEXT, b TEXT) RETURNS REAL
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT word_similarity(a, b)';
        CREATE FUNCTION ott_has_pg_trgm() RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS 'SELECT true';
        CREATE FUNCTION ott_trigram_set(t TEXT) RETURNS TEXT[]
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT show_trgm(t)';
        EXECUTE 'CREATE INDEX idx_content_title_trgm ON content USING GIN (title gin_trgm_ops)';
        EXECUTE 'CREATE INDEX idx_content_title_hi_trgm ON content USING GIN (title_hi gin_trgm_ops)';
        EXECUTE 'CREATE INDEX idx_people_name_trgm ON people USING GIN (name gin_trgm_ops)';
    ELSE
        CREATE FUNCTION ott_trigrams(t TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
            SELECT coalesce(array_agg(DISTINCT substr(p, i, 3)), ARRAY[]::TEXT[])
            FROM (SELECT '  ' || w || ' ' AS p FROM unnest(ott_words(t)) AS w) AS padded
            CROSS JOIN LATERAL generate_series(1, length(p) - 2) AS i
        $fn$;
        CREATE FUNCTION ott_trigram_jaccard(ta TEXT[], tb TEXT[]) RETURNS REAL
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
            SELECT CASE WHEN cardinality(ta) = 0 OR cardinality(tb) = 0 THEN 0::REAL
                        ELSE (shared::REAL / (cardinality(ta) + cardinality(tb) - shared)::REAL) END
            FROM (SELECT count(*) AS shared FROM unnest(ta) AS x WHERE x = ANY(tb)) AS s
        $fn$;
        CREATE FUNCTION ott_similarity(a TEXT, b TEXT) RETURNS REAL
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
            SELECT ott_trigram_jaccard(ott_trigrams(a), ott_trigrams(b))
        $fn$;
        CREATE FUNCTION ott_word_similarity(a TEXT, b TEXT) RETURNS REAL
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
        DECLARE
            qa TEXT[] := ott_trigrams(a);
            words TEXT[] := ott_words(b);
            n INT := greatest(1, cardinality(ott_words(a)));
            best REAL := 0;
            s REAL;
        BEGIN
            IF cardinality(qa) = 0 OR cardinality(words) = 0 THEN
                RETURN 0;
            END IF;
            FOR k IN n .. n + 1 LOOP
                FOR i IN 1 .. greatest(1, cardinality(words) - k + 1) LOOP
                    s := ott_trigram_jaccard(qa, ott_trigrams(array_to_string(words[i:i + k - 1], ' ')));
                    IF s > best THEN
                        best := s;
                    END IF;
                END LOOP;
            END LOOP;
            RETURN best;
        END
        $fn$;
        CREATE FUNCTION ott_has_pg_trgm() RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS 'SELECT false';
        CREATE FUNCTION ott_trigram_set(t TEXT) RETURNS TEXT[]
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT ott_trigrams(t)';
    END IF;
END
$migration$;

-- Full-text search: English stemming for English text, the `simple` configuration for names
-- and Hindi (Devanagari words are kept whole). Titles weigh A, names B, descriptions C.
CREATE FUNCTION ott_content_search_vector(c content) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT setweight(to_tsvector('english', coalesce(c.title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(c.title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(c.title_hi, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(c.search_names, '')), 'B')
        || setweight(to_tsvector('english', coalesce(c.description, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(c.description_hi, '')), 'C')
$fn$;

CREATE FUNCTION ott_content_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.search_vector := ott_content_search_vector(NEW);
    NEW.title_trigrams := ott_trigram_set(coalesce(NEW.title, '') || ' ' || coalesce(NEW.title_hi, ''));
    RETURN NEW;
END
$fn$;

CREATE TRIGGER content_search_vector_trg BEFORE INSERT OR UPDATE OF title, title_hi, description, description_hi,
    search_names ON content FOR EACH ROW EXECUTE FUNCTION ott_content_search_trigger();

-- Recompute the names searched for each given title (its cast, crew and genres, in English
-- and Hindi); the trigger then refreshes its search vector. Call after changing links.
CREATE FUNCTION ott_refresh_content_search(ids UUID[]) RETURNS void LANGUAGE sql AS $fn$
    UPDATE content c SET search_names = coalesce((
        SELECT string_agg(n, ' ' ORDER BY n) FROM (
            SELECT p.name AS n FROM content_people cp JOIN people p ON p.id = cp.person_id WHERE cp.content_id = c.id
            UNION ALL
            SELECT p.name_hi FROM content_people cp JOIN people p ON p.id = cp.person_id
             WHERE cp.content_id = c.id AND p.name_hi IS NOT NULL
            UNION ALL
            SELECT g.name FROM content_genres cg JOIN genres g ON g.id = cg.genre_id WHERE cg.content_id = c.id
            UNION ALL
            SELECT g.name_hi FROM content_genres cg JOIN genres g ON g.id = cg.genre_id
             WHERE cg.content_id = c.id AND g.name_hi IS NOT NULL
        ) AS names), '')
    WHERE c.id = ANY(ids)
$fn$;

CREATE FUNCTION ott_people_trigrams_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.name_trigrams := ott_trigram_set(coalesce(NEW.name, '') || ' ' || coalesce(NEW.name_hi, ''));
    RETURN NEW;
END
$fn$;

CREATE TRIGGER people_trigrams_trg BEFORE INSERT OR UPDATE OF name, name_hi ON people
    FOR EACH ROW EXECUTE FUNCTION ott_people_trigrams_trigger();

-- Shared trigrams of two trigram sets: search skips the exact (slower) similarity of rows that
-- share too few trigrams with the query to reach the match threshold.
CREATE FUNCTION ott_shared_trigrams(a TEXT[], b TEXT[]) RETURNS INT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT count(*)::INT FROM unnest(a) AS x WHERE x = ANY(b)
$fn$;
