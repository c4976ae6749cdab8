-- State that replicas share, each row with an expiry (Unix ms): which platform events were handled
-- (claims, so that a redelivered event is answered once), conversation context, and rate limits.
-- Keys are hashes; platform and user_hash let `radbot forget` erase a person's rows.
CREATE TABLE claims (
	key         TEXT    PRIMARY KEY,
	owner       TEXT    NOT NULL,
	lease_until BIGINT  NOT NULL,
	done        SMALLINT NOT NULL DEFAULT 0,
	expires_at  BIGINT  NOT NULL
);
CREATE INDEX claims_expires ON claims (expires_at);

CREATE TABLE conversations (
	key        TEXT    PRIMARY KEY,
	platform   TEXT    NOT NULL,
	user_hash  TEXT    NOT NULL,
	state      TEXT    NOT NULL,
	expires_at BIGINT  NOT NULL
);
CREATE INDEX conversations_user ON conversations (platform, user_hash);
CREATE INDEX conversations_expires ON conversations (expires_at);

CREATE TABLE rate_limits (
	key        TEXT    PRIMARY KEY,
	platform   TEXT    NOT NULL,
	user_hash  TEXT    NOT NULL,
	tokens     DOUBLE PRECISION NOT NULL,
	at         BIGINT  NOT NULL,
	allowed    SMALLINT NOT NULL,
	expires_at BIGINT  NOT NULL
);
CREATE INDEX rate_limits_user ON rate_limits (platform, user_hash);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);
