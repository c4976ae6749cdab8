-- Interactions and the votes on them. Times are Unix milliseconds (UTC). User and conversation ids
-- are keyed hashes (bot.HashID); raw platform ids are never stored.
CREATE TABLE interactions (
	id                INTEGER PRIMARY KEY,
	at                INTEGER NOT NULL,
	platform          TEXT    NOT NULL,
	conversation_hash TEXT    NOT NULL,
	user_hash         TEXT    NOT NULL,
	question          TEXT    NOT NULL,
	status            TEXT    NOT NULL,
	entry_id          TEXT    NOT NULL DEFAULT '',
	nearest_id        TEXT    NOT NULL DEFAULT '',
	score             REAL    NOT NULL DEFAULT 0,
	knowledge_version TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX interactions_at ON interactions (at);
CREATE INDEX interactions_user ON interactions (platform, user_hash);
CREATE INDEX interactions_entry ON interactions (status, entry_id);

-- One vote per user per interaction; voting again updates the row.
CREATE TABLE votes (
	interaction_id INTEGER NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
	user_hash      TEXT    NOT NULL,
	platform       TEXT    NOT NULL,
	helpful        INTEGER NOT NULL CHECK (helpful IN (0, 1)),
	comment        TEXT    NOT NULL DEFAULT '',
	at             INTEGER NOT NULL,
	PRIMARY KEY (interaction_id, user_hash)
);
CREATE INDEX votes_user ON votes (platform, user_hash);
