-- Refresh race (#16): a refresh token presented again within the grace window gets the pair its first
-- presentation was answered with. The pair is stored sealed (AES-GCM) under a key derived from the
-- presented token itself, which the server does not keep: the column alone unlocks nothing.
ALTER TABLE refresh_tokens ADD COLUMN successor_sealed BYTEA;
