package postgres

import "context"

// OpenAtVersion opens dsn with its schema migrated only up to version, to test later migrations.
func OpenAtVersion(ctx context.Context, dsn string, version int) (*Store, error) {
	return open(ctx, dsn, nil, version)
}
