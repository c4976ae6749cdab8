-- Slack workspaces that installed the app through the OAuth flow: the bot token and the bot's ids,
-- sealed with AES-GCM under a key from the environment (never stored here).
CREATE TABLE slack_workspaces (
	team_id      TEXT    PRIMARY KEY,
	sealed       BLOB    NOT NULL,
	installed_at INTEGER NOT NULL
);
