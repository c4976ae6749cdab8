-- Small key/value settings owned by the store, such as the development hash key.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
