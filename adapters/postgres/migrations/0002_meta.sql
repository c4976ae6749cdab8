-- Small key/value settings owned by the store, such as the hash key when none is set in the environment.
CREATE TABLE meta (
	key   TEXT  PRIMARY KEY,
	value BYTEA NOT NULL
);
