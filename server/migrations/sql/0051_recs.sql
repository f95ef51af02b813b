-- Recommendations: explicit feedback of a profile on a title. A dislike removes the title from
-- its recommendations; a like counts as a strong signal of taste.
CREATE TABLE recs_feedback (
    profile_id UUID NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    content_id UUID NOT NULL,
    signal VARCHAR(10) NOT NULL,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (profile_id, content_id),
    CONSTRAINT recs_feedback_signal_chk CHECK (signal IN ('like', 'dislike'))
);
